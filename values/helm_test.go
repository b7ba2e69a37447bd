package values

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/firefly-oss/irsa-render/schema"
	yaml "go.yaml.in/yaml/v3"
)

// buildDir contains the irsa-render binary that the Helm tests build once.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "irsa-render-values-test")
	if err != nil {
		panic(err)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce   sync.Once
	buildBinary string
	buildErr    error
)

// irsaRender builds cmd/irsa-render once per test binary and returns its path.
func irsaRender(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		path := filepath.Join(buildDir, "irsa-render")
		build := exec.Command("go", "build", "-o", path, "./cmd/irsa-render")
		build.Dir = repoRoot(t)
		var stderr bytes.Buffer
		build.Stderr = &stderr
		if err := build.Run(); err != nil {
			buildErr = errors.New("go build ./cmd/irsa-render: " + err.Error() + "\n" + stderr.String())
			return
		}
		buildBinary = path
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBinary
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// helm3 returns the path of bin/helm3, skipping the test when it has not
// been built, or failing it when IRSA_RENDER_REQUIRE_TOOLS is set.
func helm3(t *testing.T) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "bin", "helm3")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("IRSA_RENDER_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is missing: run hack/tools.sh helm3", path)
		}
		t.Skipf("%s is missing: run hack/tools.sh helm3", path)
	}
	return path
}

// testEnv is the environment of the tools the tests run: no IRSA_RENDER_
// setting, and Helm homes in a temporary folder.
func testEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "IRSA_RENDER_") && !strings.HasPrefix(kv, "HELM_") {
			env = append(env, kv)
		}
	}
	home := t.TempDir()
	return append(env,
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"HELM_PLUGINS="+filepath.Join(home, "data", "plugins"),
	)
}

// run runs a program in the repository's top folder and returns its stdout
// and stderr and whether it succeeded.
func run(t *testing.T, stdin []byte, program string, args ...string) (string, string, bool) {
	t.Helper()
	cmd := exec.Command(program, args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = testEnv(t)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %s: %v", program, err)
	}
	return stdout.String(), stderr.String(), err == nil
}

// mustRun is run for a program that has to succeed.
func mustRun(t *testing.T, stdin []byte, program string, args ...string) string {
	t.Helper()
	stdout, stderr, ok := run(t, stdin, program, args...)
	if !ok {
		t.Fatalf("%s %s failed:\n%s", filepath.Base(program), strings.Join(args, " "), stderr)
	}
	return stdout
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runnerView is what the IRSA settings change in the rendered chart.
type runnerView struct {
	// ServiceAccount contains the annotations of each ServiceAccount.
	ServiceAccount map[string]map[string]any
	// PodAnnotations contains the role hash of each Deployment's pod template.
	PodAnnotations map[string]any
	// Containers maps each container of each Deployment to its image and
	// the region variables in its environment.
	Containers map[string]containerView
}

type containerView struct {
	Image string
	// Region contains AWS_REGION and AWS_DEFAULT_REGION as the container
	// gets them: from the ConfigMaps and Secrets of envFrom, in order, and
	// then from env, which wins.
	Region map[string]string
}

// viewOf parses a rendered stream into a runnerView.
func viewOf(t *testing.T, stream string) runnerView {
	t.Helper()
	var documents []map[string]any
	decoder := yaml.NewDecoder(strings.NewReader(stream))
	for {
		var doc map[string]any
		err := decoder.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("rendered stream is not YAML: %v\n%s", err, stream)
		}
		if doc != nil {
			documents = append(documents, doc)
		}
	}

	sources := map[string]map[string]string{}
	for _, doc := range documents {
		name, _ := valueAt(doc, "metadata", "name").(string)
		data, _ := valueAt(doc, "data").(map[string]any)
		switch valueAt(doc, "kind") {
		case "ConfigMap":
			sources["configMap/"+name] = stringMap(t, data, false)
		case "Secret":
			sources["secret/"+name] = stringMap(t, data, true)
		}
	}

	view := runnerView{
		ServiceAccount: map[string]map[string]any{},
		PodAnnotations: map[string]any{},
		Containers:     map[string]containerView{},
	}
	for _, doc := range documents {
		name, _ := valueAt(doc, "metadata", "name").(string)
		switch valueAt(doc, "kind") {
		case "ServiceAccount":
			annotations, _ := valueAt(doc, "metadata", "annotations").(map[string]any)
			view.ServiceAccount[name] = annotations
		case "Deployment":
			view.PodAnnotations[name] = valueAt(doc, "spec", "template", "metadata", "annotations", "irsa-render.firefly.ai/role-hash")
			containers, _ := valueAt(doc, "spec", "template", "spec", "containers").([]any)
			for _, c := range containers {
				containerName, _ := valueAt(c, "name").(string)
				view.Containers[name+"/"+containerName] = containerOf(c, sources)
			}
		}
	}
	return view
}

