package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// installPlugin assembles the Helm 4 plugin from deploy/helm-plugin with the
// test binary and installs it into a fresh Helm home, which it returns.
func installPlugin(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(t.TempDir(), "irsa-render")
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := readFile(t, filepath.Join(repoRoot(t), "deploy", "helm-plugin", "plugin.yaml"))
	writeFile(t, filepath.Join(dir, "plugin.yaml"), string(manifest))
	if out, err := exec.Command("cp", binary, filepath.Join(dir, "bin", "irsa-render")).CombinedOutput(); err != nil {
		t.Fatalf("copying the binary: %v: %s", err, out)
	}
	got := helmIn(t, home, "helm4", "plugin", "install", dir)
	if got.code != 0 {
		t.Fatalf("helm plugin install exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	return home
}

func TestHelm4PluginTemplateWithHook(t *testing.T) {
	home := installPlugin(t)
	args := append([]string{"template", "runner", "charts/ci-runner-worker", "--namespace", "firefly",
		"--set", "serviceAccount.hook=true", "--post-renderer", "irsa-render"}, postRendererArgs(standardArgs...)...)
	got := helmIn(t, home, "helm4", args...)
	if got.code != 0 {
		t.Fatalf("helm template exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	sa := findObject(t, got.stdout, "ServiceAccount", "ci-runner-worker")
	annotations := sa["metadata"].(map[string]any)["annotations"].(map[string]any)
	if annotations["eks.amazonaws.com/role-arn"] != testRole {
		t.Errorf("hook ServiceAccount role-arn = %v, want %s", annotations["eks.amazonaws.com/role-arn"], testRole)
	}
	if annotations["helm.sh/hook"] != "pre-install,pre-upgrade" {
		t.Errorf("hook annotation = %v, want it kept", annotations["helm.sh/hook"])
	}
	if strings.Contains(got.stdout, "postrenderer.helm.sh/postrender-filename") {
		t.Errorf("Helm 4 left its filename annotation in the output, so it did not get it back")
	}
	if !strings.Contains(got.stdout, `image: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26"`) {
		t.Errorf("runner image not pinned in Helm 4 output")
	}
}

func TestHelm4PluginInstallDryRun(t *testing.T) {
	home := installPlugin(t)
	args := append([]string{"install", "runner", "charts/ci-runner-worker", "--namespace", "firefly", "--dry-run=client",
		"--set", "serviceAccount.hook=true", "--post-renderer", "irsa-render"}, postRendererArgs(standardArgs...)...)
	got := helmIn(t, home, "helm4", args...)
	if got.code != 0 {
		t.Fatalf("helm install --dry-run exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	// Helm prints hooks under HOOKS and the rest under MANIFEST.
	hooks, manifest, found := strings.Cut(got.stdout, "MANIFEST:")
	if !found {
		t.Fatalf("dry-run output has no MANIFEST section:\n%s", got.stdout)
	}
	if !strings.Contains(hooks, "eks.amazonaws.com/role-arn: "+testRole) {
		t.Errorf("hook ServiceAccount lacks the role annotation in the HOOKS section")
	}
	if !strings.Contains(manifest, "- name: AWS_DEFAULT_REGION") {
		t.Errorf("manifest lacks the region variables")
	}
}

func TestHelm4PluginFailureReachesUser(t *testing.T) {
	home := installPlugin(t)
	args := append([]string{"template", "runner", "charts/ci-runner-worker", "--namespace", "firefly",
		"--set", "serviceAccount.create=false", "--post-renderer", "irsa-render"}, postRendererArgs(standardArgs...)...)
	got := helmIn(t, home, "helm4", args...)
	if got.code == 0 {
		t.Fatalf("helm template succeeded, want a failure")
	}
	if !strings.Contains(got.stderr, "plugin \"irsa-render\" exited with error") {
		t.Errorf("stderr lacks Helm's own failure line:\n%s", got.stderr)
	}
	if !strings.Contains(got.stderr, "which is not in the stream") {
		t.Errorf("stderr lacks irsa-render's reason, which Helm 4 drops:\n%s", got.stderr)
	}
}

// findObject returns the first object of a kind and name in a stream.
func findObject(t *testing.T, stream, kind, name string) map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(stream))
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			break
		}
		if obj == nil || obj["kind"] != kind {
			continue
		}
		if meta, ok := obj["metadata"].(map[string]any); ok && meta["name"] == name {
			return obj
		}
	}
	t.Fatalf("no %s %s in the stream", kind, name)
	return nil
}
