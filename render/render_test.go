package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

const (
	testRoleARN = "arn:aws:iam::111122223333:role/firefly-runner"
	testTag     = "v0.6.26"
	testRegion  = "eu-west-1"
	testDigest  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	// testRoleHash is the role hash of standardOptions.
	testRoleHash = "cc9047e0de"
	casesDir     = "../testdata/cases/ci-runner-worker-0.0.24"
)

// standardOptions are the options of a typical install: a role, a pinned
// release and a region.
func standardOptions() Options {
	return Options{RoleARN: testRoleARN, ImageTag: testTag, Region: testRegion}
}

func newRenderer(t *testing.T, opts Options) *Renderer {
	t.Helper()
	r, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func renderString(t *testing.T, opts Options, in string) (string, *Result, error) {
	t.Helper()
	out, result, err := newRenderer(t, opts).Render([]byte(in))
	if err != nil && out != nil {
		t.Errorf("Render returned %d bytes together with the error %v; want nil output", len(out), err)
	}
	return string(out), result, err
}

// mustRender renders in and fails the test on any error.
func mustRender(t *testing.T, opts Options, in string) (string, *Result) {
	t.Helper()
	out, result, err := renderString(t, opts, in)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return out, result
}

func readCase(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(casesDir, name))
	if err != nil {
		t.Fatalf("reading the test case: %v", err)
	}
	return data
}

// problemsOf returns the Problems in err and fails the test when err is not
// a Problems.
func problemsOf(t *testing.T, err error) Problems {
	t.Helper()
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error = %v (%T), want Problems", err, err)
	}
	return ps
}

// wantProblem fails the test unless err is a Problems and the text of at
// least one of them contains every substring.
func wantProblem(t *testing.T, err error, substrings ...string) {
	t.Helper()
	ps := problemsOf(t, err)
	for _, p := range ps {
		text := p.Error()
		matched := true
		for _, s := range substrings {
			if !strings.Contains(text, s) {
				matched = false
				break
			}
		}
		if matched {
			return
		}
	}
	t.Errorf("no problem contains all of %q; problems:\n%v", substrings, ps)
}

func warningsText(ws []Warning) string {
	lines := make([]string, len(ws))
	for i, w := range ws {
		lines[i] = w.String()
	}
	return strings.Join(lines, "\n")
}

// decodeStream parses every document of out and returns the objects, nil
// for documents without content. It fails the test when out does not parse.
func decodeStream(t *testing.T, out string) []any {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(out))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		docs = append(docs, v)
	}
}

// valueAt follows path (map keys and list indexes) into a decoded object.
func valueAt(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				return nil
			}
			v = l[s]
		}
	}
	return v
}

// findObject returns the decoded object of the given kind and name.
func findObject(t *testing.T, docs []any, kind, name string) map[string]any {
	t.Helper()
	for _, d := range docs {
		m, ok := d.(map[string]any)
		if ok && m["kind"] == kind && valueAt(m, "metadata", "name") == name {
			return m
		}
	}
	t.Fatalf("no %s %s in the output", kind, name)
	return nil
}

