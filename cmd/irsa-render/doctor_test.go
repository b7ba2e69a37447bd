package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
)

// doctorIssuer is demoIssuer without https://, the prefix of the
// condition keys.
var doctorIssuer = strings.TrimPrefix(demoIssuer, "https://")

const doctorProviderARN = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"

// irsaTrustPolicy returns a trust policy that lets subject assume a role
// through the demo cluster's OIDC provider.
func irsaTrustPolicy(subject string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + doctorProviderARN + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + doctorIssuer + `:sub":"` + subject + `",` +
		`"` + doctorIssuer + `:aud":"sts.amazonaws.com"}}}]}`
}

// newDoctorFake starts a fake AWS in which everything IRSA needs is in
// place for system:serviceaccount:firefly:ci-runner-worker, after change
// has edited the options.
func newDoctorFake(t *testing.T, change func(*awsfake.Options)) *awsfake.Server {
	t.Helper()
	opts := awsfake.Options{
		Clusters: []awsfake.Cluster{
			{Name: "demo", Region: "eu-central-1", Issuer: demoIssuer},
			{Name: "building", Region: "eu-central-1", Issuer: demoIssuer, Status: "CREATING"},
		},
		OIDCProviders: []awsfake.OIDCProvider{{URL: demoIssuer, ClientIDs: []string{"sts.amazonaws.com"}}},
		Roles: []awsfake.Role{{
			Name:               "firefly-runner",
			TrustPolicy:        irsaTrustPolicy("system:serviceaccount:firefly:ci-runner-worker"),
			MaxSessionDuration: 43200,
		}},
	}
	if change != nil {
		change(&opts)
	}
	fake := awsfake.New(opts)
	t.Cleanup(fake.Close)
	return fake
}

// healthyStream returns the real default rendering with the runner image
// pinned and the child execution timeout within the token's lifetime.
func healthyStream(t *testing.T) []byte {
	t.Helper()
	text := string(readFile(t, caseFile(t, "default.yaml")))
	text = strings.Replace(text, "ci-runner-worker:latest", "ci-runner-worker:v0.6.26", 1)
	text = strings.Replace(text, `WORKER_CHILD_EXECUTION_TIMEOUT: "55h"`, `WORKER_CHILD_EXECUTION_TIMEOUT: "12h"`, 1)
	if !strings.Contains(text, "ci-runner-worker:v0.6.26") || !strings.Contains(text, `"12h"`) {
		t.Fatal("default.yaml no longer has the image or timeout this test rewrites")
	}
	return []byte(text)
}

// doctorArgs are the settings of a run against the demo cluster.
var doctorArgs = []string{"doctor", "--cluster=demo", "--region=eu-central-1", "--role-arn=" + testRole, "--aws-timeout=5s"}

// runDoctor runs irsa-render doctor against fake with a JSON report.
func runDoctor(t *testing.T, fake *awsfake.Server, stdin []byte, args ...string) (result, map[string]doctorEntry) {
	t.Helper()
	all := append(append(append([]string{}, doctorArgs...), "--output=json"), args...)
	got := runBinary(t, stdin, fakeEnv(t, fake), all...)
	return got, parseDoctorJSON(t, got)
}

