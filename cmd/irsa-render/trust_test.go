package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFacts writes describe-cluster output for a cluster in region.
func writeFacts(t *testing.T, partition, region, issuer string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "facts.json")
	writeFile(t, path, `{"cluster": {"name": "demo", "arn": "arn:`+partition+`:eks:`+region+`:111122223333:cluster/demo",
  "status": "ACTIVE", "identity": {"oidc": {"issuer": "`+issuer+`"}}}}`)
	return path
}

// policySubjects returns the sub condition and the federated principal of
// a JSON trust policy.
func policySubjects(t *testing.T, text string) (sub any, principal string) {
	t.Helper()
	var doc struct {
		Statement []struct {
			Principal struct{ Federated string }
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("trust policy is not JSON: %v\n%s", err, text)
	}
	if len(doc.Statement) != 1 {
		t.Fatalf("statements = %d, want 1", len(doc.Statement))
	}
	for key, value := range doc.Statement[0].Condition["StringEquals"] {
		if strings.HasSuffix(key, ":sub") {
			sub = value
		}
	}
	return sub, doc.Statement[0].Principal.Federated
}

func TestTrustPolicyFromRenderedStream(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	input := readFile(t, caseFile(t, "no-dind-annotated-sa.yaml"))
	got := runBinary(t, input, nil, "trust-policy", "--facts="+factsFile)
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	sub, principal := policySubjects(t, got.stdout)
	if sub != "system:serviceaccount:ci:ci-runner-worker" {
		t.Errorf("sub = %v, want system:serviceaccount:ci:ci-runner-worker", sub)
	}
	wantPrincipal := "arn:aws:iam::111122223333:oidc-provider/" + strings.TrimPrefix(demoIssuer, "https://")
	if principal != wantPrincipal {
		t.Errorf("principal = %s, want %s", principal, wantPrincipal)
	}
}

func TestTrustPolicyChinaPartition(t *testing.T) {
	factsFile := writeFacts(t, "aws-cn", "cn-northwest-1", cnIssuer)
	got := runBinary(t, nil, nil, "trust-policy", "--facts="+factsFile, "--namespace=firefly", "--service-account=runner-ci-runner-worker")
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	sub, principal := policySubjects(t, got.stdout)
	if sub != "system:serviceaccount:firefly:runner-ci-runner-worker" {
		t.Errorf("sub = %v, want the release-prefixed ServiceAccount", sub)
	}
	if !strings.HasPrefix(principal, "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-northwest-1.amazonaws.com.cn/id/") {
		t.Errorf("principal = %s, want an aws-cn OIDC provider", principal)
	}
}

func TestTrustPolicyCrossAccountProvider(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	got := runBinary(t, nil, nil, "trust-policy", "--facts="+factsFile, "--namespace=firefly",
		"--service-account=ci-runner-worker", "--role-arn=arn:aws:iam::444455556666:role/runner")
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	_, principal := policySubjects(t, got.stdout)
	if !strings.HasPrefix(principal, "arn:aws:iam::444455556666:oidc-provider/") {
		t.Errorf("principal = %s, want the provider in the role's account 444455556666", principal)
	}
}

func TestTrustPolicyFormats(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	tests := []struct {
		format string
		want   string
	}{
		{format: "terraform", want: `resource "aws_iam_role" "firefly-runner"`},
		{format: "cli", want: "aws iam create-role"},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			got := runBinary(t, nil, nil, "trust-policy", "--facts="+factsFile, "--namespace=firefly",
				"--service-account=ci-runner-worker", "--role-arn="+testRole, "--format="+tc.format)
			if got.code != 0 {
				t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
			}
			if !strings.Contains(got.stdout, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, got.stdout)
			}
			if !strings.Contains(got.stdout, "system:serviceaccount:firefly:ci-runner-worker") {
				t.Errorf("output lacks the subject")
			}
		})
	}
}

func TestTrustPolicyErrors(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	withoutNamespace := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: runner\nspec:\n  template:\n    spec:\n      serviceAccountName: runner\n      containers:\n        - name: runner\n          image: public.ecr.aws/firefly/ci-runner-worker:v1\n")
	tests := []struct {
		name       string
		stdin      []byte
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "service account without namespace", args: []string{"--service-account=runner"}, wantCode: 2, wantStderr: "never assumes the default namespace"},
		{name: "manifest without namespace", stdin: withoutNamespace, wantCode: 1, wantStderr: "pass --namespace"},
		{name: "bad format", args: []string{"--format=yaml"}, wantCode: 2, wantStderr: `--format "yaml"`},
		{name: "region only", args: []string{"--facts=", "--region=eu-west-1", "--namespace=a", "--service-account=b"}, wantCode: 2, wantStderr: "needs the cluster's OIDC issuer"},
		{name: "bad account", args: []string{"--account=prod", "--namespace=firefly"}, wantCode: 2, wantStderr: "is not NAME=ROLE_ARN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"trust-policy", "--facts=" + factsFile}, tc.args...)
			got := runBinary(t, tc.stdin, nil, args...)
			if got.code != tc.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout has %d bytes on failure, want none", len(got.stdout))
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tc.wantStderr)
			}
		})
	}
}

func TestTrustPolicyPerAccount(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	dir := t.TempDir()
	got := runBinary(t, nil, nil, "trust-policy", "--facts="+factsFile, "--namespace=firefly", "--output-dir="+dir,
		"--account=prod=arn:aws:iam::111122223333:role/runner-prod", "--account=staging=arn:aws:iam::444455556666:role/runner-staging")
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	tests := []struct {
		file          string
		wantSub       string
		wantPrincipal string
	}{
		{file: "trust-policy-prod.json", wantSub: "system:serviceaccount:firefly:ci-runner-worker-prod", wantPrincipal: "arn:aws:iam::111122223333:oidc-provider/"},
		{file: "trust-policy-staging.json", wantSub: "system:serviceaccount:firefly:ci-runner-worker-staging", wantPrincipal: "arn:aws:iam::444455556666:oidc-provider/"},
	}
	for _, tc := range tests {
		data, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatalf("%s not written: %v", tc.file, err)
		}
		sub, principal := policySubjects(t, string(data))
		if sub != tc.wantSub {
			t.Errorf("%s sub = %v, want %s", tc.file, sub, tc.wantSub)
		}
		if !strings.HasPrefix(principal, tc.wantPrincipal) {
			t.Errorf("%s principal = %s, want prefix %s", tc.file, principal, tc.wantPrincipal)
		}
	}
}
