package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testRole   = "arn:aws:iam::111122223333:role/firefly-runner"
	testRegion = "eu-west-1"
)

var standardArgs = []string{"--role-arn=" + testRole, "--image-tag=v0.6.26", "--region=" + testRegion}

func TestExitCodes(t *testing.T) {
	valid := readFile(t, caseFile(t, "default.yaml"))
	tests := []struct {
		name       string
		stdin      []byte
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "success", stdin: valid, args: standardArgs, wantCode: 0},
		{name: "unknown flag", stdin: valid, args: append([]string{"--bogus"}, standardArgs...), wantCode: 2, wantStderr: "unknown flag: --bogus"},
		{name: "misspelt flag", stdin: valid, args: []string{"--role-arm=" + testRole, "--region=eu-west-1"}, wantCode: 2, wantStderr: "did you mean --role-arn?"},
		{name: "flag and value in one argument", stdin: valid, args: []string{"--role-arn " + testRole, "--region=eu-west-1"}, wantCode: 2, wantStderr: "a flag and its value arrived as one argument"},
		{name: "user instead of role", stdin: valid, args: []string{"--role-arn=arn:aws:iam::111122223333:user/alice", "--region=eu-west-1"}, wantCode: 2, wantStderr: "use arn:aws:iam::111122223333:role/<name>"},
		{name: "missing role", stdin: valid, args: []string{"--region=eu-west-1"}, wantCode: 2, wantStderr: "--role-arn is required"},
		{name: "bad role", stdin: valid, args: []string{"--role-arn=arn:aws:iam::1:user/x", "--region=eu-west-1"}, wantCode: 2, wantStderr: "is not an IAM role ARN"},
		{name: "bad token expiration", stdin: valid, args: append([]string{"--token-expiration=60"}, standardArgs...), wantCode: 2, wantStderr: "--token-expiration 60 is out of range"},
		{name: "stray argument", stdin: valid, args: append([]string{"extra"}, standardArgs...), wantCode: 2, wantStderr: `unknown command "extra"`},
		{name: "empty stdin", stdin: nil, args: standardArgs, wantCode: 1, wantStderr: "stdin is empty"},
		{name: "missing service account", stdin: readFile(t, caseFile(t, "external-sa.yaml")), args: standardArgs, wantCode: 1, wantStderr: "serviceAccount.create=false"},
		{name: "malformed yaml", stdin: []byte("apiVersion: v1\nkind: [\n"), args: standardArgs, wantCode: 1, wantStderr: "document 1: invalid YAML"},
		{name: "input above cap", stdin: valid, args: append([]string{"--max-input-bytes=100"}, standardArgs...), wantCode: 1, wantStderr: "larger than 100 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runBinary(t, tc.stdin, nil, tc.args...)
			if got.code != tc.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if tc.wantCode != 0 && got.stdout != "" {
				t.Errorf("stdout has %d bytes on failure, want none", len(got.stdout))
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tc.wantStderr)
			}
			if tc.wantCode != 0 && !strings.HasPrefix(got.stderr, "irsa-render: error: ") {
				t.Errorf("first stderr line = %q, want the error first", strings.SplitN(got.stderr, "\n", 2)[0])
			}
		})
	}
}

func TestSettingsPrecedence(t *testing.T) {
	input := readFile(t, caseFile(t, "default.yaml"))
	dir := t.TempDir()
	config := filepath.Join(dir, "irsa-render.yaml")
	writeFile(t, config, "role-arn: arn:aws:iam::111122223333:role/from-config\nregion: us-east-2\nimage-tag: v0.6.26\nservice-account: [ci-runner-worker]\n")
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantRole   string
		wantRegion string
	}{
		{name: "config only", args: []string{"--config=" + config}, wantRole: "role/from-config", wantRegion: "us-east-2"},
		{name: "config path from env", env: []string{"IRSA_RENDER_CONFIG=" + config}, wantRole: "role/from-config", wantRegion: "us-east-2"},
		{name: "env over config", env: []string{"IRSA_RENDER_ROLE_ARN=arn:aws:iam::111122223333:role/from-env"}, args: []string{"--config=" + config}, wantRole: "role/from-env", wantRegion: "us-east-2"},
		{name: "flag over env", env: []string{"IRSA_RENDER_REGION=eu-central-1"}, args: []string{"--config=" + config, "--region=ap-south-1"}, wantRole: "role/from-config", wantRegion: "ap-south-1"},
		{name: "env over config region", env: []string{"IRSA_RENDER_REGION=eu-central-1"}, args: []string{"--config=" + config}, wantRole: "role/from-config", wantRegion: "eu-central-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runBinary(t, input, tc.env, tc.args...)
			if got.code != 0 {
				t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
			}
			if !strings.Contains(got.stdout, "eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:"+tc.wantRole+"\n") {
				t.Errorf("output lacks role %s", tc.wantRole)
			}
			if !strings.Contains(got.stdout, "value: "+tc.wantRegion+"\n") {
				t.Errorf("output lacks region %s", tc.wantRegion)
			}
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	input := readFile(t, caseFile(t, "default.yaml"))
	dir := t.TempDir()
	unknownKey := filepath.Join(dir, "unknown.yaml")
	writeFile(t, unknownKey, "role_arn: x\n")
	badYAML := filepath.Join(dir, "bad.yaml")
	writeFile(t, badYAML, "role-arn: [\n")
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantStderr string
	}{
		{name: "unknown config key", args: []string{"--config=" + unknownKey}, wantStderr: "unknown key(s) role_arn (did you mean role-arn?)"},
		{name: "malformed config", args: []string{"--config=" + badYAML}, wantStderr: "is not valid YAML"},
		{name: "missing config", args: []string{"--config=" + filepath.Join(dir, "none.yaml")}, wantStderr: "--config: open"},
		{name: "bad env value", env: []string{"IRSA_RENDER_TOKEN_EXPIRATION=soon"}, args: standardArgs, wantStderr: "environment variable IRSA_RENDER_TOKEN_EXPIRATION"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runBinary(t, input, tc.env, tc.args...)
			if got.code != 2 {
				t.Fatalf("exit code = %d, want 2; stderr:\n%s", got.code, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout has %d bytes, want none", len(got.stdout))
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tc.wantStderr)
			}
		})
	}
}

func TestLogFileGetsWarnings(t *testing.T) {
	log := filepath.Join(t.TempDir(), "irsa-render.log")
	input := []byte(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  namespace: ci
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: unrelated
  namespace: ci
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
        - name: runner
          image: public.ecr.aws/firefly/ci-runner-worker:v0.6.26
`)
	got := runBinary(t, input, nil, append([]string{"--log-file=" + log}, standardArgs...)...)
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	logged := string(readFile(t, log))
	recordFile(t.Name(), log, []byte(logged))
	if !strings.Contains(logged, "ServiceAccount ci/unrelated: left alone") {
		t.Errorf("log file = %q, want the note about the unrelated ServiceAccount", logged)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestUnpinnedImageReportedOnce(t *testing.T) {
	got := runBinary(t, readFile(t, caseFile(t, "default.yaml")), nil, "--role-arn="+testRole, "--region="+testRegion)
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	if n := strings.Count(got.stderr, "is not pinned"); n != 1 {
		t.Errorf("the unpinned image is reported %d times, want once:\n%s", n, got.stderr)
	}
	if !strings.Contains(got.stderr, "1 problem(s) found") {
		t.Errorf("stderr = %q, want 1 problem", got.stderr)
	}
}