// doctorEntry is one check of the JSON report.
type doctorEntry struct {
	Check   string `json:"check"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

func parseDoctorJSON(t *testing.T, got result) map[string]doctorEntry {
	t.Helper()
	var entries []doctorEntry
	if err := json.Unmarshal([]byte(got.stdout), &entries); err != nil {
		t.Fatalf("report is not a JSON list: %v\nstdout:\n%s\nstderr:\n%s", err, got.stdout, got.stderr)
	}
	byCheck := map[string]doctorEntry{}
	for _, e := range entries {
		byCheck[e.Check] = e
	}
	return byCheck
}

// assertCheck checks one entry's status and that its message and fix
// contain the given texts.
func assertCheck(t *testing.T, checks map[string]doctorEntry, name, status string, message, fix []string) {
	t.Helper()
	entry, ok := checks[name]
	if !ok {
		t.Fatalf("report has no %s check", name)
	}
	if entry.Status != status {
		t.Errorf("%s status = %s, want %s; message:\n%s", name, entry.Status, status, entry.Message)
	}
	for _, want := range message {
		if !strings.Contains(entry.Message, want) {
			t.Errorf("%s message lacks %q:\n%s", name, want, entry.Message)
		}
	}
	for _, want := range fix {
		if !strings.Contains(entry.Fix, want) {
			t.Errorf("%s fix lacks %q:\n%s", name, want, entry.Fix)
		}
	}
}

func TestDoctorHealthySetupPasses(t *testing.T) {
	fake := newDoctorFake(t, nil)
	got, checks := runDoctor(t, fake, healthyStream(t), "--min-image-version=v0.6.0")
	if got.code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr:\n%s\nstdout:\n%s", got.code, got.stderr, got.stdout)
	}
	for _, name := range []string{"cluster", "oidc-provider", "trust-policy", "credential-lifetime", "pod-identity", "static-credentials", "runner-image", "permissions"} {
		if checks[name].Status != "passed" {
			t.Errorf("%s = %s, want passed: %s", name, checks[name].Status, checks[name].Message)
		}
		if checks[name].Fix != "" {
			t.Errorf("%s has a fix although it passed: %s", name, checks[name].Fix)
		}
	}
	assertCheck(t, checks, "cluster", "passed", []string{"EKS cluster demo in eu-central-1 is ACTIVE", demoIssuer}, nil)
	assertCheck(t, checks, "oidc-provider", "passed", []string{doctorProviderARN, "client ID sts.amazonaws.com"}, nil)
	assertCheck(t, checks, "trust-policy", "passed", []string{"lets system:serviceaccount:firefly:ci-runner-worker assume it", "statement 0 allows"}, nil)
	assertCheck(t, checks, "credential-lifetime", "passed", []string{"WORKER_CHILD_EXECUTION_TIMEOUT 12h", "MaxSessionDuration of 12h"}, nil)
	assertCheck(t, checks, "pod-identity", "passed", []string{"no EKS Pod Identity association gives firefly/ci-runner-worker a role"}, nil)
	assertCheck(t, checks, "static-credentials", "passed", []string{"Secret firefly/ci-runner-worker-secrets"}, nil)
	assertCheck(t, checks, "runner-image", "passed", []string{"ci-runner-worker:v0.6.26", "not older than v0.6.0"}, nil)
	assertCheck(t, checks, "permissions", "passed", []string{"iam:GetRole", "eks:ListPodIdentityAssociations"}, nil)
}

func TestDoctorJSONHasOneEntryPerCheck(t *testing.T) {
	fake := newDoctorFake(t, nil)
	got := runBinary(t, healthyStream(t), fakeEnv(t, fake), append(append([]string{}, doctorArgs...), "--output=json")...)
	var entries []map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &entries); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, got.stdout)
	}
	want := []string{"cluster", "oidc-provider", "trust-policy", "credential-lifetime", "pod-identity", "static-credentials", "runner-image", "image-digest", "permissions"}
	if len(entries) != len(want) {
		t.Fatalf("entries = %d, want %d", len(entries), len(want))
	}
	for i, entry := range entries {
		if entry["check"] != want[i] {
			t.Errorf("entry %d check = %v, want %s", i, entry["check"], want[i])
		}
		for _, key := range []string{"check", "status", "message", "fix"} {
			if _, ok := entry[key].(string); !ok {
				t.Errorf("entry %d has no string %q", i, key)
			}
		}
		if len(entry) != 4 {
			t.Errorf("entry %d has keys %v, want check, status, message and fix", i, entry)
		}
	}
}

func TestDoctorTextReport(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) {
		o.Roles[0].TrustPolicy = irsaTrustPolicy("system:serviceaccount:default:ci-runner-worker")
	})
	got := runBinary(t, healthyStream(t), fakeEnv(t, fake), doctorArgs...)
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	for _, want := range []string{
		"passed   cluster ",
		"failed   trust-policy ",
		"statement 0 allows system:serviceaccount:default:ci-runner-worker, the chart renders namespace firefly",
		"fix: replace statement 0 of the trust policy with this one, which adds the runner's values to its conditions:",
		"9 checks: 7 passed, 0 warning(s), 1 failed, 1 skipped",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, got.stdout)
		}
	}
	if strings.Contains(got.stdout, "\x1b[") {
		t.Error("text report has colour codes although stdout is not a terminal")
	}
	if !strings.Contains(got.stderr, "1 of 9 checks failed") {
		t.Errorf("stderr = %q, want the count of failed checks", got.stderr)
	}
}

func TestDoctorClusterNotActive(t *testing.T) {
	fake := newDoctorFake(t, nil)
	got, checks := runDoctor(t, fake, healthyStream(t), "--cluster=building")
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	assertCheck(t, checks, "cluster", "failed",
		[]string{"EKS cluster building in eu-central-1 is CREATING, not ACTIVE"},
		[]string{"aws eks describe-cluster --name building --region eu-central-1 --query cluster.status prints ACTIVE"})
	assertCheck(t, checks, "oidc-provider", "skipped", []string{"OIDC issuer is unknown"}, nil)
	assertCheck(t, checks, "static-credentials", "passed", nil, nil)
}

func TestDoctorContextNotEKS(t *testing.T) {
	fake := newDoctorFake(t, nil)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	writeFile(t, kubeconfig, `apiVersion: v1
kind: Config
current-context: kind
contexts:
  - name: kind
    context: {cluster: kind, user: kind}
clusters:
  - name: kind
    cluster: {server: "https://127.0.0.1:6443"}
users:
  - name: kind
    user: {}
`)
	env := append(fakeEnv(t, fake), "KUBECONFIG="+kubeconfig)
	got := runBinary(t, healthyStream(t), env, "doctor", "--role-arn="+testRole, "--output=json", "--aws-timeout=5s")
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	checks := parseDoctorJSON(t, got)
	assertCheck(t, checks, "cluster", "failed",
		[]string{`kubeconfig context "kind" (server https://127.0.0.1:6443) is not an EKS cluster`, "IRSA exists only on EKS"},
		[]string{"--cluster and --region of the EKS cluster"})
	assertCheck(t, checks, "pod-identity", "skipped", []string{"cluster is unknown"}, nil)
}

