package doctor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firefly-oss/irsa-render/trust"
)

func TestParseStreamDefaultRendering(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "cases", "ci-runner-worker-0.0.24", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	runner, err := ParseStream(data, StreamOptions{})
	if err != nil {
		t.Fatalf("ParseStream: %v", err)
	}
	if want := (trust.Subject{Namespace: "firefly", Name: "ci-runner-worker"}); runner.Subject != want {
		t.Errorf("subject = %v, want %v", runner.Subject, want)
	}
	if !runner.ServiceAccountRendered {
		t.Error("ServiceAccountRendered = false, want true")
	}
	if len(runner.Containers) != 1 {
		t.Fatalf("runner containers = %d, want 1 (the dind sidecar is not the runner)", len(runner.Containers))
	}
	c := runner.Containers[0]
	if got := c.Workload(); got != "Deployment firefly/runner-ci-runner-worker" {
		t.Errorf("workload = %s", got)
	}
	if c.Image != "public.ecr.aws/firefly/ci-runner-worker:latest" {
		t.Errorf("image = %s", c.Image)
	}
	timeout, ok := c.Lookup("WORKER_CHILD_EXECUTION_TIMEOUT")
	if !ok || timeout.Value != "55h" || timeout.Source != "ConfigMap firefly/ci-runner-worker" {
		t.Errorf("WORKER_CHILD_EXECUTION_TIMEOUT = %+v, want 55h from the ConfigMap", timeout)
	}
	token, ok := c.Lookup("FIREFLY_JWT_TOKEN")
	if !ok || !token.FromSecret || token.ValueKnown || !token.Empty {
		t.Errorf("FIREFLY_JWT_TOKEN = %+v, want an empty Secret value that is not read", token)
	}
	host, ok := c.Lookup("WORKFLOW_REMOTE_BACKEND_EXTERNAL_HOSTNAME")
	if !ok || host.Value != "api.firefly.ai" {
		t.Errorf("WORKFLOW_REMOTE_BACKEND_EXTERNAL_HOSTNAME = %+v", host)
	}
	if len(c.Unchecked) != 0 {
		t.Errorf("unchecked sources = %v, want none", c.Unchecked)
	}
}

func TestParseStreamExternalServiceAccount(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "cases", "ci-runner-worker-0.0.24", "external-sa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	runner, err := ParseStream(data, StreamOptions{})
	if err != nil {
		t.Fatalf("ParseStream: %v", err)
	}
	if runner.ServiceAccountRendered {
		t.Error("ServiceAccountRendered = true for a stream without the ServiceAccount")
	}
	if len(runner.Annotations) != 0 {
		t.Errorf("annotations = %v, want none", runner.Annotations)
	}
}

func TestParseStreamAnnotations(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "cases", "ci-runner-worker-0.0.24", "no-dind-annotated-sa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	runner, err := ParseStream(data, StreamOptions{})
	if err != nil {
		t.Fatalf("ParseStream: %v", err)
	}
	if runner.Annotations["team"] != "platform" {
		t.Errorf("annotations = %v, want team: platform", runner.Annotations)
	}
	if runner.Subject.Namespace != "ci" {
		t.Errorf("namespace = %s, want ci", runner.Subject.Namespace)
	}
}

// twoRunners has runner workloads under two ServiceAccounts, a CronJob and
// a Pod, neither with a namespace.
const twoRunners = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: nightly-runner
          containers:
            - name: runner
              image: ci-runner-worker:v1.0.0
---
apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  serviceAccount: once-runner
  containers:
    - name: runner
      image: registry.example.com/team/ci-runner-worker:v1.0.0
