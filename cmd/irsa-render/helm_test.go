package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// extraHelmEnv is appended to Helm's environment, which its post-renderer
// inherits.
var extraHelmEnv []string

// helm runs a pinned Helm binary with its own homes under a temp folder.
func helm(t *testing.T, version string, args ...string) result {
	t.Helper()
	return helmIn(t, t.TempDir(), version, args...)
}

// helmIn runs a pinned Helm binary with its homes under home. HELM_PLUGINS
// is the data home's plugins folder, where Helm 4's plugin install puts
// plugins regardless of HELM_PLUGINS.
func helmIn(t *testing.T, home, version string, args ...string) result {
	t.Helper()
	path := tool(t, version)
	cmd := exec.Command(path, args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(cleanEnv(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"HELM_PLUGINS="+filepath.Join(home, "data", "plugins"),
	)
	cmd.Env = append(cmd.Env, extraHelmEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

func postRendererArgs(args ...string) []string {
	var out []string
	for _, a := range args {
		out = append(out, "--post-renderer-args", a)
	}
	return out
}

func TestHelm3TemplateWithPostRenderer(t *testing.T) {
	args := append([]string{"template", "runner", "charts/ci-runner-worker", "--namespace", "firefly", "--post-renderer", binary}, postRendererArgs(standardArgs...)...)
	got := helm(t, "helm3", args...)
	if got.code != 0 {
		t.Fatalf("helm template exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	for _, want := range []string{
		"    eks.amazonaws.com/role-arn: " + testRole + "\n",
		`image: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26"`,
		"# Source: ci-runner-worker/templates/deployment.yaml\n",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("helm output lacks %q", want)
		}
	}
	if n := strings.Count(got.stdout, "- name: AWS_REGION\n"); n != 2 {
		t.Errorf("AWS_REGION entries = %d, want 2 (runner and docker containers)", n)
	}
	if n := strings.Count(got.stdout, "- name: AWS_DEFAULT_REGION\n"); n != 2 {
		t.Errorf("AWS_DEFAULT_REGION entries = %d, want 2", n)
	}
}

func TestHelm3TemplateFailureShowsReason(t *testing.T) {
	args := append([]string{"template", "runner", "charts/ci-runner-worker", "--namespace", "firefly",
		"--set", "serviceAccount.create=false", "--post-renderer", binary}, postRendererArgs(standardArgs...)...)
	got := helm(t, "helm3", args...)
	if got.code == 0 {
		t.Fatalf("helm template succeeded, want a failure; stdout:\n%s", got.stdout)
	}
	if got.stdout != "" {
		t.Errorf("helm wrote %d bytes of manifests on failure, want none", len(got.stdout))
	}
	if !strings.Contains(got.stderr, "which is not in the stream") {
		t.Errorf("helm stderr lacks the post-renderer's reason:\n%s", got.stderr)
	}
}

func TestCaseFilesPresent(t *testing.T) {
	for _, name := range []string{"default.yaml", "external-sa.yaml", "metrics.yaml", "no-dind-annotated-sa.yaml"} {
		if _, err := os.Stat(caseFile(t, name)); err != nil {
			t.Errorf("real chart output %s is missing: %v", name, err)
		}
	}
}
