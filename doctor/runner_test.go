package doctor

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// withStream replaces the fixture's stream after edit has changed it.
func withStream(t *testing.T, f *fixture, settings Settings, edit func(string) string) {
	t.Helper()
	if settings.RoleARN == "" {
		settings.RoleARN = testRoleARN
	}
	in, err := NewInput(settings, []byte(edit(testStream)))
	if err != nil {
		t.Fatalf("NewInput: %v", err)
	}
	in.Facts, in.CallTimeout = f.in.Facts, f.in.CallTimeout
	f.in = in
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("test stream lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestCredentialLifetimeCheck(t *testing.T) {
	tests := []struct {
		name     string
		settings Settings
		edit     func(string) string
		session  int32
		status   Status
		message  []string
		fix      []string
	}{
		{name: "fits", edit: replace("", ""), session: 43200, status: Passed,
			message: []string{"WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT 1h30m (from ConfigMap firefly/ci-runner-worker)", "22h to 24h", "MaxSessionDuration of 12h"}},
		{name: "outlives token", edit: replace(`"12h"`, `"55h"`), session: 43200, status: Warning,
			message: []string{"WORKER_CHILD_EXECUTION_TIMEOUT 55h (from ConfigMap firefly/ci-runner-worker) outlasts the projected ServiceAccount token, which lives 22h to 24h",
				"80% through its lifetime", "fails with an expired-token error"},
			fix: []string{"lower WORKER_CHILD_EXECUTION_TIMEOUT below 22h in ConfigMap firefly/ci-runner-worker (chart value configMap.data.WORKER_CHILD_EXECUTION_TIMEOUT)",
				"aws iam update-role --role-name firefly-runner --max-session-duration 43200"}},
		{name: "outlives session", edit: replace("", ""), session: 3600, status: Warning,
			message: []string{"WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT 1h30m (from ConfigMap firefly/ci-runner-worker), WORKER_CHILD_EXECUTION_TIMEOUT 12h (from ConfigMap firefly/ci-runner-worker) outlast the role's MaxSessionDuration of 1h",
				"irsa-render cannot see how the runner passes credentials to Terraform"},
			fix: []string{"split long applies", "--max-session-duration 43200"}},
		{name: "short session needs two hours", edit: replace(`"12h"`, `"45m"`), session: 3600, status: Warning,
			message: []string{"WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT 1h30m (from ConfigMap firefly/ci-runner-worker) outlasts the role's MaxSessionDuration of 1h"},
			fix:     []string{"--max-session-duration 7200"}},
		{name: "short token annotation", settings: Settings{TokenExpiration: 3600}, edit: replace(`"12h"`, `"45m"`), session: 43200, status: Warning,
			message: []string{"outlasts the projected ServiceAccount token, which lives 1h (--token-expiration)"},
			fix:     []string{"lower WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT below 1h", "raise eks.amazonaws.com/token-expiration"}},
		{name: "pod annotation wins", edit: replace("  template:\n    spec:", "  template:\n    metadata:\n      annotations:\n        eks.amazonaws.com/token-expiration: \"300\"\n    spec:"),
			session: 43200, status: Warning,
			message: []string{"lives 10m (pod template annotation eks.amazonaws.com/token-expiration asks for 300 s, which the webhook raises to 600 s)"}},
		{name: "env wins over config map", edit: replace("              value: api.firefly.ai\n",
			"              value: api.firefly.ai\n            - name: WORKER_CHILD_EXECUTION_TIMEOUT\n              value: 30h\n"),
			session: 43200, status: Warning,
			message: []string{`WORKER_CHILD_EXECUTION_TIMEOUT 30h (from env of container "ci-runner-worker")`},
			fix:     []string{`below 22h in env of container "ci-runner-worker"`}},
		{name: "not a duration", edit: replace(`"12h"`, `"two days"`), session: 43200, status: Warning,
			message: []string{`WORKER_CHILD_EXECUTION_TIMEOUT is "two days" (ConfigMap firefly/ci-runner-worker), which is not a Go duration`}},
		{name: "no timeouts", edit: func(s string) string {
			s = replace("  WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT: \"90m\"\n", "")(s)
			return replace("  WORKER_CHILD_EXECUTION_TIMEOUT: \"12h\"\n", "")(s)
		}, session: 43200, status: Skipped, message: []string{"sets neither WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT nor WORKER_CHILD_EXECUTION_TIMEOUT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			withStream(t, f, tc.settings, tc.edit)
			f.iam.role.MaxSessionDuration = aws.Int32(tc.session)
			expect(t, f.run(t), CheckCredentialLifetime, tc.status, tc.message, tc.fix)
		})
	}
}

func TestCredentialLifetimeWithoutStream(t *testing.T) {
	f := newFixture(t)
	f.in.Runner = nil
	expect(t, f.run(t), CheckCredentialLifetime, Skipped, []string{"no rendered stream"}, []string{})
}

func TestStaticCredentialsCheck(t *testing.T) {
	secretKeys := replace("  FIREFLY_JWT_TOKEN:\n", "  FIREFLY_JWT_TOKEN:\n  AWS_ACCESS_KEY_ID: QUtJQUVYQU1QTEU=\n  AWS_SECRET_ACCESS_KEY: c2VjcmV0LXZhbHVl\n")
	tests := []struct {
		name    string
		edit    func(string) string
		status  Status
		message []string
		fix     []string
	}{
		{name: "none", edit: replace("", ""), status: Passed,
			message: []string{`from the env of container "ci-runner-worker", ConfigMap firefly/ci-runner-worker, Secret firefly/ci-runner-worker-secrets`}},
		{name: "secret", edit: secretKeys, status: Failed,
			message: []string{"AWS_ACCESS_KEY_ID from Secret firefly/ci-runner-worker-secrets; AWS_SECRET_ACCESS_KEY from Secret firefly/ci-runner-worker-secrets",
				"never assumes the role"},
			fix: []string{"remove the key AWS_ACCESS_KEY_ID from Secret firefly/ci-runner-worker-secrets (chart value secret.data.AWS_ACCESS_KEY_ID)"}},
		{name: "config map with prefix", edit: func(s string) string {
			s = replace("  WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT", "  ACCESS_KEY_ID: AKIAEXAMPLE\n  SECRET_ACCESS_KEY: example\n  WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT")(s)
			return replace("            - configMapRef:\n                name: ci-runner-worker\n",
				"            - configMapRef:\n                name: ci-runner-worker\n            - prefix: AWS_\n              configMapRef:\n                name: ci-runner-worker\n")(s)
		}, status: Failed,
			message: []string{"AWS_ACCESS_KEY_ID from ConfigMap firefly/ci-runner-worker"},
			fix:     []string{"remove the key ACCESS_KEY_ID from ConfigMap firefly/ci-runner-worker"}},
		{name: "env from secret key", edit: replace("              value: api.firefly.ai\n",
			"              value: api.firefly.ai\n            - name: AWS_ACCESS_KEY_ID\n              valueFrom:\n                secretKeyRef: {name: external, key: id}\n"+
				"            - name: AWS_SECRET_ACCESS_KEY\n              valueFrom:\n                secretKeyRef: {name: external, key: secret}\n"),
			status:  Failed,
			message: []string{"AWS_ACCESS_KEY_ID from Secret firefly/external key id"},
			fix:     []string{"remove the env entry AWS_SECRET_ACCESS_KEY from the runner container (Secret firefly/external key secret)"}},
		{name: "env overrides secret with empty", edit: func(s string) string {
			s = secretKeys(s)
			return replace("              value: api.firefly.ai\n", "              value: api.firefly.ai\n            - name: AWS_ACCESS_KEY_ID\n              value: \"\"\n")(s)
		}, status: Warning,
			message: []string{`AWS_ACCESS_KEY_ID from env of container "ci-runner-worker", empty`, "uses static keys only when both"},
			fix:     []string{"remove the key AWS_ACCESS_KEY_ID from Secret", "remove the env entry AWS_ACCESS_KEY_ID"}},
		{name: "lone key", edit: replace("  FIREFLY_JWT_TOKEN:\n", "  FIREFLY_JWT_TOKEN:\n  AWS_ACCESS_KEY_ID: QUtJQUVYQU1QTEU=\n"), status: Warning,
			message: []string{"AWS_ACCESS_KEY_ID from Secret firefly/ci-runner-worker-secrets"}},
		{name: "secret outside the stream", edit: replace("                name: ci-runner-worker-secrets", "                name: managed-elsewhere"), status: Passed,
			message: []string{"Secret firefly/managed-elsewhere, which the runner container reads, is not in the stream, so its keys were not checked"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			withStream(t, f, Settings{}, tc.edit)
			res := expect(t, f.run(t), CheckStaticCredentials, tc.status, tc.message, tc.fix)
			for _, value := range []string{"QUtJQUVYQU1QTEU=", "c2VjcmV0LXZhbHVl", "secret-value"} {
				if strings.Contains(res.Message+res.Fix, value) {
					t.Errorf("result shows the secret value %q", value)
				}
			}
		})
	}
}

func TestRunnerImageCheck(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name     string
		image    string
		settings Settings
		status   Status
		message  string
		fix      string
	}{
		{name: "pinned", image: "v0.6.26", status: Passed, message: "ci-runner-worker:v0.6.26 in container \"ci-runner-worker\" of Deployment firefly/runner-ci-runner-worker is pinned"},
		{name: "latest", image: "latest", status: Failed, message: "is not pinned", fix: "--image-tag=<version>"},
		{name: "new enough", image: "v0.6.26", settings: Settings{MinImageVersion: "0.6.3"}, status: Passed, message: "not older than 0.6.3"},
		{name: "too old", image: "v0.6.26", settings: Settings{MinImageVersion: "v0.10.0"}, status: Failed,
			message: "is older than --min-image-version v0.10.0", fix: "--image-tag=v0.10.0 or newer"},
		{name: "pre-release", image: "v0.7.0-rc.1", settings: Settings{MinImageVersion: "v0.7.0"}, status: Failed, message: "older than"},
		{name: "digest only", image: "x@" + digest, settings: Settings{MinImageVersion: "v0.6.0"}, status: Warning,
			message: "pinned by digest without a tag, so its version cannot be compared", fix: "repository:tag@sha256:"},
		{name: "digest only without minimum", image: "x@" + digest, status: Passed, message: "is pinned"},
		{name: "not semver", image: "main-4f2a9c1", settings: Settings{MinImageVersion: "v0.6.0"}, status: Warning, message: "is not a semantic version"},
		{name: "image tag flag", image: "latest", settings: Settings{ImageTag: "v0.6.30", MinImageVersion: "v0.6.0"}, status: Passed,
			message: "ci-runner-worker:v0.6.30 (--image-tag)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			image := "public.ecr.aws/firefly/ci-runner-worker:" + tc.image
			if strings.HasPrefix(tc.image, "x@") {
				image = "public.ecr.aws/firefly/ci-runner-worker" + strings.TrimPrefix(tc.image, "x")
			}
			withStream(t, f, tc.settings, replace("public.ecr.aws/firefly/ci-runner-worker:v0.6.26", image))
			expect(t, f.run(t), CheckRunnerImage, tc.status, []string{tc.message}, []string{tc.fix})
		})
	}
}

func TestRunnerImageWithoutStream(t *testing.T) {
	in, err := NewInput(Settings{ServiceAccount: "firefly/ci-runner-worker", ImageTag: "v0.6.26", MinImageVersion: "v0.6.0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	in.Facts = f.in.Facts
	f.in = in
	report := f.run(t)
	expect(t, report, CheckRunnerImage, Passed, []string{"the runner image tag v0.6.26 (--image-tag) is pinned and not older than v0.6.0"}, nil)
	expect(t, report, CheckStaticCredentials, Skipped, nil, nil)
	expect(t, report, CheckTrustPolicy, Failed, []string{"no IAM role is set"}, nil)

	f.in.Images = nil
	expect(t, f.run(t), CheckRunnerImage, Skipped, []string{"no rendered stream and no --image-tag"}, nil)
}