// envValues returns the env of a decoded container as name=value pairs,
// in order.
func envValues(container any) []string {
	var out []string
	env, _ := valueAt(container, "env").([]any)
	for _, e := range env {
		out = append(out, fmt.Sprintf("%v=%v", valueAt(e, "name"), valueAt(e, "value")))
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// segmentTexts splits a stream the way Render does and returns the texts.
func segmentTexts(data string) []string {
	var out []string
	for _, s := range splitStream([]byte(data)) {
		out = append(out, string(s.data))
	}
	return out
}

// The fixtures below use flow style in places, which the encoder would turn
// into blocks: an exact comparison then shows that a document was patched
// rather than encoded anew.

const serviceAccountDoc = `---
# Source: runner/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  labels: {app: runner}
  namespace: ci
`

const serviceAccountDocAnnotated = `---
# Source: runner/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  labels: {app: runner}
  namespace: ci
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/firefly-runner
`

// runnerDeployment returns a Deployment that runs image in container
// "worker" next to a Docker-in-Docker sidecar.
func runnerDeployment(image string) string {
	return `---
# Source: runner/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
spec:
  template:
    metadata:
      labels:
        app: runner
    spec:
      serviceAccountName: runner
      containers:
        - name: worker
          image: ` + image + `
        - name: docker
          image: docker:dind
`
}

// pinnedDeployment returns a Deployment whose runner image and role hash
// are already what standardOptions ask for, followed by extra lines of the
// "worker" container (indented by 10 spaces). Only env can change in it.
func pinnedDeployment(containerLines string) string {
	return `---
# Source: runner/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
spec:
  template:
    metadata:
      annotations:
        irsa-render.firefly.ai/role-hash: ` + testRoleHash + `
    spec:
      serviceAccountName: runner
      nodeSelector: {kubernetes.io/os: linux}
      containers:
        - name: worker
          image: public.ecr.aws/firefly/ci-runner-worker:v0.6.26
` + containerLines
}

func TestRoleHashValue(t *testing.T) {
	opts := standardOptions()
	if got := opts.RoleHash(); got != testRoleHash {
		t.Errorf("RoleHash() = %q, want %q", got, testRoleHash)
	}
}

func TestRenderImage(t *testing.T) {
	otherDigest := "sha256:" + strings.Repeat("f", 64)
	tests := []struct {
		name        string
		image       string
		modify      func(*Options)
		wantImage   string // decoded value of the worker's image; "" when a problem is expected
		wantProblem []string
		wantWarning string
	}{
		{
			name:      "registry port latest",
			image:     "registry.example.com:5000/ci/ci-runner-worker:latest",
			wantImage: "registry.example.com:5000/ci/ci-runner-worker:v0.6.26",
		},
		{
			name:      "registry port no tag",
			image:     "registry.example.com:5000/ci/ci-runner-worker",
			wantImage: "registry.example.com:5000/ci/ci-runner-worker:v0.6.26",
		},
		{
			name:      "no tag",
			image:     "public.ecr.aws/firefly/ci-runner-worker",
			wantImage: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26",
		},
		{
			name:      "latest",
			image:     "public.ecr.aws/firefly/ci-runner-worker:latest",
			wantImage: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26",
		},
		{
			name:      "same tag",
			image:     "public.ecr.aws/firefly/ci-runner-worker:v0.6.26",
			wantImage: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26",
		},
		{
			name:      "existing digest kept",
			image:     "public.ecr.aws/firefly/ci-runner-worker@" + testDigest,
			wantImage: "public.ecr.aws/firefly/ci-runner-worker@" + testDigest,
		},
		{
			name:        "existing digest other requested digest",
			image:       "public.ecr.aws/firefly/ci-runner-worker@" + testDigest,
			modify:      func(o *Options) { o.ImageTag = otherDigest },
			wantImage:   "public.ecr.aws/firefly/ci-runner-worker@" + testDigest,
			wantWarning: "already pinned to a digest; kept it instead of " + otherDigest,
		},
		{
			name:        "other tag",
			image:       "public.ecr.aws/firefly/ci-runner-worker:v0.5.0",
			wantProblem: []string{`container "worker"`, "pinned to v0.5.0, not v0.6.26", "--overwrite"},
		},
		{
			name:      "other tag overwrite",
			image:     "public.ecr.aws/firefly/ci-runner-worker:v0.5.0",
			modify:    func(o *Options) { o.Overwrite = true },
			wantImage: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26",
		},
		{
			name:      "digest pin on latest",
			image:     "public.ecr.aws/firefly/ci-runner-worker:latest",
			modify:    func(o *Options) { o.ImageTag = testDigest },
			wantImage: "public.ecr.aws/firefly/ci-runner-worker@" + testDigest,
		},
		{
			name:      "digest pin on no tag",
			image:     "public.ecr.aws/firefly/ci-runner-worker",
			modify:    func(o *Options) { o.ImageTag = testDigest },
			wantImage: "public.ecr.aws/firefly/ci-runner-worker@" + testDigest,
		},
		{
			name:      "digest pin on pinned tag",
			image:     "public.ecr.aws/firefly/ci-runner-worker:v0.6.26",
			modify:    func(o *Options) { o.ImageTag = testDigest },
			wantImage: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26@" + testDigest,
		},
		{
			name:        "no tag option latest",
			image:       "public.ecr.aws/firefly/ci-runner-worker:latest",
			modify:      func(o *Options) { o.ImageTag = "" },
			wantProblem: []string{`container "worker"`, "public.ecr.aws/firefly/ci-runner-worker:latest is not pinned"},
		},
		{
			name:        "no tag option no tag",
			image:       "public.ecr.aws/firefly/ci-runner-worker",
			modify:      func(o *Options) { o.ImageTag = "" },
			wantProblem: []string{`container "worker"`, "is not pinned"},
		},
		{
			name:      "no tag option pinned",
			image:     "public.ecr.aws/firefly/ci-runner-worker:v0.6.20",
			modify:    func(o *Options) { o.ImageTag = "" },
			wantImage: "public.ecr.aws/firefly/ci-runner-worker:v0.6.20",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := standardOptions()
			if tt.modify != nil {
				tt.modify(&opts)
			}
			in := serviceAccountDoc + runnerDeployment(tt.image)
			out, result, err := renderString(t, opts, in)
			if tt.wantProblem != nil {
				wantProblem(t, err, tt.wantProblem...)
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			docs := decodeStream(t, out)
			deployment := findObject(t, docs, "Deployment", "runner")
			containers := valueAt(deployment, "spec", "template", "spec", "containers")
			if got := valueAt(containers, 0, "image"); tt.wantImage != got {
				t.Errorf("worker image = %v, want %s", got, tt.wantImage)
			}
			if got := valueAt(containers, 1, "image"); got != "docker:dind" {
				t.Errorf("docker image = %v, want docker:dind", got)
			}
			warnings := warningsText(result.Warnings)
			if tt.wantWarning != "" && !strings.Contains(warnings, tt.wantWarning) {
				t.Errorf("warnings %q do not contain %q", warnings, tt.wantWarning)
			}
			if tt.wantWarning == "" && warnings != "" {
				t.Errorf("unexpected warnings: %s", warnings)
			}
		})
	}
}

func TestRenderImageRepository(t *testing.T) {
	in := serviceAccountDoc + `---
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
        - name: mirror
          image: registry.example.com/ci/ci-runner-worker:latest
        - name: public
          image: public.ecr.aws/firefly/ci-runner-worker:latest
`
	opts := standardOptions()
	opts.ImageRepository = "registry.example.com/ci/ci-runner-worker"
	out, _ := mustRender(t, opts, in)
	containers := valueAt(findObject(t, decodeStream(t, out), "Deployment", "runner"), "spec", "template", "spec", "containers")
	if got := valueAt(containers, 0, "image"); got != "registry.example.com/ci/ci-runner-worker:v0.6.26" {
		t.Errorf("mirror image = %v, want registry.example.com/ci/ci-runner-worker:v0.6.26", got)
	}
	if got := valueAt(containers, 1, "image"); got != "public.ecr.aws/firefly/ci-runner-worker:latest" {
		t.Errorf("public image = %v, want it unchanged", got)
	}
}

func TestRenderImageDockerHub(t *testing.T) {
	// Docker Hub references match whether or not the registry and the
	// "library/" prefix are spelled out.
	opts := standardOptions()
	opts.ImageRepository = "docker.io/library/ci-runner-worker"
	out, _ := mustRender(t, opts, serviceAccountDoc+runnerDeployment("ci-runner-worker:latest"))
	image := valueAt(findObject(t, decodeStream(t, out), "Deployment", "runner"), "spec", "template", "spec", "containers", 0, "image")
	if image != "ci-runner-worker:v0.6.26" {
		t.Errorf("image = %v, want ci-runner-worker:v0.6.26", image)
	}
}

func TestRenderImageQuoting(t *testing.T) {
	tests := []struct {
		name     string
		image    string
		wantLine string
	}{
		{name: "double quoted", image: `"public.ecr.aws/firefly/ci-runner-worker:latest"`, wantLine: `          image: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26"` + "\n"},
		{name: "plain", image: `public.ecr.aws/firefly/ci-runner-worker:latest`, wantLine: `          image: public.ecr.aws/firefly/ci-runner-worker:v0.6.26` + "\n"},
		{name: "single quoted", image: `'public.ecr.aws/firefly/ci-runner-worker:latest'`, wantLine: `          image: 'public.ecr.aws/firefly/ci-runner-worker:v0.6.26'` + "\n"},
		{name: "plain with comment", image: `public.ecr.aws/firefly/ci-runner-worker:latest # runner`, wantLine: `          image: public.ecr.aws/firefly/ci-runner-worker:v0.6.26 # runner` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := mustRender(t, standardOptions(), serviceAccountDoc+runnerDeployment(tt.image))
			if !strings.Contains(out, tt.wantLine) {
				t.Errorf("output lacks %q:\n%s", tt.wantLine, out)
			}
		})
	}
}

const regionEnv = `          env:
            - name: AWS_REGION
              value: eu-west-1
            - name: AWS_DEFAULT_REGION
              value: eu-west-1
`

func TestRenderEnv(t *testing.T) {
	tests := []struct {
		name        string
		container   string // extra lines of the worker container
		overwrite   bool
		want        string // extra lines of the worker container in the output
		wantProblem []string
		wantWarning string
	}{
		{
			name:      "same value",
			container: regionEnv,
			want:      regionEnv,
		},
		{
			name: "same value quoted",
			container: `          env:
            - name: AWS_REGION
              value: "eu-west-1"
            - name: AWS_DEFAULT_REGION
              value: 'eu-west-1'
`,
			want: `          env:
            - name: AWS_REGION
              value: "eu-west-1"
            - name: AWS_DEFAULT_REGION
              value: 'eu-west-1'
`,
		},
		{
			name:      "missing env key",
			container: "",
			want:      regionEnv,
		},
		{
			name: "other variables kept",
			container: `          env:
            - name: LOG_LEVEL
              value: debug
          ports:
            - containerPort: 3001
`,
			want: `          env:
            - name: LOG_LEVEL
              value: debug
            - name: AWS_REGION
              value: eu-west-1
            - name: AWS_DEFAULT_REGION
              value: eu-west-1
          ports:
            - containerPort: 3001
`,
		},
		{
			name: "different value",
			container: `          env:
            - name: AWS_REGION
              value: us-east-1
`,
			wantProblem: []string{`container "worker"`, "AWS_REGION=us-east-1", "eu-west-1", "--overwrite"},
		},
		{
			name: "different value overwrite",
			container: `          env:
            - name: AWS_REGION
              value: us-east-1
`,
			overwrite: true,
			want:      regionEnv,
		},
		{
			name: "value from",
			container: `          env:
            - name: AWS_REGION
              valueFrom:
                configMapKeyRef:
                  name: aws
                  key: region
`,
			want: `          env:
            - name: AWS_REGION
              valueFrom:
                configMapKeyRef:
                  name: aws
                  key: region
            - name: AWS_DEFAULT_REGION
              value: eu-west-1
`,
			wantWarning: `container "worker": AWS_REGION comes from valueFrom; left alone, make sure it resolves to eu-west-1`,
		},
		{
			name: "duplicate entries",
			container: `          env:
            - name: AWS_REGION
              value: eu-west-1
            - name: AWS_REGION
              value: eu-west-1
`,
			wantProblem: []string{`container "worker"`, "env lists AWS_REGION 2 times"},
		},
		{
			name:      "empty flow",
			container: "          env: []\n",
			want:      regionEnv,
		},
		{
			name:      "null",
			container: "          env: null\n          ports: []\n",
			want:      regionEnv + "          ports: []\n",
		},
		{
			name: "unknown fields kept",
			container: `          env:
            - name: AWS_REGION
              x-owner: platform
            - name: TRACE
              value: "1"
              x-owner: platform
`,
			want: `          env:
            - name: AWS_REGION
              x-owner: platform
              value: eu-west-1
            - name: TRACE
              value: "1"
              x-owner: platform
            - name: AWS_DEFAULT_REGION
              value: eu-west-1
`,
		},
		{
			name:        "env mapping",
			container:   "          env:\n            AWS_REGION: eu-west-1\n",
			wantProblem: []string{`container "worker": env is a mapping, not a list`},
		},
		{
			name: "value mapping",
			container: `          env:
            - name: AWS_REGION
              value:
                region: eu-west-1
`,
			overwrite:   true,
			wantProblem: []string{`container "worker": the value of AWS_REGION is a mapping, not a string`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := standardOptions()
			opts.Overwrite = tt.overwrite
			in := serviceAccountDocAnnotated + pinnedDeployment(tt.container)
			out, result, err := renderString(t, opts, in)
			if tt.wantProblem != nil {
				wantProblem(t, err, tt.wantProblem...)
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			want := serviceAccountDocAnnotated + pinnedDeployment(tt.want)
			if want != out {
				t.Errorf("output:\n%s\nwant:\n%s", out, want)
			}
			warnings := warningsText(result.Warnings)
			if tt.wantWarning != "" && !strings.Contains(warnings, tt.wantWarning) {
				t.Errorf("warnings %q do not contain %q", warnings, tt.wantWarning)
			}
			if tt.wantWarning == "" && warnings != "" {
				t.Errorf("unexpected warnings: %s", warnings)
			}
		})
	}
}

func TestRenderSkipContainers(t *testing.T) {
	in := strings.Replace(string(readCase(t, "default.yaml")),
		"        checksum/config:",
		"        eks.amazonaws.com/skip-containers: docker\n        checksum/config:", 1)
	out, result := mustRender(t, standardOptions(), in)
	containers := valueAt(findObject(t, decodeStream(t, out), "Deployment", "runner-ci-runner-worker"), "spec", "template", "spec", "containers")

	runnerEnv := envValues(valueAt(containers, 0))
	for _, want := range []string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"} {
		if !containsString(runnerEnv, want) {
			t.Errorf("runner env %v lacks %s", runnerEnv, want)
		}
	}
	dockerEnv := envValues(valueAt(containers, 1))
	wantDocker := []string{"DOCKER_TLS_CERTDIR=", "DOCKER_HOST=unix:///var/run/docker.sock"}
	if fmt.Sprint(wantDocker) != fmt.Sprint(dockerEnv) {
		t.Errorf("docker env = %v, want %v", dockerEnv, wantDocker)
	}
	notes := warningsText(result.Notes)
	if !strings.Contains(notes, `container "docker" is listed in eks.amazonaws.com/skip-containers`) {
		t.Errorf("notes %q do not mention the skipped container", notes)
	}
}

func TestRenderSkipContainersList(t *testing.T) {
	in := serviceAccountDoc + `---
apiVersion: v1
kind: Pod
metadata:
  name: runner
  namespace: ci
  annotations:
    eks.amazonaws.com/skip-containers: "docker, setup"
spec:
  serviceAccountName: runner
  initContainers:
    - name: setup
      image: busybox:1.36
  containers:
    - name: worker
      image: ci-runner-worker:latest
    - name: docker
      image: docker:dind
`
	out, _ := mustRender(t, standardOptions(), in)
	spec := valueAt(findObject(t, decodeStream(t, out), "Pod", "runner"), "spec")
	if env := envValues(valueAt(spec, "initContainers", 0)); len(env) != 0 {
		t.Errorf("setup env = %v, want none", env)
	}
	if env := envValues(valueAt(spec, "containers", 1)); len(env) != 0 {
		t.Errorf("docker env = %v, want none", env)
	}
	want := []string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"}
	if env := envValues(valueAt(spec, "containers", 0)); fmt.Sprint(want) != fmt.Sprint(env) {
		t.Errorf("worker env = %v, want %v", env, want)
	}
}

// serviceAccountDeployment returns a Deployment of the runner image whose pod
// spec starts with specLines (indented by 6 spaces).
func serviceAccountDeployment(specLines string) string {
	return `---
# Source: runner/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
spec:
  template:
    spec:
` + specLines + `      containers:
        - name: worker
          image: public.ecr.aws/firefly/ci-runner-worker:v0.6.26
`
}

func TestRenderServiceAccount(t *testing.T) {
	tests := []struct {
		name          string
		stream        string
		modify        func(*Options)
		wantAnnotated []string // names of the ServiceAccounts that get the role
		wantProblem   []string
		wantWarning   string
	}{
		{
			name:          "service account name",
			stream:        serviceAccountDoc + serviceAccountDeployment("      serviceAccountName: runner\n"),
			wantAnnotated: []string{"runner"},
		},
		{
			name:          "deprecated field alone",
			stream:        serviceAccountDoc + serviceAccountDeployment("      serviceAccount: runner\n"),
			wantAnnotated: []string{"runner"},
		},
		{
			name:          "both fields equal",
			stream:        serviceAccountDoc + serviceAccountDeployment("      serviceAccountName: runner\n      serviceAccount: runner\n"),
			wantAnnotated: []string{"runner"},
		},
		{
			name:        "both fields differ",
			stream:      serviceAccountDoc + serviceAccountDeployment("      serviceAccountName: runner\n      serviceAccount: other\n"),
			wantProblem: []string{"runner/templates/deployment.yaml", `serviceAccountName "runner" and the deprecated serviceAccount "other" differ`},
		},
		{
			name:        "neither field",
			stream:      serviceAccountDoc + serviceAccountDeployment(""),
			wantProblem: []string{"runner/templates/deployment.yaml", "Deployment ci/runner", "default ServiceAccount", "--allow-default-service-account"},
		},
		{
			name:        "neither field allowed",
			stream:      serviceAccountDoc + serviceAccountDeployment(""),
			modify:      func(o *Options) { o.AllowDefaultServiceAccount = true },
			wantWarning: "kubectl annotate serviceaccount default -n ci eks.amazonaws.com/role-arn=" + testRoleARN,
		},
		{
			name:        "missing from stream",
			stream:      serviceAccountDoc + serviceAccountDeployment("      serviceAccountName: other\n"),
			wantProblem: []string{"ServiceAccount other, which is not in the stream", "serviceAccount.create=false", "Helm 3", "--allow-missing-service-account"},
		},
		{
			name:        "missing from stream allowed",
			stream:      serviceAccountDoc + serviceAccountDeployment("      serviceAccountName: other\n"),
			modify:      func(o *Options) { o.AllowMissingServiceAccount = true },
			wantWarning: "ServiceAccount other is not in the stream; make sure it carries the role: kubectl annotate serviceaccount other -n ci eks.amazonaws.com/role-arn=" + testRoleARN,
		},
		{
			name: "other namespace",
			stream: strings.Replace(serviceAccountDoc, "namespace: ci", "namespace: tools", 1) +
				serviceAccountDeployment("      serviceAccountName: runner\n"),
			wantProblem: []string{"ServiceAccount runner, which is not in the stream"},
		},
		{
			name:          "namespace from options",
			stream:        strings.Replace(serviceAccountDoc, "  namespace: ci\n", "", 1) + serviceAccountDeployment("      serviceAccountName: runner\n"),
			modify:        func(o *Options) { o.Namespace = "ci" },
			wantAnnotated: []string{"runner"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := standardOptions()
			if tt.modify != nil {
				tt.modify(&opts)
			}
			out, result, err := renderString(t, opts, tt.stream)
			if tt.wantProblem != nil {
				wantProblem(t, err, tt.wantProblem...)
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, name := range tt.wantAnnotated {
				sa := findObject(t, decodeStream(t, out), "ServiceAccount", name)
				if got := valueAt(sa, "metadata", "annotations", AnnotationRoleARN); got != testRoleARN {
					t.Errorf("ServiceAccount %s role = %v, want %s", name, got, testRoleARN)
				}
			}
			warnings := warningsText(result.Warnings)
			if tt.wantWarning != "" && !strings.Contains(warnings, tt.wantWarning) {
				t.Errorf("warnings %q do not contain %q", warnings, tt.wantWarning)
			}
			if tt.wantWarning == "" && warnings != "" {
				t.Errorf("unexpected warnings: %s", warnings)
			}
		})
	}
}

func TestRenderExternalServiceAccount(t *testing.T) {
	in := readCase(t, "external-sa.yaml")

	t.Run("problem", func(t *testing.T) {
		out, _, err := newRenderer(t, standardOptions()).Render(in)
		if out != nil {
			t.Errorf("output is %d bytes, want nil", len(out))
		}
		ps := problemsOf(t, err)
		if len(ps) != 1 {
			t.Fatalf("got %d problems, want 1:\n%v", len(ps), ps)
		}
		text := ps[0].Error()
		for _, want := range []string{
			"ci-runner-worker/templates/deployment.yaml",
			"Deployment firefly/runner-ci-runner-worker",
			"ServiceAccount ci-runner-worker",
			"serviceAccount.create=false",
			"Helm 3",
			"hook",
			"kubectl annotate serviceaccount ci-runner-worker -n firefly eks.amazonaws.com/role-arn=" + testRoleARN,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("problem %q lacks %q", text, want)
			}
		}
	})

	t.Run("allowed", func(t *testing.T) {
		opts := standardOptions()
		opts.AllowMissingServiceAccount = true
		out, result, err := newRenderer(t, opts).Render(in)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		if len(out) == 0 {
			t.Fatal("output is empty")
		}
		if len(result.Warnings) != 1 {
			t.Fatalf("got %d warnings, want 1: %v", len(result.Warnings), result.Warnings)
		}
		if !strings.Contains(result.Warnings[0].String(), "kubectl annotate serviceaccount ci-runner-worker -n firefly") {
			t.Errorf("warning %q lacks the kubectl command", result.Warnings[0])
		}
	})
}

func TestRenderServiceAccountsOption(t *testing.T) {
	other := strings.Replace(serviceAccountDoc, "name: runner", "name: other", 1)
	in := serviceAccountDoc + other + serviceAccountDeployment("      serviceAccountName: runner\n")
	opts := standardOptions()
	opts.ServiceAccounts = []string{"other"}
	out, result := mustRender(t, opts, in)
	docs := decodeStream(t, out)
	if got := valueAt(findObject(t, docs, "ServiceAccount", "other"), "metadata", "annotations", AnnotationRoleARN); got != testRoleARN {
		t.Errorf("other role = %v, want %s", got, testRoleARN)
	}
	if got := valueAt(findObject(t, docs, "ServiceAccount", "runner"), "metadata", "annotations"); got != nil {
		t.Errorf("runner annotations = %v, want none", got)
	}
	notes := warningsText(result.Notes)
	if !strings.Contains(notes, "ServiceAccount ci/runner: left alone") {
		t.Errorf("notes %q do not mention runner", notes)
	}

	t.Run("missing", func(t *testing.T) {
		opts := standardOptions()
		opts.ServiceAccounts = []string{"ci/absent"}
		_, _, err := renderString(t, opts, in)
		wantProblem(t, err, "--service-account ci/absent names a ServiceAccount that is not in the stream")
	})
}

func TestRenderDuplicateServiceAccount(t *testing.T) {
	// Helm 4 passes hooks to post-renderers, so a chart that renders its
	// ServiceAccount as a hook too sends two copies.
	hook := `---
# Source: runner/templates/serviceaccount-hook.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  namespace: ci
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
`
	in := hook + serviceAccountDoc + runnerDeployment("public.ecr.aws/firefly/ci-runner-worker:latest")
	out, _ := mustRender(t, standardOptions(), in)
	segments := segmentTexts(out)
	wantHook := hook + "    eks.amazonaws.com/role-arn: " + testRoleARN + "\n"
	if wantHook != segments[0] {
		t.Errorf("hook copy:\n%s\nwant:\n%s", segments[0], wantHook)
	}
	if serviceAccountDocAnnotated != segments[1] {
		t.Errorf("template copy:\n%s\nwant:\n%s", segments[1], serviceAccountDocAnnotated)
	}
}

func TestRenderList(t *testing.T) {
	in := `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: runner
    namespace: ci
  spec:
    template:
      spec:
        serviceAccountName: runner
        containers:
        - name: worker
          image: public.ecr.aws/firefly/ci-runner-worker:latest
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: runner
    namespace: ci
`
	want := `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: runner
    namespace: ci
  spec:
    template:
      spec:
        serviceAccountName: runner
        containers:
        - name: worker
          image: public.ecr.aws/firefly/ci-runner-worker:v0.6.26
          env:
            - name: AWS_REGION
              value: eu-west-1
            - name: AWS_DEFAULT_REGION
              value: eu-west-1
      metadata:
        annotations:
          irsa-render.firefly.ai/role-hash: ` + testRoleHash + `
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: runner
    namespace: ci
    annotations:
      eks.amazonaws.com/role-arn: ` + testRoleARN + `
`
	out, result := mustRender(t, standardOptions(), in)
	if want != out {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	if result.Rewritten != 1 {
		t.Errorf("Rewritten = %d, want 1", result.Rewritten)
	}
}

func TestRenderCommentDocuments(t *testing.T) {
	comment := "# Rendered for the ci namespace\n"
	empty := "---\n"
	commentOnly := "---\n# Source: runner/templates/disabled.yaml\n"
	trailer := "---\n# end of stream\n"
	in := comment + empty + empty + commentOnly + serviceAccountDoc + empty + runnerDeployment("ci-runner-worker:latest") + trailer
	out, _ := mustRender(t, standardOptions(), in)
	segments := segmentTexts(out)
	want := []struct {
		index int
		text  string
	}{
		{0, comment}, {1, empty}, {2, empty}, {3, commentOnly}, {5, empty}, {7, trailer},
	}
	if len(segments) != 8 {
		t.Fatalf("output has %d documents, want 8:\n%s", len(segments), out)
	}
	for _, w := range want {
		if w.text != segments[w.index] {
			t.Errorf("document %d = %q, want %q", w.index+1, segments[w.index], w.text)
		}
	}
}

func TestRenderIdempotent(t *testing.T) {
	tests := []struct {
		file   string
		modify func(*Options)
	}{
		{file: "default.yaml"},
		{file: "metrics.yaml"},
		{file: "no-dind-annotated-sa.yaml"},
		{file: "external-sa.yaml", modify: func(o *Options) { o.AllowMissingServiceAccount = true }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			opts := standardOptions()
			opts.STSRegionalEndpoints = true
			opts.TokenExpiration = 3600
			if tt.modify != nil {
				tt.modify(&opts)
			}
			r := newRenderer(t, opts)
			first, _, err := r.Render(readCase(t, tt.file))
			if err != nil {
				t.Fatalf("first Render: %v", err)
			}
			second, result, err := r.Render(first)
			if err != nil {
				t.Fatalf("second Render: %v", err)
			}
			if !bytes.Equal(first, second) {
				t.Errorf("second run changed the output:\n%s", second)
			}
			if result.Rewritten != 0 {
				t.Errorf("second run rewrote %d documents, want 0", result.Rewritten)
			}
		})
	}
}

func TestRenderPinnedCase(t *testing.T) {
	// no-dind-annotated-sa.yaml is already pinned: only the ServiceAccount's
	// role, the role hash and the region change, and the team annotation stays.
	out, _ := mustRender(t, standardOptions(), string(readCase(t, "no-dind-annotated-sa.yaml")))
	want := "  annotations:\n    team: platform\n    eks.amazonaws.com/role-arn: " + testRoleARN + "\n"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if !strings.Contains(out, `          image: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26"`+"\n") {
		t.Errorf("image line changed:\n%s", out)
	}
}

func TestRenderEmptyInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty", in: ""},
		{name: "newline", in: "\n"},
		{name: "markers", in: "---\n---\n"},
		{name: "comment", in: "# nothing rendered\n"},
		{name: "comments and markers", in: "---\n# Source: runner/templates/disabled.yaml\n---\n# another\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := renderString(t, standardOptions(), tt.in)
			if !errors.Is(err, ErrEmptyInput) {
				t.Errorf("error = %v, want ErrEmptyInput", err)
			}
			if out != "" {
				t.Errorf("output = %q, want none", out)
			}
		})
	}
}