func TestDoctorOIDCProviderMissing(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) { o.OIDCProviders = nil })
	_, checks := runDoctor(t, fake, healthyStream(t))
	assertCheck(t, checks, "oidc-provider", "failed",
		[]string{"IAM in account 111122223333 has no OIDC provider for the cluster's issuer " + demoIssuer, doctorProviderARN},
		[]string{"aws iam create-open-id-connect-provider --url " + demoIssuer + " --client-id-list sts.amazonaws.com"})
}

func TestDoctorOIDCProviderLacksClientID(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) { o.OIDCProviders[0].ClientIDs = []string{"other.example"} })
	_, checks := runDoctor(t, fake, healthyStream(t))
	assertCheck(t, checks, "oidc-provider", "failed",
		[]string{"lists the client IDs [other.example] but not sts.amazonaws.com"},
		[]string{"aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + doctorProviderARN + " --client-id sts.amazonaws.com"})
}

func TestDoctorTrustPolicyNearMiss(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) {
		o.Roles[0].TrustPolicy = irsaTrustPolicy("system:serviceaccount:default:ci-runner-worker")
	})
	got, checks := runDoctor(t, fake, healthyStream(t))
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1", got.code)
	}

	assertCheck(t, checks, "trust-policy", "failed",
		[]string{
			"does not let system:serviceaccount:firefly:ci-runner-worker assume it",
			"statement 0 allows system:serviceaccount:default:ci-runner-worker, the chart renders namespace firefly",
		},
		[]string{
			`"Federated": "` + doctorProviderARN + `"`,
			`"system:serviceaccount:default:ci-runner-worker",`,
			`"system:serviceaccount:firefly:ci-runner-worker"`,
			"aws iam update-assume-role-policy --role-name firefly-runner --policy-document '{",
		})

	// The whole policy in the command is the old statement with the
	// subject added, not a second statement.
	fix := checks["trust-policy"].Fix
	command := fix[strings.Index(fix, "--policy-document '")+len("--policy-document '"):]
	command = strings.TrimSuffix(strings.TrimSpace(command), "'")
	var policy struct{ Statement []json.RawMessage }
	if err := json.Unmarshal([]byte(command), &policy); err != nil {
		t.Fatalf("policy in the command is not JSON: %v\n%s", err, command)
	}
	if len(policy.Statement) != 1 {
		t.Errorf("statements in the updated policy = %d, want 1", len(policy.Statement))
	}
}

func TestDoctorRoleMissing(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) { o.Roles = nil })
	_, checks := runDoctor(t, fake, healthyStream(t))
	assertCheck(t, checks, "trust-policy", "failed",
		[]string{"role firefly-runner (from --role-arn) does not exist in account 111122223333"},
		[]string{"aws iam create-role --role-name firefly-runner --assume-role-policy-document '{", "system:serviceaccount:firefly:ci-runner-worker"})
}

