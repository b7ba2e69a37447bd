package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// cmpSpec is the part of deploy/argocd/plugin.yaml that Argo CD runs.
type cmpSpec struct {
	Spec struct {
		Discover struct {
			Find struct {
				Command []string `yaml:"command"`
			} `yaml:"find"`
		} `yaml:"discover"`
		Init struct {
			Command []string `yaml:"command"`
		} `yaml:"init"`
		Generate struct {
			Command []string `yaml:"command"`
			Args    []string `yaml:"args"`
		} `yaml:"generate"`
		Parameters struct {
			Dynamic struct {
				Command []string `yaml:"command"`
			} `yaml:"dynamic"`
		} `yaml:"parameters"`
	} `yaml:"spec"`
}

func loadCMP(t *testing.T) cmpSpec {
	t.Helper()
	var spec cmpSpec
	if err := yaml.Unmarshal(readFile(t, filepath.Join(repoRoot(t), "deploy", "argocd", "plugin.yaml")), &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Spec.Generate.Command) == 0 {
		t.Fatal("plugin.yaml has no generate command")
	}
	return spec
}

// argocdApp copies the stand-in chart into a fresh application folder and
// returns it with a PATH that holds only helm and irsa-render, as in the
// repo-server sidecar.
func argocdApp(t *testing.T) (dir, path string) {
	t.Helper()
	helmPath := tool(t, "helm3")
	dir = filepath.Join(t.TempDir(), "app")
	if out, err := exec.Command("cp", "-r", filepath.Join(repoRoot(t), "charts", "ci-runner-worker"), dir).CombinedOutput(); err != nil {
		t.Fatalf("copying the chart: %v: %s", err, out)
	}
	binDir := t.TempDir()
	for name, target := range map[string]string{"helm": helmPath, "irsa-render": binary} {
		if err := os.Symlink(target, filepath.Join(binDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir, binDir + ":/usr/bin:/bin"
}

// runCMP runs one of the plugin's commands the way argocd-cmp-server does:
// in the application folder, with only the environment Argo CD sets.
func runCMP(t *testing.T, dir string, command []string, env []string) result {
	t.Helper()
	cmd := exec.Command(lookPathIn(t, command[0], env), command[1:]...)
	cmd.Dir = dir
	cmd.Env = env
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

// argocdEnv is the environment Argo CD gives a plugin, plus the isolation
// variables, so that no test can reach AWS.
func argocdEnv(t *testing.T, path string, extra ...string) []string {
	home := t.TempDir()
	env := append([]string{}, isolation...)
	return append(append(env,
		"PATH="+path,
		"HOME="+home,
		"HELM_CONFIG_HOME="+filepath.Join(home, "helm-config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "helm-cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "helm-data"),
		"IRSA_RENDER_CACHE_DIR="+filepath.Join(home, "cache"),
		"ARGOCD_APP_NAME=runner",
		"ARGOCD_APP_NAMESPACE=firefly",
		"ARGOCD_APP_SOURCE_PATH=charts/ci-runner-worker",
	), extra...)
}

func TestArgoCDGenerateContract(t *testing.T) {
	spec := loadCMP(t)
	dir, path := argocdApp(t)
	writeFile(t, filepath.Join(dir, "values-prod.yaml"), "replicaCount: 2\n")
	params := `[{"name":"values-files","array":["values-prod.yaml"]},` +
		`{"name":"helm-parameters","map":{"configMap.data.EXTRA_FLAGS":"--opt=a=b"}},` +
		`{"name":"image-tag","string":"v0.6.26"}]`
	tests := []struct {
		name         string
		env          []string
		wantReplicas int
		wantExtra    string
	}{
		{name: "prefixed env and parameters", env: []string{
			"ARGOCD_ENV_IRSA_RENDER_ROLE_ARN=" + testRole, "ARGOCD_ENV_IRSA_RENDER_REGION=" + testRegion,
			"ARGOCD_APP_PARAMETERS=" + params,
		}, wantReplicas: 2, wantExtra: "--opt=a=b"},
		{name: "bare env and null parameters", env: []string{
			"IRSA_RENDER_ROLE_ARN=" + testRole, "IRSA_RENDER_REGION=" + testRegion, "IRSA_RENDER_IMAGE_TAG=v0.6.26",
			"ARGOCD_APP_PARAMETERS=null",
		}, wantReplicas: 3},
		{name: "prefixed env wins over bare", env: []string{
			"IRSA_RENDER_ROLE_ARN=arn:aws:iam::111122223333:role/bare", "ARGOCD_ENV_IRSA_RENDER_ROLE_ARN=" + testRole,
			"ARGOCD_ENV_IRSA_RENDER_REGION=" + testRegion, "ARGOCD_ENV_IRSA_RENDER_IMAGE_TAG=v0.6.26",
		}, wantReplicas: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runCMP(t, dir, spec.Spec.Generate.Command, argocdEnv(t, path, tc.env...))
			if got.code != 0 {
				t.Fatalf("generate exit code = %d; stderr:\n%s", got.code, got.stderr)
			}
			sa := findObject(t, got.stdout, "ServiceAccount", "ci-runner-worker")
			annotations := sa["metadata"].(map[string]any)["annotations"].(map[string]any)
			if annotations["eks.amazonaws.com/role-arn"] != testRole {
				t.Errorf("role-arn = %v, want %s", annotations["eks.amazonaws.com/role-arn"], testRole)
			}
			deployment := findObject(t, got.stdout, "Deployment", "runner-ci-runner-worker")
			if replicas := deployment["spec"].(map[string]any)["replicas"]; replicas != tc.wantReplicas {
				t.Errorf("replicas = %v, want %d", replicas, tc.wantReplicas)
			}
			configMap := findObject(t, got.stdout, "ConfigMap", "ci-runner-worker")
			if extra, _ := configMap["data"].(map[string]any)["EXTRA_FLAGS"].(string); extra != tc.wantExtra {
				t.Errorf("EXTRA_FLAGS = %q, want %q", extra, tc.wantExtra)
			}
			assertOnlyManifests(t, got.stdout)
		})
	}
}

// assertOnlyManifests checks that every document of stdout is a Kubernetes
// object, so that nothing but manifests reached Argo CD.
func assertOnlyManifests(t *testing.T, stdout string) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(stdout))
	count := 0
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("stdout does not parse as YAML: %v", err)
			}
			break
		}
		if obj == nil {
			continue
		}
		if obj["apiVersion"] == nil || obj["kind"] == nil {
			t.Errorf("stdout document %d is not a Kubernetes object: %v", count+1, obj)
		}
		count++
	}
	if count == 0 {
		t.Error("stdout has no manifests")
	}
}

