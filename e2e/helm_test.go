//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// helmVersion is one pinned Helm binary and the way it runs irsa-render.
type helmVersion struct {
	name string
	// binary is bin/helm3 or bin/helm4.
	binary string
	// home holds Helm's config, cache and data folders.
	home string
	// postRenderer is what --post-renderer gets: the path of bin/irsa-render
	// for Helm 3, the plugin name for Helm 4.
	postRenderer string
}

// helmVersions returns Helm 3, which runs bin/irsa-render by path, and Helm
// 4, which runs the irsa-render plugin that TestMain installed.
func helmVersions(t *testing.T) []helmVersion {
	t.Helper()
	irsaRender := mustBinary(t, "irsa-render")
	return []helmVersion{
		{name: "helm3", binary: mustBinary(t, "helm3"), home: t.TempDir(), postRenderer: irsaRender},
		{name: "helm4", binary: mustBinary(t, "helm4"), home: env.helm4Home, postRenderer: "irsa-render"},
	}
}

func mustBinary(t *testing.T, name string) string {
	t.Helper()
	path, err := env.binary(name)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// helmResult is the outcome of one Helm run.
type helmResult struct {
	stdout, stderr string
	code           int
}

// run runs Helm against the test cluster. Helm gets its homes, the admin
// kubeconfig as a flag and no KUBECONFIG, HELM_ or IRSA_RENDER_ variable from
// the caller's environment.
func (h helmVersion) run(t *testing.T, args ...string) helmResult {
	t.Helper()
	result, err := runHelm(h.binary, h.home, append(args, "--kubeconfig", env.kubeconfig)...)
	if err != nil {
		t.Fatalf("running %s: %v", h.name, err)
	}
	return result
}

func runHelm(binary, home string, args ...string) (helmResult, error) {
	cmd := exec.Command(binary, args...)
	cmd.Dir = env.repoRoot
	cmd.Env = append(cleanEnv(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		// Helm 4 installs plugins into $HELM_DATA_HOME/plugins but looks them
		// up in HELM_PLUGINS, so both name one folder.
		"HELM_PLUGINS="+filepath.Join(home, "data", "plugins"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	result := helmResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		result.code = exitErr.ExitCode()
		return result, nil
	}
	return result, err
}

// cleanEnv is the process environment without the variables that would
// point Helm or irsa-render at another cluster or configuration.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "KUBECONFIG" || strings.HasPrefix(name, "HELM_") || strings.HasPrefix(name, "IRSA_RENDER_") || strings.HasPrefix(name, "E2E_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// installHelm4Plugin installs the plugin that `make plugin` assembles in
// bin/plugin/irsa-render into a fresh Helm 4 home under the work folder and
// returns that home.
func installHelm4Plugin(s suite) (string, error) {
	helm4, err := s.binary("helm4")
	if err != nil {
		return "", err
	}
	pluginDir := filepath.Join(s.repoRoot, "bin", "plugin", "irsa-render")
	if _, err := os.Stat(filepath.Join(pluginDir, "plugin.yaml")); err != nil {
		return "", fmt.Errorf("the Helm 4 plugin is missing in %s; make plugin assembles it: %v", pluginDir, err)
	}
	home := filepath.Join(s.workDir, "helm4-home")
	result, err := runHelm(helm4, home, "plugin", "install", pluginDir)
	if err != nil {
		return "", err
	}
	if result.code != 0 {
		return "", fmt.Errorf("helm4 plugin install %s exited with %d:\n%s", pluginDir, result.code, result.stderr)
	}
	return home, nil
}

// postRendererArgs returns the Helm flags that run irsa-render with the
// given flags.
func (h helmVersion) postRendererArgs(flags ...string) []string {
	args := []string{"--post-renderer", h.postRenderer}
	for _, f := range flags {
		args = append(args, "--post-renderer-args", f)
	}
	return args
}

// irsaFlags returns the irsa-render flags for a role with the standard image
// tag and region.
func irsaFlags(role string) []string {
	return []string{"--role-arn=" + role, "--image-tag=" + imageTag, "--region=" + region}
}

// install runs `helm install` of the stand-in chart into namespace and fails
// the test unless it succeeds.
func (h helmVersion) install(t *testing.T, namespace string, flags []string, extraArgs ...string) {
	t.Helper()
	args := append([]string{"install", release, "charts/ci-runner-worker", "--namespace", namespace}, h.postRendererArgs(flags...)...)
	args = append(args, extraArgs...)
	got := h.run(t, args...)
	if got.code != 0 {
		t.Fatalf("%s install exited with %d; stderr:\n%s", h.name, got.code, got.stderr)
	}
}

// upgrade runs `helm upgrade` of the stand-in chart and returns the result.
func (h helmVersion) upgrade(t *testing.T, namespace string, flags []string, extraArgs ...string) helmResult {
	t.Helper()
	args := append([]string{"upgrade", release, "charts/ci-runner-worker", "--namespace", namespace}, h.postRendererArgs(flags...)...)
	args = append(args, extraArgs...)
	return h.run(t, args...)
}

// historyEntry is one line of `helm history -o json`.
type historyEntry struct {
	Revision int    `json:"revision"`
	Status   string `json:"status"`
}

func (h helmVersion) history(t *testing.T, namespace string) []historyEntry {
	t.Helper()
	got := h.run(t, "history", release, "--namespace", namespace, "-o", "json")
	if got.code != 0 {
		t.Fatalf("%s history exited with %d; stderr:\n%s", h.name, got.code, got.stderr)
	}
	var entries []historyEntry
	if err := json.Unmarshal([]byte(got.stdout), &entries); err != nil {
		t.Fatalf("decoding %s history output: %v\n%s", h.name, err, got.stdout)
	}
	return entries
}