func TestDoctorDefaultTimeoutOutlivesToken(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) { o.Roles[0].MaxSessionDuration = 3600 })
	input := readFile(t, caseFile(t, "default.yaml"))
	got, checks := runDoctor(t, fake, input)
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1 for the unpinned image", got.code)
	}
	assertCheck(t, checks, "credential-lifetime", "warning",
		[]string{
			"WORKER_CHILD_EXECUTION_TIMEOUT 55h (from ConfigMap firefly/ci-runner-worker) outlasts the projected ServiceAccount token, which lives 22h to 24h",
			"80% through its lifetime",
			"WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT 1h30m",
			"MaxSessionDuration of 1h",
		},
		[]string{
			"lower WORKER_CHILD_EXECUTION_TIMEOUT below 22h in ConfigMap firefly/ci-runner-worker",
			"aws iam update-role --role-name firefly-runner --max-session-duration 43200",
		})
	assertCheck(t, checks, "runner-image", "failed",
		[]string{"ci-runner-worker:latest", "is not pinned"},
		[]string{"--image-tag="})
}

func TestDoctorPodIdentityAssociation(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) {
		o.PodIdentityAssociations = []awsfake.PodIdentityAssociation{{
			Cluster: "demo", Region: "eu-central-1", Namespace: "firefly", ServiceAccount: "ci-runner-worker",
			RoleARN: "arn:aws:iam::111122223333:role/pod-identity-runner", ID: "a-0123456789abcdef0",
		}}
	})
	got, checks := runDoctor(t, fake, healthyStream(t))
	if got.code != 0 {
		t.Fatalf("exit code = %d, want 0 for a warning; stderr:\n%s", got.code, got.stderr)
	}
	assertCheck(t, checks, "pod-identity", "warning",
		[]string{
			"association a-0123456789abcdef0 (role arn:aws:iam::111122223333:role/pod-identity-runner) also gives firefly/ci-runner-worker a role",
			"injects only the Pod Identity variables",
			"web identity token of IRSA before the Pod Identity endpoint",
		},
		[]string{
			"aws eks delete-pod-identity-association --cluster-name demo --association-id a-0123456789abcdef0 --region eu-central-1",
			"kubectl rollout restart deployment/runner-ci-runner-worker -n firefly",
		})
}

func TestDoctorStaticKeysInSecret(t *testing.T) {
	fake := newDoctorFake(t, nil)
	const secretValue = "c2VjcmV0LXZhbHVlLW5ldmVyLXByaW50ZWQ="
	stream := strings.Replace(string(healthyStream(t)), "data:\n  FIREFLY_JWT_TOKEN:\n",
		"data:\n  FIREFLY_JWT_TOKEN:\n  AWS_ACCESS_KEY_ID: QUtJQUVYQU1QTEU=\n  AWS_SECRET_ACCESS_KEY: "+secretValue+"\n", 1)
	got, checks := runDoctor(t, fake, []byte(stream))
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1", got.code)
	}
	assertCheck(t, checks, "static-credentials", "failed",
		[]string{
			"AWS_ACCESS_KEY_ID from Secret firefly/ci-runner-worker-secrets",
			"AWS_SECRET_ACCESS_KEY from Secret firefly/ci-runner-worker-secrets",
			"never assumes the role",
		},
		[]string{
			"remove the key AWS_ACCESS_KEY_ID from Secret firefly/ci-runner-worker-secrets",
			"remove the key AWS_SECRET_ACCESS_KEY from Secret firefly/ci-runner-worker-secrets",
		})
	for _, value := range []string{secretValue, "QUtJQUVYQU1QTEU=", "AKIAEXAMPLE", "secret-value-never-printed"} {
		if strings.Contains(got.stdout, value) || strings.Contains(got.stderr, value) {
			t.Errorf("output contains the secret value %q", value)
		}
	}
}

func TestDoctorImageOlderThanMinimum(t *testing.T) {
	fake := newDoctorFake(t, nil)
	_, checks := runDoctor(t, fake, healthyStream(t), "--min-image-version=0.7.0")
	assertCheck(t, checks, "runner-image", "failed",
		[]string{"ci-runner-worker:v0.6.26", "is older than --min-image-version 0.7.0"},
		[]string{"--image-tag=0.7.0 or newer"})
}