func containerOf(c any, sources map[string]map[string]string) containerView {
	image, _ := valueAt(c, "image").(string)
	view := containerView{Image: image, Region: map[string]string{}}
	envFrom, _ := valueAt(c, "envFrom").([]any)
	for _, source := range envFrom {
		var data map[string]string
		if name, ok := valueAt(source, "configMapRef", "name").(string); ok {
			data = sources["configMap/"+name]
		}
		if name, ok := valueAt(source, "secretRef", "name").(string); ok {
			data = sources["secret/"+name]
		}
		for _, variable := range regionVariables {
			if value, ok := data[variable]; ok {
				view.Region[variable] = value
			}
		}
	}
	env, _ := valueAt(c, "env").([]any)
	for _, entry := range env {
		name, _ := valueAt(entry, "name").(string)
		if !isRegionVariable(name) {
			continue
		}
		if value, ok := valueAt(entry, "value").(string); ok {
			view.Region[name] = value
		} else {
			view.Region[name] = "<valueFrom>"
		}
	}
	return view
}

func isRegionVariable(name string) bool {
	return name == regionVariables[0] || name == regionVariables[1]
}

// stringMap returns the data of a ConfigMap, or of a Secret when encoded.
func stringMap(t *testing.T, data map[string]any, encoded bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for key, value := range data {
		text, _ := value.(string)
		if encoded {
			decoded, err := base64.StdEncoding.DecodeString(text)
			if err != nil {
				t.Fatalf("Secret key %s is not base64: %v", key, err)
			}
			text = string(decoded)
		}
		out[key] = text
	}
	return out
}

// TestHelmValuesMatchPostRenderer renders the chart with Helm 3 twice, once
// with the generated values file and once through irsa-render as a
// post-renderer with the same settings, and compares what IRSA changes.
func TestHelmValuesMatchPostRenderer(t *testing.T) {
	helm := helm3(t)
	binary := irsaRender(t)
	cases := []struct {
		name     string
		settings Settings
		flags    []string
	}{
		{
			name:     "role tag and region",
			settings: Settings{RoleARN: testRole, ImageTag: testTag},
			flags:    []string{"--role-arn=" + testRole, "--image-tag=" + testTag, "--region=eu-west-1"},
		},
		{
			name:     "every annotation",
			settings: Settings{RoleARN: testRole, ImageTag: testTag, STSRegionalEndpoints: true, TokenExpiration: 3600, Audience: "sts.amazonaws.com"},
			flags: []string{"--role-arn=" + testRole, "--image-tag=" + testTag, "--region=eu-west-1",
				"--sts-regional-endpoints", "--token-expiration=3600", "--audience=sts.amazonaws.com"},
		},
		{
			name:     "strings that read as other types",
			settings: Settings{RoleARN: testRole, ImageTag: "0022", TokenExpiration: 86400, Audience: "on"},
			flags:    []string{"--role-arn=" + testRole, "--image-tag=0022", "--region=eu-west-1", "--token-expiration=86400", "--audience=on"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.settings.Facts = regionFacts("eu-west-1")
			valuesFile := filepath.Join(t.TempDir(), "irsa-values.yaml")
			writeFile(t, valuesFile, generate(t, tc.settings))

			withValues := viewOf(t, mustRun(t, nil, helm, "template", "runner", "charts/ci-runner-worker", "-n", "firefly", "-f", valuesFile))
			plain := mustRun(t, nil, helm, "template", "runner", "charts/ci-runner-worker", "-n", "firefly")
			postRendered := viewOf(t, mustRun(t, []byte(plain), binary, tc.flags...))

			if !reflect.DeepEqual(withValues, postRendered) {
				t.Errorf("values file and post-renderer disagree:\nvalues:        %+v\npost-renderer: %+v", withValues, postRendered)
			}

			// Equal views could both lack the settings, so check one.
			if got := withValues.ServiceAccount["ci-runner-worker"]["eks.amazonaws.com/role-arn"]; got != testRole {
				t.Errorf("role annotation = %v, want %s", got, testRole)
			}
			if got := withValues.ServiceAccount["ci-runner-worker"]["eks.amazonaws.com/audience"]; tc.settings.Audience != "" && got != tc.settings.Audience {
				t.Errorf("audience annotation = %#v, want the string %q", got, tc.settings.Audience)
			}
			want := map[string]containerView{
				"runner-ci-runner-worker/ci-runner-worker": {
					Image:  "public.ecr.aws/firefly/ci-runner-worker:" + tc.settings.ImageTag,
					Region: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"},
				},
				"runner-ci-runner-worker/docker": {
					Image:  "registry.hub.docker.com/library/docker:dind",
					Region: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"},
				},
			}
			if !reflect.DeepEqual(withValues.Containers, want) {
				t.Errorf("containers = %+v, want %+v", withValues.Containers, want)
			}
		})
	}
}