func TestRenderAnnotations(t *testing.T) {
	otherRole := "arn:aws:iam::111122223333:role/other"
	existing := serviceAccountDoc + "  annotations:\n    eks.amazonaws.com/role-arn: " + otherRole + "\n"
	tests := []struct {
		name        string
		sa          string
		modify      func(*Options)
		want        string
		wantProblem []string
	}{
		{
			name:        "other role",
			sa:          existing,
			wantProblem: []string{"ServiceAccount ci/runner", `annotation eks.amazonaws.com/role-arn is "` + otherRole + `", not "` + testRoleARN + `"`, "--overwrite"},
		},
		{
			name:   "other role overwrite",
			sa:     existing,
			modify: func(o *Options) { o.Overwrite = true },
			want:   serviceAccountDocAnnotated,
		},
		{
			name:   "token expiration",
			sa:     serviceAccountDoc,
			modify: func(o *Options) { o.TokenExpiration = 3600 },
			want:   serviceAccountDocAnnotated + "    eks.amazonaws.com/token-expiration: \"3600\"\n",
		},
		{
			name: "token expiration replaced",
			sa:   serviceAccountDocAnnotated + "    eks.amazonaws.com/token-expiration: \"86400\"\n",
			modify: func(o *Options) {
				o.TokenExpiration = 3600
				o.Overwrite = true
			},
			want: serviceAccountDocAnnotated + "    eks.amazonaws.com/token-expiration: \"3600\"\n",
		},
		{
			name:   "regional endpoints unquoted",
			sa:     serviceAccountDocAnnotated + "    eks.amazonaws.com/sts-regional-endpoints: true # from values\n",
			modify: func(o *Options) { o.STSRegionalEndpoints = true },
			want:   serviceAccountDocAnnotated + "    eks.amazonaws.com/sts-regional-endpoints: \"true\" # from values\n",
		},
		{
			name:   "token expiration unquoted",
			sa:     serviceAccountDocAnnotated + "    eks.amazonaws.com/token-expiration: 3600\n",
			modify: func(o *Options) { o.TokenExpiration = 3600 },
			want:   serviceAccountDocAnnotated + "    eks.amazonaws.com/token-expiration: \"3600\"\n",
		},
		{
			name:   "regional endpoints",
			sa:     serviceAccountDoc,
			modify: func(o *Options) { o.STSRegionalEndpoints = true },
			want:   serviceAccountDocAnnotated + "    eks.amazonaws.com/sts-regional-endpoints: \"true\"\n",
		},
		{
			name:   "audience",
			sa:     serviceAccountDoc,
			modify: func(o *Options) { o.Audience = "sts.amazonaws.com" },
			want:   serviceAccountDocAnnotated + "    eks.amazonaws.com/audience: sts.amazonaws.com\n",
		},
		{
			name: "all",
			sa:   serviceAccountDoc,
			modify: func(o *Options) {
				o.STSRegionalEndpoints = true
				o.TokenExpiration = 86400
				o.Audience = "sts.amazonaws.com"
			},
			want: serviceAccountDocAnnotated +
				"    eks.amazonaws.com/sts-regional-endpoints: \"true\"\n" +
				"    eks.amazonaws.com/token-expiration: \"86400\"\n" +
				"    eks.amazonaws.com/audience: sts.amazonaws.com\n",
		},
		{
			name:        "annotations scalar",
			sa:          serviceAccountDoc + "  annotations: none\n",
			wantProblem: []string{"ServiceAccount ci/runner", "metadata.annotations is a bare scalar, not a mapping"},
		},
		{
			name: "annotations null",
			sa:   serviceAccountDoc + "  annotations:\n",
			want: serviceAccountDocAnnotated,
		},
		{
			name: "annotations empty flow",
			sa:   serviceAccountDoc + "  annotations: {}\n",
			want: serviceAccountDocAnnotated,
		},
		{
			name: "annotations null comment",
			sa:   serviceAccountDoc + "  annotations: # none yet\n",
			want: serviceAccountDoc + "  annotations: # none yet\n    eks.amazonaws.com/role-arn: " + testRoleARN + "\n",
		},
		{
			name: "annotations tilde",
			sa:   serviceAccountDoc + "  annotations: ~\n",
			want: serviceAccountDocAnnotated,
		},
		{
			name: "annotations empty flow next line",
			sa:   serviceAccountDoc + "  annotations:\n    {}\n",
			want: serviceAccountDocAnnotated,
		},
	}
	deployment := pinnedDeployment(regionEnv)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := standardOptions()
			if tt.modify != nil {
				tt.modify(&opts)
			}
			hash := opts.RoleHash()
			out, _, err := renderString(t, opts, tt.sa+strings.Replace(deployment, testRoleHash, hash, 1))
			if tt.wantProblem != nil {
				wantProblem(t, err, tt.wantProblem...)
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := segmentTexts(out)[0]; tt.want != got {
				t.Errorf("ServiceAccount:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderAnnotationMapping(t *testing.T) {
	// A role annotation holding a mapping is replaced by the string, which
	// needs the document encoded anew.
	opts := standardOptions()
	opts.Overwrite = true
	sa := serviceAccountDoc + "  annotations:\n    eks.amazonaws.com/role-arn:\n      arn: x\n"
	out, _ := mustRender(t, opts, sa+pinnedDeployment(regionEnv))
	got := valueAt(findObject(t, decodeStream(t, out), "ServiceAccount", "runner"), "metadata", "annotations", AnnotationRoleARN)
	if got != testRoleARN {
		t.Errorf("role = %v, want %s", got, testRoleARN)
	}
}

func TestRenderRoleHashChanges(t *testing.T) {
	// A different role gives a different hash, which --overwrite replaces.
	opts := standardOptions()
	opts.RoleARN = "arn:aws:iam::111122223333:role/other"
	opts.Overwrite = true
	in := serviceAccountDocAnnotated + pinnedDeployment(regionEnv)
	out, _ := mustRender(t, opts, in)
	want := "        irsa-render.firefly.ai/role-hash: " + opts.RoleHash() + "\n"
	if opts.RoleHash() == testRoleHash {
		t.Fatal("the hash does not depend on the role")
	}
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}

func TestRenderCRLF(t *testing.T) {
	lf := string(readCase(t, "default.yaml"))
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	out, _ := mustRender(t, standardOptions(), crlf)

	decodeStream(t, out)
	if bare := strings.Count(out, "\n") - strings.Count(out, "\r\n"); bare != 0 {
		t.Errorf("output has %d line feeds without a carriage return", bare)
	}
	crlfOut, _ := mustRender(t, standardOptions(), lf)
	if strings.ReplaceAll(crlfOut, "\n", "\r\n") != out {
		t.Errorf("CRLF output differs from the LF output with CRLF line ends:\n%q", out)
	}
	removed, _ := diffLines(strings.Split(crlf, "\r\n"), strings.Split(out, "\r\n"))
	wantRemoved := []string{`          image: "public.ecr.aws/firefly/ci-runner-worker:latest"`}
	if fmt.Sprint(wantRemoved) != fmt.Sprint(removed) {
		t.Errorf("removed lines = %q, want %q", removed, wantRemoved)
	}

	t.Run("encoded anew", func(t *testing.T) {
		in := serviceAccountDoc + "---\n" +
			`{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "runner", "namespace": "ci"},` +
			` "spec": {"template": {"spec": {"serviceAccountName": "runner", "containers": [{"name": "worker", "image": "ci-runner-worker",` +
			` "command": ["sh", "-c", "echo one\ntwo"]}]}}}}` + "\n"
		out, _ := mustRender(t, standardOptions(), strings.ReplaceAll(in, "\n", "\r\n"))
		if bare := strings.Count(out, "\n") - strings.Count(out, "\r\n"); bare != 0 {
			t.Errorf("output has %d line feeds without a carriage return:\n%q", bare, out)
		}
		command := valueAt(findObject(t, decodeStream(t, out), "Deployment", "runner"), "spec", "template", "spec", "containers", 0, "command", 2)
		if command != "echo one\ntwo" {
			t.Errorf("command = %q, want %q", command, "echo one\ntwo")
		}
	})
}

func TestRenderHelm4Annotation(t *testing.T) {
	// Helm 4 marks every document with the template it came from and reads
	// the mark back after the post-renderer ran.
	const key = "postrenderer.helm.sh/postrender-filename"
	var in strings.Builder
	var files []string
	for _, seg := range segmentTexts(string(readCase(t, "default.yaml"))) {
		source := findSource([]byte(seg))
		files = append(files, source)
		mark := "  annotations:\n    " + key + ": \"" + source + "\"\n"
		seg = strings.Replace(seg, "  namespace: firefly\n", "  namespace: firefly\n"+mark, 1)
		in.WriteString(seg)
	}
	out, _ := mustRender(t, standardOptions(), in.String())
	for _, file := range files {
		line := "    " + key + ": \"" + file + "\"\n"
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q", line)
		}
	}
	sa := findObject(t, decodeStream(t, out), "ServiceAccount", "ci-runner-worker")
	annotations, _ := valueAt(sa, "metadata", "annotations").(map[string]any)
	want := map[string]any{key: "ci-runner-worker/templates/serviceaccount.yaml", AnnotationRoleARN: testRoleARN}
	if fmt.Sprint(want) != fmt.Sprint(annotations) {
		t.Errorf("ServiceAccount annotations = %v, want %v", annotations, want)
	}

	t.Run("names the document", func(t *testing.T) {
		// Without "# Source:" comments, problems name the template from
		// the annotation.
		in := serviceAccountDoc + `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
  annotations:
    ` + key + `: runner/templates/deployment.yaml
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
        - name: worker
          image: ci-runner-worker:v0.5.0
`
		_, _, err := renderString(t, standardOptions(), in)
		ps := problemsOf(t, err)
		if len(ps) != 1 {
			t.Fatalf("got %d problems, want 1:\n%v", len(ps), ps)
		}
		if ps[0].Document != "runner/templates/deployment.yaml" {
			t.Errorf("problem names %q, want runner/templates/deployment.yaml", ps[0].Document)
		}
	})
}

func TestRenderLongStrings(t *testing.T) {
	long := strings.Repeat("word ", 60) + "end" // 303 characters with spaces to fold at
	tests := []struct {
		name string
		in   string
	}{
		{
			name: "patched",
			in: serviceAccountDoc + `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
  annotations:
    description: ` + long + `
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
        - name: worker
          image: ci-runner-worker:latest
          env:
            - name: NOTE
              value: ` + long + `
`,
		},
		{
			name: "encoded anew",
			in: serviceAccountDoc + `---
{"apiVersion": "apps/v1", "kind": "Deployment",
 "metadata": {"name": "runner", "namespace": "ci", "annotations": {"description": "` + long + `"}},
 "spec": {"template": {"spec": {"serviceAccountName": "runner",
   "containers": [{"name": "worker", "image": "ci-runner-worker:latest",
     "env": [{"name": "NOTE", "value": "` + long + `"}]}]}}}}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := mustRender(t, standardOptions(), tt.in)
			if n := strings.Count(out, long); n != 2 {
				t.Errorf("the long string appears %d times on one line, want 2:\n%s", n, out)
			}
			deployment := findObject(t, decodeStream(t, out), "Deployment", "runner")
			if got := valueAt(deployment, "spec", "template", "spec", "containers", 0, "env", 0, "value"); got != long {
				t.Errorf("NOTE = %v, want the long string", got)
			}
		})
	}
}

func TestRenderInitContainers(t *testing.T) {
	in := serviceAccountDoc + `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
spec:
  template:
    spec:
      serviceAccountName: runner
      initContainers:
        - name: setup
          image: busybox:1.36
        - name: proxy
          image: envoyproxy/envoy:v1.30
          restartPolicy: Always
      containers:
        - name: worker
          image: ci-runner-worker:latest
`
	out, _ := mustRender(t, standardOptions(), in)
	spec := valueAt(findObject(t, decodeStream(t, out), "Deployment", "runner"), "spec", "template", "spec")
	want := fmt.Sprint([]string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"})
	for _, path := range [][]any{{"initContainers", 0}, {"initContainers", 1}, {"containers", 0}} {
		if got := fmt.Sprint(envValues(valueAt(spec, path...))); want != got {
			t.Errorf("%v env = %s, want %s", path, got, want)
		}
	}
	if got := valueAt(spec, "initContainers", 1, "restartPolicy"); got != "Always" {
		t.Errorf("sidecar restartPolicy = %v, want Always", got)
	}
}

func TestRenderWorkloadKinds(t *testing.T) {
	podSpec := func(indent string) string {
		lines := []string{
			"serviceAccountName: runner",
			"containers:",
			"  - name: worker",
			"    image: ci-runner-worker:latest",
		}
		return indent + strings.Join(lines, "\n"+indent) + "\n"
	}
	header := func(apiVersion, kind string) string {
		return "---\napiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: runner\n  namespace: ci\n"
	}
	tests := []struct {
		name         string
		doc          string
		templatePath []any
		wantHash     bool
	}{
		{
			name:         "Deployment",
			doc:          header("apps/v1", "Deployment") + "spec:\n  template:\n    spec:\n" + podSpec("      "),
			templatePath: []any{"spec", "template"},
			wantHash:     true,
		},
		{
			name:         "StatefulSet",
			doc:          header("apps/v1", "StatefulSet") + "spec:\n  serviceName: runner\n  template:\n    spec:\n" + podSpec("      "),
			templatePath: []any{"spec", "template"},
			wantHash:     true,
		},
		{
			name:         "DaemonSet",
			doc:          header("apps/v1", "DaemonSet") + "spec:\n  template:\n    spec:\n" + podSpec("      "),
			templatePath: []any{"spec", "template"},
			wantHash:     true,
		},
		{
			name:         "Job",
			doc:          header("batch/v1", "Job") + "spec:\n  template:\n    spec:\n      restartPolicy: Never\n" + podSpec("      "),
			templatePath: []any{"spec", "template"},
			wantHash:     true,
		},
		{
			name:         "CronJob",
			doc:          header("batch/v1", "CronJob") + "spec:\n  schedule: \"@hourly\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" + podSpec("          "),
			templatePath: []any{"spec", "jobTemplate", "spec", "template"},
			wantHash:     true,
		},
		{
			name:         "Pod",
			doc:          header("v1", "Pod") + "spec:\n" + podSpec("  "),
			templatePath: []any{},
			wantHash:     false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := mustRender(t, standardOptions(), serviceAccountDoc+tt.doc)
			docs := decodeStream(t, out)
			template := valueAt(findObject(t, docs, tt.name, "runner"), tt.templatePath...)
			container := valueAt(template, "spec", "containers", 0)
			if got := valueAt(container, "image"); got != "ci-runner-worker:v0.6.26" {
				t.Errorf("image = %v, want ci-runner-worker:v0.6.26", got)
			}
			want := fmt.Sprint([]string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"})
			if got := fmt.Sprint(envValues(container)); want != got {
				t.Errorf("env = %s, want %s", got, want)
			}
			hash := valueAt(template, "metadata", "annotations", AnnotationRoleHash)
			if tt.wantHash && hash != testRoleHash {
				t.Errorf("role hash = %v, want %s", hash, testRoleHash)
			}
			if !tt.wantHash && hash != nil {
				t.Errorf("role hash = %v, want none", hash)
			}
			if got := valueAt(findObject(t, docs, "ServiceAccount", "runner"), "metadata", "annotations", AnnotationRoleARN); got != testRoleARN {
				t.Errorf("ServiceAccount role = %v, want %s", got, testRoleARN)
			}
		})
	}
}

func TestRenderOtherWorkloadUntouched(t *testing.T) {
	web := `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ci
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
        - name: web
          image: nginx:latest
`
	runner := `---
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
`
	out, result := mustRender(t, standardOptions(), serviceAccountDoc+web+runner)
	if !strings.Contains(out, web) {
		t.Errorf("the nginx Deployment changed:\n%s", out)
	}
	if result.Rewritten != 2 {
		t.Errorf("Rewritten = %d, want 2 (the ServiceAccount and the runner)", result.Rewritten)
	}
}

func TestRenderWithoutRunnerRejected(t *testing.T) {
	in := serviceAccountDoc + `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ci
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
        - name: web
          image: nginx:latest
`
	r, err := New(standardOptions())
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := r.Render([]byte(in))
	if out != nil {
		t.Errorf("output has %d bytes, want none", len(out))
	}
	if err == nil || !strings.Contains(err.Error(), "no runner workload in the stream") {
		t.Errorf("Render error = %v, want one saying there is no runner workload", err)
	}
}

func TestRenderJSON(t *testing.T) {
	in := serviceAccountDoc + `---
{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "runner", "namespace": "ci"},
  "spec": {
    "template": {
      "metadata": {"annotations": {}},
      "spec": {
        "serviceAccountName": "runner",
        "containers": [
          {"name": "worker", "image": "public.ecr.aws/firefly/ci-runner-worker:latest", "env": []}
        ]
      }
    }
  }
}
`
	out, _ := mustRender(t, standardOptions(), in)
	docs := decodeStream(t, out)
	template := valueAt(findObject(t, docs, "Deployment", "runner"), "spec", "template")
	container := valueAt(template, "spec", "containers", 0)
	if got := valueAt(container, "image"); got != "public.ecr.aws/firefly/ci-runner-worker:v0.6.26" {
		t.Errorf("image = %v, want public.ecr.aws/firefly/ci-runner-worker:v0.6.26", got)
	}
	want := fmt.Sprint([]string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"})
	if got := fmt.Sprint(envValues(container)); want != got {
		t.Errorf("env = %s, want %s", got, want)
	}
	if got := valueAt(template, "metadata", "annotations", AnnotationRoleHash); got != testRoleHash {
		t.Errorf("role hash = %v, want %s", got, testRoleHash)
	}
	if !strings.HasPrefix(segmentTexts(out)[1], "---\n") {
		t.Errorf("the JSON document lost its --- marker:\n%s", out)
	}
}

func TestRenderProblemsCollected(t *testing.T) {
	conflicting := `---
# Source: runner/templates/deployment.yaml
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
        - name: worker
          image: ci-runner-worker:latest
          env:
            - name: AWS_REGION
              value: us-east-1
`
	badReference := `---
apiVersion: batch/v1
kind: Job
metadata:
  name: setup
  namespace: ci
spec:
  template:
    spec:
      serviceAccountName: runner
      serviceAccount: admin
      containers:
        - name: worker
          image: ci-runner-worker:latest
`
	out, result, err := renderString(t, standardOptions(), serviceAccountDoc+conflicting+badReference)
	if out != "" {
		t.Errorf("output = %q, want none", out)
	}
	if result == nil || result.Documents != 3 {
		t.Errorf("result = %+v, want 3 documents", result)
	}
	ps := problemsOf(t, err)
	if len(ps) < 2 {
		t.Fatalf("got %d problems, want at least 2:\n%v", len(ps), ps)
	}
	wantProblem(t, err, "runner/templates/deployment.yaml", "Deployment ci/runner", "AWS_REGION=us-east-1")
	wantProblem(t, err, "document 3", "Job ci/setup", `serviceAccountName "runner" and the deprecated serviceAccount "admin" differ`)
}

func TestRenderBadDocuments(t *testing.T) {
	nested := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: " +
		strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "\n"
	bomb := `apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	var blockNested strings.Builder
	blockNested.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n")
	for i := 0; i < 1000; i++ {
		blockNested.WriteString(strings.Repeat(" ", i+1) + "k:\n")
	}
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{name: "malformed", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n", want: "invalid YAML"},
		{name: "tab indentation", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", want: "tab character in the indentation of line 6"},
		{name: "invalid UTF-8", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n", want: "invalid UTF-8 at line 6"},
		{name: "NUL byte", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x00b\n", want: "NUL byte at line 6"},
		{name: "duplicate key", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n", want: `duplicate key "name"`},
		{name: "bare scalar", doc: "just some text\n", want: "document is a bare scalar, not a Kubernetes object"},
		{name: "list", doc: "- apiVersion: v1\n  kind: ConfigMap\n", want: "document is a list, not a Kubernetes object"},
		{name: "missing kind", doc: "apiVersion: v1\nmetadata:\n  name: a\n", want: "document has no kind"},
		{name: "list item", doc: "apiVersion: v1\nkind: List\nitems:\n- just text\n", want: "item 1 is a bare scalar"},
		{name: "flow nesting", doc: nested, want: "nesting deeper than 500 levels"},
		{name: "block nesting", doc: blockNested.String(), want: "nesting deeper than 500 levels"},
		{name: "alias bomb", doc: bomb, want: "alias bomb"},
		{name: "second document", doc: "apiVersion: v1\nkind: ConfigMap\n...\napiVersion: v1\nkind: Secret\n", want: "invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := serviceAccountDoc + "---\n# Source: runner/templates/bad.yaml\n" + tt.doc + runnerDeployment("ci-runner-worker:latest")
			start := time.Now()
			out, _, err := renderString(t, standardOptions(), in)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Render took %v, want well under 5s", elapsed)
			}
			if out != "" {
				t.Errorf("output is %d bytes, want none", len(out))
			}
			ps := problemsOf(t, err)
			if len(ps) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(ps), ps)
			}
			if ps[0].Document != "runner/templates/bad.yaml" {
				t.Errorf("problem names %q, want runner/templates/bad.yaml", ps[0].Document)
			}
			if !strings.Contains(ps[0].Message, tt.want) {
				t.Errorf("problem %q lacks %q", ps[0].Message, tt.want)
			}
		})
	}
}

func TestRenderByteOrderMark(t *testing.T) {
	in := "\xef\xbb\xbf---\n# Source: runner/templates/serviceaccount.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n"
	out, _, err := renderString(t, standardOptions(), in)
	if out != "" {
		t.Errorf("output is %d bytes, want none", len(out))
	}
	wantProblem(t, err, "runner/templates/serviceaccount.yaml", "byte order mark")
}

func TestRenderDocumentLimits(t *testing.T) {
	t.Run("input", func(t *testing.T) {
		opts := standardOptions()
		opts.MaxInputBytes = 100
		_, _, err := renderString(t, opts, serviceAccountDoc+runnerDeployment("ci-runner-worker:latest"))
		if err == nil || !strings.Contains(err.Error(), "above the limit of 100 bytes") {
			t.Errorf("error = %v, want the input limit", err)
		}
	})
	t.Run("document", func(t *testing.T) {
		opts := standardOptions()
		opts.MaxDocumentBytes = 200
		_, _, err := renderString(t, opts, serviceAccountDoc+runnerDeployment("ci-runner-worker:latest"))
		wantProblem(t, err, "runner/templates/deployment.yaml", "above the limit of 200 bytes")
	})
}

func TestRenderGolden(t *testing.T) {
	in := string(readCase(t, "default.yaml"))
	out, result := mustRender(t, standardOptions(), in)
	removed, added := diffLines(strings.Split(in, "\n"), strings.Split(out, "\n"))

	wantRemoved := []string{`          image: "public.ecr.aws/firefly/ci-runner-worker:latest"`}
	regionLines := []string{
		"            - name: AWS_REGION",
		"              value: eu-west-1",
		"            - name: AWS_DEFAULT_REGION",
		"              value: eu-west-1",
	}
	wantAdded := []string{
		"  annotations:",
		"    eks.amazonaws.com/role-arn: " + testRoleARN,
		"        irsa-render.firefly.ai/role-hash: " + testRoleHash,
		`          image: "public.ecr.aws/firefly/ci-runner-worker:v0.6.26"`,
	}
	wantAdded = append(wantAdded, regionLines...)
	wantAdded = append(wantAdded, regionLines...)

	if fmt.Sprintf("%q", wantRemoved) != fmt.Sprintf("%q", removed) {
		t.Errorf("removed lines = %q, want %q", removed, wantRemoved)
	}
	if fmt.Sprintf("%q", wantAdded) != fmt.Sprintf("%q", added) {
		t.Errorf("added lines:\n%q\nwant:\n%q", added, wantAdded)
	}
	if result.Documents != 5 || result.Rewritten != 2 {
		t.Errorf("result = %+v, want 5 documents and 2 rewritten", result)
	}
	if len(result.Warnings) != 0 {
		t.Errorf("unexpected warnings: %v", result.Warnings)
	}
	// The runner's variables go after its existing entry, and the sidecar's
	// after DOCKER_HOST, each at the indentation of the list.
	wantRunnerEnv := "              value: \"api.firefly.ai\"\n" + strings.Join(regionLines, "\n") + "\n          ports:\n"
	if !strings.Contains(out, wantRunnerEnv) {
		t.Errorf("runner env is not where expected:\n%s", out)
	}
	wantDockerEnv := "              value: unix:///var/run/docker.sock\n" + strings.Join(regionLines, "\n") + "\n          resources:\n"
	if !strings.Contains(out, wantDockerEnv) {
		t.Errorf("docker env is not where expected:\n%s", out)
	}
}

func TestDiffLines(t *testing.T) {
	tests := []struct {
		name        string
		a, b        []string
		wantRemoved []string
		wantAdded   []string
	}{
		{name: "equal", a: []string{"x", "y"}, b: []string{"x", "y"}},
		{name: "insert", a: []string{"x", "z"}, b: []string{"x", "y", "z"}, wantAdded: []string{"y"}},
		{name: "replace", a: []string{"x", "y", "z"}, b: []string{"x", "Y", "z"}, wantRemoved: []string{"y"}, wantAdded: []string{"Y"}},
		{name: "repeated", a: []string{"a", "b", "a"}, b: []string{"a", "a", "b", "a"}, wantAdded: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			removed, added := diffLines(tt.a, tt.b)
			if fmt.Sprint(tt.wantRemoved) != fmt.Sprint(removed) {
				t.Errorf("removed = %q, want %q", removed, tt.wantRemoved)
			}
			if fmt.Sprint(tt.wantAdded) != fmt.Sprint(added) {
				t.Errorf("added = %q, want %q", added, tt.wantAdded)
			}
		})
	}
}

// diffLines returns the lines of a missing from b and the lines of b
// missing from a, each in order, from a longest common subsequence.
func diffLines(a, b []string) (removed, added []string) {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			removed = append(removed, a[i])
			i++
		default:
			added = append(added, b[j])
			j++
		}
	}
	removed = append(removed, a[i:]...)
	added = append(added, b[j:]...)
	return removed, added
}