func TestDoctorDeniedGetRole(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) {
		o.Faults = map[string]awsfake.Fault{awsfake.OpGetRole: {Kind: awsfake.FaultAccessDenied}}
	})
	got, checks := runDoctor(t, fake, healthyStream(t))
	if got.code != 0 {
		t.Fatalf("exit code = %d, want 0 because a denied call is a warning; stderr:\n%s", got.code, got.stderr)
	}
	assertCheck(t, checks, "permissions", "warning",
		[]string{"iam:GetRole on arn:aws:iam::111122223333:role/firefly-runner"},
		[]string{`"iam:GetRole"`, `"Resource": "arn:aws:iam::111122223333:role/firefly-runner"`})
	assertCheck(t, checks, "trust-policy", "warning",
		[]string{"was not checked because AWS denied iam:GetRole"},
		[]string{"allow iam:GetRole on arn:aws:iam::111122223333:role/firefly-runner"})
	assertCheck(t, checks, "oidc-provider", "passed", nil, nil)
	assertCheck(t, checks, "pod-identity", "passed", nil, nil)
	assertCheck(t, checks, "static-credentials", "passed", nil, nil)
	assertCheck(t, checks, "runner-image", "passed", nil, nil)
	if calls := fake.Calls(awsfake.OpListPodIdentityAssociations); calls != 1 {
		t.Errorf("ListPodIdentityAssociations calls = %d, want 1 after the denied GetRole", calls)
	}
}

func TestDoctorDeniedPodIdentityList(t *testing.T) {
	fake := newDoctorFake(t, func(o *awsfake.Options) {
		o.Faults = map[string]awsfake.Fault{awsfake.OpListPodIdentityAssociations: {Kind: awsfake.FaultAccessDenied}}
	})
	_, checks := runDoctor(t, fake, healthyStream(t))
	assertCheck(t, checks, "pod-identity", "warning",
		[]string{"AWS denied eks:ListPodIdentityAssociations"},
		[]string{"aws eks list-pod-identity-associations --cluster-name demo --namespace firefly --service-account ci-runner-worker --region eu-central-1"})
	assertCheck(t, checks, "permissions", "warning",
		[]string{"eks:ListPodIdentityAssociations on arn:aws:eks:eu-central-1:111122223333:cluster/demo"}, nil)
	assertCheck(t, checks, "trust-policy", "passed", nil, nil)
}

func TestDoctorCrossAccountRole(t *testing.T) {
	fake := newDoctorFake(t, nil)
	_, checks := runDoctor(t, fake, healthyStream(t), "--role-arn=arn:aws:iam::444455556666:role/firefly-runner")
	assertCheck(t, checks, "trust-policy", "warning",
		[]string{"is in account 444455556666, but the AWS credentials are for account 111122223333"},
		[]string{"credentials of account 444455556666", "iam:GetRole on arn:aws:iam::444455556666:role/firefly-runner"})
	assertCheck(t, checks, "oidc-provider", "warning", []string{"must exist in account 444455556666"}, nil)
	if calls := fake.Calls(awsfake.OpGetRole); calls != 0 {
		t.Errorf("GetRole calls = %d, want 0: it would read a role of the caller's account", calls)
	}
}

func TestDoctorFlagsWithoutStream(t *testing.T) {
	fake := newDoctorFake(t, nil)
	got, checks := runDoctor(t, fake, nil, "--namespace=firefly", "--service-account=ci-runner-worker", "--image-tag=v0.6.26")
	if got.code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
	}
	assertCheck(t, checks, "trust-policy", "passed", nil, nil)
	assertCheck(t, checks, "credential-lifetime", "skipped", []string{"no rendered stream"}, nil)
	assertCheck(t, checks, "static-credentials", "skipped", []string{"no rendered stream"}, nil)
	assertCheck(t, checks, "runner-image", "passed", []string{"the runner image tag v0.6.26 (--image-tag) is pinned"}, nil)
}

func TestDoctorUsageErrors(t *testing.T) {
	fake := newDoctorFake(t, nil)
	annotated := strings.Replace(string(healthyStream(t)), "  name: ci-runner-worker\n  namespace: firefly\n  labels:",
		"  name: ci-runner-worker\n  namespace: firefly\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/other\n  labels:", 1)
	tests := []struct {
		name       string
		stdin      []byte
		args       []string
		wantStderr string
	}{
		{name: "bad output", stdin: healthyStream(t), args: []string{"--output=yaml"}, wantStderr: `--output "yaml" is not text or json`},
		{name: "no service account", args: nil, wantStderr: "doctor needs the runner's ServiceAccount"},
		{name: "service account without namespace", args: []string{"--service-account=ci-runner-worker"}, wantStderr: "has no namespace"},
		{name: "role conflicts with annotation", stdin: []byte(annotated), wantStderr: "conflicts with the ServiceAccount's annotation eks.amazonaws.com/role-arn"},
		{name: "bad minimum version", stdin: healthyStream(t), args: []string{"--min-image-version=latest"}, wantStderr: "is not a semantic version"},
		{name: "unknown flag", stdin: healthyStream(t), args: []string{"--no-such-flag"}, wantStderr: "unknown flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runBinary(t, tc.stdin, fakeEnv(t, fake), append(append([]string{}, doctorArgs...), tc.args...)...)
			if got.code != 2 {
				t.Fatalf("exit code = %d, want 2; stderr:\n%s", got.code, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout has %d bytes on a usage error, want none", len(got.stdout))
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tc.wantStderr)
			}
		})
	}
}