func TestArgoCDGenerateErrors(t *testing.T) {
	spec := loadCMP(t)
	dir, path := argocdApp(t)
	settings := []string{"ARGOCD_ENV_IRSA_RENDER_ROLE_ARN=" + testRole, "ARGOCD_ENV_IRSA_RENDER_REGION=" + testRegion, "ARGOCD_ENV_IRSA_RENDER_IMAGE_TAG=v0.6.26"}
	tests := []struct {
		name       string
		env        []string
		wantStderr string
	}{
		{name: "no application name", env: append([]string{"ARGOCD_APP_NAME="}, settings...), wantStderr: "ARGOCD_APP_NAME is not set"},
		{name: "bad parameters", env: append([]string{"ARGOCD_APP_PARAMETERS={"}, settings...), wantStderr: "ARGOCD_APP_PARAMETERS is not a JSON list"},
		{name: "unknown parameter", env: append([]string{`ARGOCD_APP_PARAMETERS=[{"name":"rolearn","string":"x"}]`}, settings...), wantStderr: `parameter "rolearn": no such setting`},
		{name: "missing values file", env: append([]string{`ARGOCD_APP_PARAMETERS=[{"name":"values-files","array":["nope.yaml"]}]`}, settings...), wantStderr: "helm template failed"},
		{name: "missing role", env: []string{"ARGOCD_ENV_IRSA_RENDER_REGION=" + testRegion}, wantStderr: "--role-arn is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := argocdEnv(t, path)
			env = append(env, tc.env...)
			got := runCMP(t, dir, spec.Spec.Generate.Command, env)
			if got.code == 0 {
				t.Fatalf("generate succeeded, want a failure")
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

func TestArgoCDDiscoverAndInit(t *testing.T) {
	spec := loadCMP(t)
	dir, path := argocdApp(t)
	env := argocdEnv(t, path)
	got := runCMP(t, dir, spec.Spec.Discover.Find.Command, env)
	if got.code != 0 || strings.TrimSpace(got.stdout) == "" {
		t.Errorf("discover on the chart folder: exit %d, stdout %q; want a match", got.code, got.stdout)
	}
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "Chart.yaml"), "apiVersion: v2\nname: unrelated\nversion: 1.0.0\n")
	if got := runCMP(t, other, spec.Spec.Discover.Find.Command, env); strings.TrimSpace(got.stdout) != "" {
		t.Errorf("discover matched an unrelated chart: %q", got.stdout)
	}
	if got := runCMP(t, dir, spec.Spec.Init.Command, env); got.code != 0 {
		t.Errorf("init exit code = %d on a chart without dependencies; stderr:\n%s", got.code, got.stderr)
	}
}

func TestArgoCDParameters(t *testing.T) {
	spec := loadCMP(t)
	dir, path := argocdApp(t)
	got := runCMP(t, dir, spec.Spec.Parameters.Dynamic.Command, argocdEnv(t, path, "ARGOCD_ENV_IRSA_RENDER_ROLE_ARN="+testRole))
	if got.code != 0 {
		t.Fatalf("parameters exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	var announcement []map[string]any
	if err := yaml.Unmarshal([]byte(got.stdout), &announcement); err != nil {
		t.Fatalf("parameters output is not JSON: %v", err)
	}
	byName := map[string]map[string]any{}
	for _, p := range announcement {
		byName[p["name"].(string)] = p
	}
	if byName["role-arn"]["string"] != testRole {
		t.Errorf("role-arn announced value = %v, want %s", byName["role-arn"]["string"], testRole)
	}
	if byName["values-files"]["collectionType"] != "array" {
		t.Errorf("values-files collectionType = %v, want array", byName["values-files"]["collectionType"])
	}
	if byName["helm-parameters"]["collectionType"] != "map" {
		t.Errorf("helm-parameters collectionType = %v, want map", byName["helm-parameters"]["collectionType"])
	}
}

// lookPathIn finds a command in the PATH of env, as the process that Argo CD
// starts would, rather than in the test's own PATH.
func lookPathIn(t *testing.T, name string, env []string) string {
	t.Helper()
	if strings.Contains(name, "/") {
		return name
	}
	for _, kv := range env {
		value, ok := strings.CutPrefix(kv, "PATH=")
		if !ok {
			continue
		}
		for _, dir := range filepath.SplitList(value) {
			candidate := filepath.Join(dir, name)
			if info, err := os.Stat(candidate); err == nil && !info.IsDir() {
				return candidate
			}
		}
	}
	t.Fatalf("%s is not on the plugin's PATH", name)
	return ""
}

func TestArgoCDGenerateWithFactsFile(t *testing.T) {
	spec := loadCMP(t)
	dir, path := argocdApp(t)
	// The facts file sits next to the chart; no AWS is reachable: the
	// isolation variables point every endpoint at a refused port.
	writeFile(t, filepath.Join(dir, "facts.json"), `{"cluster": {"name": "demo", "arn": "arn:aws:eks:eu-central-1:111122223333:cluster/demo",
  "status": "ACTIVE", "identity": {"oidc": {"issuer": "`+demoIssuer+`"}}}}`)
	env := argocdEnv(t, path,
		"ARGOCD_ENV_IRSA_RENDER_ROLE_ARN="+testRole,
		"ARGOCD_ENV_IRSA_RENDER_IMAGE_TAG=v0.6.26",
		"ARGOCD_ENV_IRSA_RENDER_FACTS=facts.json",
	)
	got := runCMP(t, dir, spec.Spec.Generate.Command, env)
	if got.code != 0 {
		t.Fatalf("generate exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	if n := strings.Count(got.stdout, "value: eu-central-1\n"); n != 4 {
		t.Errorf("region values from the facts file = %d, want 4", n)
	}
	assertOnlyManifests(t, got.stdout)
}