func TestRunMatchesRender(t *testing.T) {
	in := readCase(t, "metrics.yaml")
	r := newRenderer(t, standardOptions())
	var warned []string
	r.Warn = func(s string) { warned = append(warned, s) }
	want, _, err := r.Render(in)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	got, err := r.Run(bytes.NewBuffer(in))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !bytes.Equal(want, got.Bytes()) {
		t.Errorf("Run output differs from Render output:\n%s", got)
	}

	t.Run("problem", func(t *testing.T) {
		got, err := r.Run(bytes.NewBuffer(readCase(t, "external-sa.yaml")))
		if got != nil {
			t.Errorf("Run returned %d bytes, want nil", got.Len())
		}
		problemsOf(t, err)
	})

	t.Run("warnings", func(t *testing.T) {
		warned = nil
		opts := standardOptions()
		opts.AllowMissingServiceAccount = true
		r := newRenderer(t, opts)
		r.Warn = func(s string) { warned = append(warned, s) }
		if _, err := r.Run(bytes.NewBuffer(readCase(t, "external-sa.yaml"))); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if len(warned) != 1 || !strings.HasPrefix(warned[0], "warning: ci-runner-worker/templates/deployment.yaml: ") {
			t.Errorf("Warn got %q, want one warning naming the deployment", warned)
		}
	})
}