func TestDoctorConfigFileOfPostRenderer(t *testing.T) {
	fake := newDoctorFake(t, nil)
	config := filepath.Join(t.TempDir(), "irsa-render.yaml")
	writeFile(t, config, "role-arn: "+testRole+"\nimage-tag: v0.6.26\nregion: eu-central-1\nsts-regional-endpoints: true\ncluster: demo\n")
	stream := strings.Replace(string(healthyStream(t)), "ci-runner-worker:v0.6.26", "ci-runner-worker:latest", 1)
	got := runBinary(t, []byte(stream), fakeEnv(t, fake), "doctor", "--config="+config, "--output=json")
	if got.code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr:\n%s\nstdout:\n%s", got.code, got.stderr, got.stdout)
	}
	checks := parseDoctorJSON(t, got)
	assertCheck(t, checks, "runner-image", "passed", []string{"ci-runner-worker:v0.6.26 (--image-tag)"}, nil)
	assertCheck(t, checks, "trust-policy", "passed", nil, nil)
}

func TestDoctorFactsFile(t *testing.T) {
	fake := newDoctorFake(t, nil)
	active := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	got := runBinary(t, healthyStream(t), fakeEnv(t, fake), "doctor", "--facts="+active, "--role-arn="+testRole, "--output=json")
	if got.code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
	}
	checks := parseDoctorJSON(t, got)
	assertCheck(t, checks, "cluster", "passed", []string{"(from the --facts file) is ACTIVE"}, nil)
	assertCheck(t, checks, "trust-policy", "passed", nil, nil)
	if calls := fake.Calls(awsfake.OpDescribeCluster); calls != 0 {
		t.Errorf("DescribeCluster calls = %d, want 0 with --facts", calls)
	}
	if calls := fake.Calls(awsfake.OpGetCallerIdentity); calls != 1 {
		t.Errorf("GetCallerIdentity calls = %d, want 1 because describe-cluster output names no caller", calls)
	}

	creating := filepath.Join(t.TempDir(), "creating.json")
	writeFile(t, creating, `{"cluster": {"name": "demo", "arn": "arn:aws:eks:eu-central-1:111122223333:cluster/demo", "status": "CREATING"}}`)
	got = runBinary(t, healthyStream(t), fakeEnv(t, fake), "doctor", "--facts="+creating, "--role-arn="+testRole, "--output=json")
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1 for a cluster that is not ACTIVE; stderr:\n%s", got.code, got.stderr)
	}
	assertCheck(t, parseDoctorJSON(t, got), "cluster", "failed", []string{"is CREATING, not ACTIVE"}, nil)

	missing := runBinary(t, healthyStream(t), fakeEnv(t, fake), "doctor", "--facts="+filepath.Join(t.TempDir(), "none.json"), "--role-arn="+testRole)
	if missing.code != 2 || !strings.Contains(missing.stderr, "--facts") {
		t.Errorf("missing facts file: exit %d, stderr %q; want 2 naming --facts", missing.code, missing.stderr)
	}
}

func TestDoctorImageDigestCheck(t *testing.T) {
	fake := newDoctorFake(t, nil)
	repository := startRegistry(t)
	pinned := pushImage(t, repository, "v0.6.26")
	stream := []byte(strings.Replace(string(healthyStream(t)), "public.ecr.aws/firefly/ci-runner-worker:v0.6.26", repository+":v0.6.26@"+pinned, 1))

	_, checks := runDoctor(t, fake, stream, "--check-digest")
	assertCheck(t, checks, "image-digest", "passed", []string{"still points at the pinned digest " + pinned}, nil)

	moved := pushImage(t, repository, "v0.6.26")
	_, checks = runDoctor(t, fake, stream, "--check-digest")
	assertCheck(t, checks, "image-digest", "warning", []string{"now points at " + moved + ", but the runner is pinned to " + pinned}, []string{"--refresh-images"})
}