`

func TestParseStreamServiceAccountChoice(t *testing.T) {
	_, err := ParseStream([]byte(twoRunners), StreamOptions{Namespace: "ci"})
	var settingsErr *SettingsError
	if !errors.As(err, &settingsErr) || !strings.Contains(err.Error(), "run as 2 ServiceAccounts (ci/nightly-runner, ci/once-runner)") {
		t.Fatalf("error = %v, want a SettingsError naming both ServiceAccounts", err)
	}

	runner, err := ParseStream([]byte(twoRunners), StreamOptions{Namespace: "ci", ServiceAccount: "once-runner"})
	if err != nil {
		t.Fatalf("ParseStream with --service-account: %v", err)
	}
	if runner.Subject.Name != "once-runner" || runner.Containers[0].Kind != "Pod" {
		t.Errorf("chose %v in %s, want once-runner in the Pod", runner.Subject, runner.Containers[0].Kind)
	}

	runner, err = ParseStream([]byte(twoRunners), StreamOptions{Namespace: "ci", ServiceAccount: "ci/nightly-runner"})
	if err != nil || runner.Containers[0].Kind != "CronJob" {
		t.Fatalf("ParseStream of the CronJob's ServiceAccount: %v", err)
	}

	_, err = ParseStream([]byte(twoRunners), StreamOptions{Namespace: "ci", ServiceAccount: "other"})
	if !errors.As(err, &settingsErr) || !strings.Contains(err.Error(), "no runner workload in the stream runs as it") {
		t.Errorf("error = %v, want a SettingsError for an unknown ServiceAccount", err)
	}

	runner, err = ParseStream([]byte(twoRunners), StreamOptions{Namespace: "ci", ImageRepository: "registry.example.com/team/ci-runner-worker"})
	if err != nil || runner.Subject.Name != "once-runner" {
		t.Errorf("ParseStream by repository = %v, %v; want the Pod's runner only", runner, err)
	}
}

func TestParseStreamErrors(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		opts   StreamOptions
		want   string
	}{
		{name: "no namespace", stream: twoRunners, want: "has no namespace, so its ServiceAccount is unknown; pass --namespace"},
		{name: "no runner", stream: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", want: "the stream has no runner workload"},
		{name: "invalid YAML", stream: "kind: [\n", want: "document 1 of the stream is not valid YAML"},
		{name: "conflicting service accounts", opts: StreamOptions{Namespace: "ci"},
			stream: "kind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: a\n  serviceAccount: b\n  containers: [{name: r, image: ci-runner-worker:v1}]\n",
			want:   `serviceAccountName "a" and the deprecated serviceAccount "b" differ`},
		{name: "bad repository", stream: twoRunners, opts: StreamOptions{ImageRepository: "Not A Repo"}, want: "--image-repository"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseStream([]byte(tc.stream), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseStreamDefaultServiceAccount(t *testing.T) {
	runner, err := ParseStream([]byte("kind: Deployment\nmetadata: {name: d, namespace: ci}\nspec:\n  template:\n    spec:\n      containers: [{name: r, image: ci-runner-worker:v1}]\n"), StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if runner.Subject.Name != "default" {
		t.Errorf("ServiceAccount = %s, want default", runner.Subject.Name)
	}
}

func TestNewInputSettings(t *testing.T) {
	annotated := strings.Replace(testStream, "  name: ci-runner-worker\n  namespace: firefly\n---\napiVersion: v1\nkind: Secret",
		"  name: ci-runner-worker\n  namespace: firefly\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/annotated\n"+
			"    eks.amazonaws.com/audience: vault\n    eks.amazonaws.com/token-expiration: soon\n---\napiVersion: v1\nkind: Secret", 1)
	if annotated == testStream {
		t.Fatal("test stream lacks the ServiceAccount this test annotates")
	}

	in, err := NewInput(Settings{}, []byte(annotated))
	if err != nil {
		t.Fatalf("NewInput: %v", err)
	}
	if in.RoleARN != "arn:aws:iam::111122223333:role/annotated" || in.RoleSource != "annotation eks.amazonaws.com/role-arn" {
		t.Errorf("role = %s from %s, want the annotation", in.RoleARN, in.RoleSource)
	}
	if in.Audience != "vault" {
		t.Errorf("audience = %s, want vault", in.Audience)
	}
	if in.TokenExpiration != 0 || !strings.Contains(in.TokenSource, `value "soon" is not a number of seconds`) {
		t.Errorf("token = %d from %s, want the default because the annotation is not a number", in.TokenExpiration, in.TokenSource)
	}

	_, err = NewInput(Settings{RoleARN: testRoleARN}, []byte(annotated))
	var settingsErr *SettingsError
	if !errors.As(err, &settingsErr) || !strings.Contains(err.Error(), "--role-arn "+testRoleARN+" conflicts with the ServiceAccount's annotation") {
		t.Errorf("error = %v, want a conflict with the annotation", err)
	}

	in, err = NewInput(Settings{RoleARN: testRoleARN, Overwrite: true}, []byte(annotated))
	if err != nil || in.RoleARN != testRoleARN {
		t.Errorf("with --overwrite: role = %s, error %v; want the flag's role", in.RoleARN, err)
	}

	_, err = NewInput(Settings{ImageTag: "v9.9.9"}, []byte(testStream))
	if !errors.As(err, &settingsErr) || !strings.Contains(err.Error(), "--image-tag v9.9.9 conflicts with the image") {
		t.Errorf("error = %v, want an image tag conflict", err)
	}

	_, err = NewInput(Settings{ServiceAccount: "runner"}, nil)
	if !errors.As(err, &settingsErr) || !strings.Contains(err.Error(), "has no namespace") {
		t.Errorf("error = %v, want a missing namespace", err)
	}

	in, err = NewInput(Settings{ServiceAccount: "runner", Namespace: "ci"}, nil)
	if err != nil || in.Subject.String() != "system:serviceaccount:ci:runner" {
		t.Errorf("subject = %s, error %v", in.Subject, err)
	}
}

func TestVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"v0.6.26", "0.6.26", 0},
		{"v0.6.26", "v0.6.3", 1},
		{"v0.10.0", "v0.9.9", 1},
		{"1.0.0-rc.1", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-rc.1", "1.0.0-alpha", 1},
		{"1.0.0+build.5", "1.0.0", 0},
	}
	for _, tc := range tests {
		a, err := ParseVersion(tc.a)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tc.a, err)
		}
		b, err := ParseVersion(tc.b)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tc.b, err)
		}
		if got := a.Compare(b); got != tc.want {
			t.Errorf("%s compared with %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := b.Compare(a); got != -tc.want {
			t.Errorf("%s compared with %s = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
	for _, bad := range []string{"latest", "v1.2", "1.2.3.4", "01.2.3", "v1.2.3-", ""} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) succeeded, want an error", bad)
		}
	}
}