func TestNewRejectsOptions(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Options)
		want   string
	}{
		{name: "no role", modify: func(o *Options) { o.RoleARN = "" }, want: "--role-arn is required"},
		{name: "bad role", modify: func(o *Options) { o.RoleARN = "arn:aws:iam::1:role/x" }, want: "is not an IAM role ARN"},
		{name: "no region", modify: func(o *Options) { o.Region = "" }, want: "--region is required"},
		{name: "bad region", modify: func(o *Options) { o.Region = "europe" }, want: "is not an AWS region name"},
		{name: "latest tag", modify: func(o *Options) { o.ImageTag = "latest" }, want: "does not pin"},
		{name: "bad digest", modify: func(o *Options) { o.ImageTag = "sha256:abc" }, want: "is not a sha256 digest"},
		{name: "bad tag", modify: func(o *Options) { o.ImageTag = "-x" }, want: "invalid image tag"},
		{name: "repository with tag", modify: func(o *Options) { o.ImageRepository = "ci-runner-worker:v1" }, want: "--image-repository"},
		{name: "token expiration", modify: func(o *Options) { o.TokenExpiration = 60 }, want: "--token-expiration 60 is out of range"},
		{name: "service account", modify: func(o *Options) { o.ServiceAccounts = []string{"Bad_Name"} }, want: `--service-account "Bad_Name"`},
		{name: "namespace", modify: func(o *Options) { o.Namespace = "CI" }, want: `--namespace "CI"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := standardOptions()
			tt.modify(&opts)
			_, err := New(opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewAcceptsOptions(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Options)
	}{
		{name: "standard", modify: func(o *Options) {}},
		{name: "GovCloud", modify: func(o *Options) {
			o.RoleARN = "arn:aws-us-gov:iam::111122223333:role/runner"
			o.Region = "us-gov-west-1"
		}},
		{name: "China", modify: func(o *Options) {
			o.RoleARN = "arn:aws-cn:iam::111122223333:role/runner"
			o.Region = "cn-northwest-1"
		}},
		{name: "ISO-B", modify: func(o *Options) {
			o.RoleARN = "arn:aws-iso-b:iam::111122223333:role/runner"
			o.Region = "us-isob-east-1"
		}},
		{name: "European Sovereign Cloud", modify: func(o *Options) {
			o.RoleARN = "arn:aws-eusc:iam::111122223333:role/runner"
			o.Region = "eusc-de-east-1"
		}},
		{name: "role path", modify: func(o *Options) { o.RoleARN = "arn:aws:iam::111122223333:role/ci/runners/firefly-runner" }},
		{name: "digest", modify: func(o *Options) { o.ImageTag = testDigest }},
		{name: "repository", modify: func(o *Options) { o.ImageRepository = "registry.example.com:5000/ci/ci-runner-worker" }},
		{name: "service accounts", modify: func(o *Options) { o.ServiceAccounts = []string{"runner", "ci/other"} }},
		{name: "token bounds", modify: func(o *Options) { o.TokenExpiration = MinTokenExpiration }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := standardOptions()
			tt.modify(&opts)
			if _, err := New(opts); err != nil {
				t.Errorf("New: %v", err)
			}
		})
	}
}

func TestRenderSharedEnv(t *testing.T) {
	// Both containers use one anchored env list: the region goes into it
	// once, and the alias shows it in the second container too.
	in := serviceAccountDoc + `---
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
        - name: worker
          image: ci-runner-worker:latest
          env: &env
            - name: LOG_LEVEL
              value: debug
        - name: helper
          image: busybox:1.36
          env: *env
`
	out, _ := mustRender(t, standardOptions(), in)
	if !strings.Contains(out, "          env: *env\n") {
		t.Errorf("the alias is gone:\n%s", out)
	}
	containers := valueAt(findObject(t, decodeStream(t, out), "Deployment", "runner"), "spec", "template", "spec", "containers")
	want := fmt.Sprint([]string{"LOG_LEVEL=debug", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"})
	for i, name := range []string{"worker", "helper"} {
		if got := fmt.Sprint(envValues(valueAt(containers, i))); want != got {
			t.Errorf("%s env = %s, want %s", name, got, want)
		}
	}

	t.Run("alias to scalar", func(t *testing.T) {
		in := serviceAccountDoc + `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  namespace: ci
  labels:
    tier: &tier backend
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
        - name: worker
          image: ci-runner-worker:latest
          env: *tier
`
		_, _, err := renderString(t, standardOptions(), in)
		wantProblem(t, err, `container "worker": env is a bare scalar, not a list of variables`)
	})
}

func TestRunnerServiceAccounts(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		namespace string
		want      string
		wantErr   string
	}{
		{
			name: "default case",
			in:   string(readCase(t, "default.yaml")),
			want: "[firefly/ci-runner-worker]",
		},
		{
			name: "external ServiceAccount",
			in:   string(readCase(t, "external-sa.yaml")),
			want: "[firefly/ci-runner-worker]",
		},
		{
			name:      "namespace from the caller",
			in:        strings.ReplaceAll(runnerDeployment("ci-runner-worker:latest"), "  namespace: ci\n", ""),
			namespace: "tools",
			want:      "[tools/runner]",
		},
		{
			name:    "no namespace",
			in:      strings.ReplaceAll(runnerDeployment("ci-runner-worker:latest"), "  namespace: ci\n", ""),
			wantErr: "has no namespace",
		},
		{
			name:    "no runner",
			in:      serviceAccountDoc,
			wantErr: "the stream has no runner workload (no pod template runs a ci-runner-worker image)",
		},
		{
			name:    "bad document",
			in:      "---\n# Source: runner/templates/bad.yaml\njust text\n",
			wantErr: "runner/templates/bad.yaml: document is a bare scalar",
		},
		{
			name:    "conflicting fields",
			in:      serviceAccountDeployment("      serviceAccountName: runner\n      serviceAccount: other\n"),
			wantErr: `serviceAccountName "runner" and the deprecated serviceAccount "other" differ`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs, err := RunnerServiceAccounts([]byte(tt.in), "", tt.namespace)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("RunnerServiceAccounts: %v", err)
			}
			if got := fmt.Sprint(refs); tt.want != got {
				t.Errorf("refs = %s, want %s", got, tt.want)
			}
		})
	}
}