// TestHelmEnforcesValuesSchema puts the values schema into a copy of the
// chart and checks that Helm 3 accepts the generated values and rejects
// the chart's defaults and a wrong region.
func TestHelmEnforcesValuesSchema(t *testing.T) {
	helm := helm3(t)
	s := Settings{RoleARN: testRole, ImageTag: testTag, Facts: regionFacts("eu-west-1")}
	chart := filepath.Join(t.TempDir(), "ci-runner-worker")
	if err := os.CopyFS(chart, os.DirFS(filepath.Join(repoRoot(t), "charts", "ci-runner-worker"))); err != nil {
		t.Fatal(err)
	}
	valuesSchema, err := schema.BuildValues(schema.Settings{Facts: s.Facts})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(chart, "values.schema.json"), valuesSchema)

	valuesFile := filepath.Join(t.TempDir(), "irsa-values.yaml")
	writeFile(t, valuesFile, generate(t, s))
	rendered := mustRun(t, nil, helm, "template", "runner", chart, "-n", "firefly", "-f", valuesFile)
	if !strings.Contains(rendered, "eks.amazonaws.com/role-arn: "+testRole) {
		t.Errorf("rendered chart lacks the role annotation:\n%s", rendered)
	}

	_, stderr, ok := run(t, nil, helm, "template", "runner", chart, "-n", "firefly")
	if ok {
		t.Error("Helm rendered the chart's defaults, whose tag is latest, despite the values schema")
	}
	if !strings.Contains(stderr, "/repository/tag") {
		t.Errorf("Helm's error does not point at /repository/tag:\n%s", stderr)
	}

	_, stderr, ok = run(t, nil, helm, "template", "runner", chart, "-n", "firefly", "-f", valuesFile, "--set", "configMap.data.AWS_REGION=us-east-1")
	if ok {
		t.Error("Helm rendered a ConfigMap region other than the cluster's despite the values schema")
	}
	if !strings.Contains(stderr, "/configMap/data/AWS_REGION") {
		t.Errorf("Helm's error does not point at /configMap/data/AWS_REGION:\n%s", stderr)
	}
}

// TestHelmEnforcesUmbrellaSchema renders an umbrella chart that depends on
// ci-runner-worker under the alias runner, with the wrapped values schema.
func TestHelmEnforcesUmbrellaSchema(t *testing.T) {
	helm := helm3(t)
	s := Settings{RoleARN: testRole, ImageTag: testTag, Facts: regionFacts("eu-west-1")}
	umbrella := filepath.Join(t.TempDir(), "platform")
	subchart := filepath.Join(umbrella, "charts", "ci-runner-worker")
	if err := os.CopyFS(subchart, os.DirFS(filepath.Join(repoRoot(t), "charts", "ci-runner-worker"))); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(umbrella, "Chart.yaml"), []byte(`apiVersion: v2
name: platform
version: 1.0.0
dependencies:
  - name: ci-runner-worker
    version: 0.0.24-standin
    repository: file://charts/ci-runner-worker
    alias: runner
`))
	valuesSchema, err := schema.BuildValues(schema.Settings{Facts: s.Facts})
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := schema.WrapForSubchart(valuesSchema, "runner")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(umbrella, "values.schema.json"), wrapped)

	// The umbrella's values file nests the generated values under the alias.
	var generated yaml.Node
	if err := yaml.Unmarshal(generate(t, s), &generated); err != nil {
		t.Fatal(err)
	}
	nested, err := yaml.Marshal(map[string]*yaml.Node{"runner": generated.Content[0]})
	if err != nil {
		t.Fatal(err)
	}
	valuesFile := filepath.Join(t.TempDir(), "platform-values.yaml")
	writeFile(t, valuesFile, nested)

	rendered := mustRun(t, nil, helm, "template", "platform", umbrella, "-n", "firefly", "-f", valuesFile)
	view := viewOf(t, rendered)
	if got := view.ServiceAccount["ci-runner-worker"]["eks.amazonaws.com/role-arn"]; got != testRole {
		t.Errorf("role annotation = %v, want %s", got, testRole)
	}
	// Helm renames an aliased subchart, so the chart's names derive from
	// the alias.
	if got := view.Containers["platform-runner/docker"].Region; got["AWS_REGION"] != "eu-west-1" || got["AWS_DEFAULT_REGION"] != "eu-west-1" {
		t.Errorf("sidecar region variables = %v, want eu-west-1; containers: %+v", got, view.Containers)
	}
	if got := view.Containers["platform-runner/runner"].Region; got["AWS_REGION"] != "eu-west-1" || got["AWS_DEFAULT_REGION"] != "eu-west-1" {
		t.Errorf("runner region variables = %v, want eu-west-1; containers: %+v", got, view.Containers)
	}

	_, stderr, ok := run(t, nil, helm, "template", "platform", umbrella, "-n", "firefly")
	if ok {
		t.Error("Helm rendered the umbrella chart without IRSA values despite the wrapped schema")
	}
	if !strings.Contains(stderr, "/runner/repository/tag") {
		t.Errorf("Helm's error does not point at /runner/repository/tag:\n%s", stderr)
	}
}
