// Package webhook runs the mutation code of the Amazon EKS Pod Identity
// Webhook offline on Pods built from irsa-render output, to show that the
// ServiceAccount and pod template that irsa-render writes are what the
// webhook needs to inject IRSA credentials.
//
// The tests run bin/helm3 and bin/irsa-render, which `make webhook-test`
// builds before it runs them.
package webhook

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/cache"
	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/containercredentials"
	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/handler"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1beta1 "k8s.io/api/admission/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	namespace   = "firefly"
	testRole    = "arn:aws:iam::111122223333:role/firefly-runner"
	imageTag    = "v0.6.26"
	region      = "eu-west-1"
	runnerImage = "public.ecr.aws/firefly/ci-runner-worker:" + imageTag

	// webhookRegion is the webhook's own --aws-default-region, which EKS sets
	// to the cluster's region. It differs from region so that the tests show
	// which of the two the containers end up with.
	webhookRegion = "us-west-2"

	// Defaults of the webhook v0.6.17 (main.go and pkg/handler).
	tokenVolume    = "aws-iam-token"
	tokenMountPath = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
	tokenFile      = tokenMountPath + "/token"
	tokenAudience  = "sts.amazonaws.com"
	tokenLifetime  = int64(86400)

	skipContainersAnnotation = "eks.amazonaws.com/skip-containers"
	roleHashAnnotation       = "irsa-render.firefly.ai/role-hash"
)

var standardArgs = []string{"--role-arn=" + testRole, "--image-tag=" + imageTag, "--region=" + region}

func TestStandInChartPodMutated(t *testing.T) {
	stream := renderStandInChart(t)
	pod, sa := podAndServiceAccount(t, stream)

	mutated := mutate(t, pod, sa)

	assertTokenVolume(t, mutated)
	if len(mutated.Spec.Containers) != 2 {
		t.Fatalf("containers = %d, want 2 (the runner and the docker sidecar)", len(mutated.Spec.Containers))
	}
	for _, c := range mutated.Spec.Containers {
		assertInjected(t, c)
	}
	assertRunnerImage(t, mutated)
}

func TestSkippedContainerNotMutated(t *testing.T) {
	stream := renderStandInChart(t, "--set", `podAnnotations.eks\.amazonaws\.com/skip-containers=docker`)
	pod, sa := podAndServiceAccount(t, stream)
	if got := pod.Annotations[skipContainersAnnotation]; got != "docker" {
		t.Fatalf("pod template %s = %q, want docker", skipContainersAnnotation, got)
	}

	mutated := mutate(t, pod, sa)

	assertTokenVolume(t, mutated)
	assertInjected(t, container(t, mutated, "ci-runner-worker"))
	assertNotInjected(t, container(t, mutated, "docker"))
}

// TestPublicChartOutputPodMutated uses the real output of the public chart
// 0.0.24 in testdata/cases instead of the stand-in chart.
func TestPublicChartOutputPodMutated(t *testing.T) {
	input := filepath.Join(repoRoot(t), "testdata", "cases", "ci-runner-worker-0.0.24", "default.yaml")
	stream := run(t, nil, mustReadFile(t, input), tool(t, "irsa-render"), append([]string{"--namespace=" + namespace}, standardArgs...)...)
	pod, sa := podAndServiceAccount(t, stream)

	mutated := mutate(t, pod, sa)

	assertTokenVolume(t, mutated)
	if len(mutated.Spec.Containers) == 0 {
		t.Fatal("the mutated Pod has no containers")
	}
	for _, c := range mutated.Spec.Containers {
		assertInjected(t, c)
	}
}

// renderStandInChart runs `helm template` with Helm 3 on the stand-in chart,
// with bin/irsa-render as the post-renderer and the standard flags.
func renderStandInChart(t *testing.T, extraArgs ...string) []byte {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_DATA_HOME=" + filepath.Join(home, "data"),
		"HELM_PLUGINS=" + filepath.Join(home, "data", "plugins"),
	}
	args := []string{"template", "runner", filepath.Join(repoRoot(t), "charts", "ci-runner-worker"),
		"--namespace", namespace, "--post-renderer", tool(t, "irsa-render")}
	for _, a := range standardArgs {
		args = append(args, "--post-renderer-args", a)
	}
	args = append(args, extraArgs...)
	return run(t, env, nil, tool(t, "helm3"), args...)
}

// podAndServiceAccount decodes the runner Deployment and its ServiceAccount
// from a rendered stream and returns the Pod that the ReplicaSet controller
// would create from the Deployment's pod template.
func podAndServiceAccount(t *testing.T, stream []byte) (*corev1.Pod, *corev1.ServiceAccount) {
	t.Helper()
	var deployment *appsv1.Deployment
	serviceAccounts := map[string]*corev1.ServiceAccount{}

	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading the rendered stream: %v", err)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("decoding a rendered document: %v\n%s", err, doc)
		}
		switch meta.Kind {
		case "Deployment":
			deployment = &appsv1.Deployment{}
			if err := yaml.UnmarshalStrict(doc, deployment); err != nil {
				t.Fatalf("decoding the Deployment: %v", err)
			}
		case "ServiceAccount":
			sa := &corev1.ServiceAccount{}
			if err := yaml.UnmarshalStrict(doc, sa); err != nil {
				t.Fatalf("decoding a ServiceAccount: %v", err)
			}
			serviceAccounts[sa.Name] = sa
		}
	}
	if deployment == nil {
		t.Fatal("the rendered stream has no Deployment")
	}

	template := deployment.Spec.Template
	sa, ok := serviceAccounts[template.Spec.ServiceAccountName]
	if !ok {
		t.Fatalf("the rendered stream has no ServiceAccount %q, which the pod template uses", template.Spec.ServiceAccountName)
	}
	if got := sa.Annotations["eks.amazonaws.com/role-arn"]; got != testRole {
		t.Errorf("ServiceAccount %s role-arn = %q, want %s", sa.Name, got, testRole)
	}
	if template.Annotations[roleHashAnnotation] == "" {
		t.Errorf("pod template lacks the %s annotation", roleHashAnnotation)
	}

	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: deployment.Name + "-",
			Namespace:    namespace,
			Labels:       template.Labels,
			Annotations:  template.Annotations,
		},
		Spec: *template.Spec.DeepCopy(),
	}
	if sa.Namespace == "" {
		sa.Namespace = namespace
	}
	return pod, sa
}

// mutate sends a pod CREATE AdmissionReview, as the API server does, to the
// webhook's HTTP handler and applies the JSON patch it returns. The handler
// reads the ServiceAccount from the webhook's static test cache instead of an
// informer.
func mutate(t *testing.T, pod *corev1.Pod, sa *corev1.ServiceAccount) *corev1.Pod {
	t.Helper()
	modifier := handler.NewModifier(
		rand.New(rand.NewSource(1)),
		handler.WithServiceAccountCache(cache.NewFakeServiceAccountCache(sa)),
		handler.WithContainerCredentialsConfig(&containercredentials.FakeConfig{}),
		handler.WithRegion(webhookRegion),
	)

	podJSON, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	review := admissionv1beta1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1beta1", Kind: "AdmissionReview"},
		Request: &admissionv1beta1.AdmissionRequest{
			UID:       "e2e-request",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: pod.Namespace,
			Operation: admissionv1beta1.Create,
			Object:    runtime.RawExtension{Raw: podJSON},
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}

	request := httptest.NewRequest(http.MethodPost, "/mutate", bytes.NewReader(body))
	request.Header.Set("Content-Type", "application/json")
	recorder := httptest.NewRecorder()
	modifier.Handle(recorder, request)
	if recorder.Code != http.StatusOK {
		t.Fatalf("webhook status = %d, body:\n%s", recorder.Code, recorder.Body)
	}

	var response admissionv1beta1.AdmissionReview
	if err := json.Unmarshal(recorder.Body.Bytes(), &response); err != nil {
		t.Fatalf("decoding the webhook's AdmissionReview: %v", err)
	}
	if response.Response == nil || !response.Response.Allowed {
		t.Fatalf("webhook did not allow the Pod: %s", recorder.Body)
	}
	if response.Response.UID != review.Request.UID {
		t.Errorf("response UID = %q, want %q", response.Response.UID, review.Request.UID)
	}
	if response.Response.PatchType == nil || *response.Response.PatchType != admissionv1beta1.PatchTypeJSONPatch {
		t.Fatalf("webhook returned no JSON patch, so it did not mutate the Pod: %s", recorder.Body)
	}

	patch, err := jsonpatch.DecodePatch(response.Response.Patch)
	if err != nil {
		t.Fatalf("decoding the webhook's patch: %v\n%s", err, response.Response.Patch)
	}
	patched, err := patch.Apply(podJSON)
	if err != nil {
		t.Fatalf("applying the webhook's patch: %v\n%s", err, response.Response.Patch)
	}
	mutated := &corev1.Pod{}
	if err := json.Unmarshal(patched, mutated); err != nil {
		t.Fatalf("decoding the mutated Pod: %v", err)
	}
	return mutated
}

func assertTokenVolume(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	for _, v := range pod.Spec.Volumes {
		if v.Name != tokenVolume {
			continue
		}
		if v.Projected == nil || len(v.Projected.Sources) != 1 || v.Projected.Sources[0].ServiceAccountToken == nil {
			t.Fatalf("volume %s is not a projected ServiceAccount token: %+v", tokenVolume, v.VolumeSource)
		}
		token := v.Projected.Sources[0].ServiceAccountToken
		if token.Audience != tokenAudience {
			t.Errorf("token audience = %q, want %s", token.Audience, tokenAudience)
		}
		if token.Path != "token" {
			t.Errorf("token path = %q, want token", token.Path)
		}
		if token.ExpirationSeconds == nil || *token.ExpirationSeconds != tokenLifetime {
			t.Errorf("token expirationSeconds = %v, want %d", token.ExpirationSeconds, tokenLifetime)
		}
		return
	}
	t.Errorf("the mutated Pod has no %s volume", tokenVolume)
}

// assertInjected checks that a container got the web identity variables and
// token mount from the webhook and kept the region that irsa-render wrote.
func assertInjected(t *testing.T, c corev1.Container) {
	t.Helper()
	want := map[string]string{
		"AWS_ROLE_ARN":                testRole,
		"AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
		"AWS_REGION":                  region,
		"AWS_DEFAULT_REGION":          region,
	}
	got := envValues(c)
	for name, value := range want {
		values := got[name]
		if len(values) != 1 {
			t.Errorf("container %s: %s set %d times (%q), want once", c.Name, name, len(values), values)
			continue
		}
		if values[0] != value {
			t.Errorf("container %s: %s = %q, want %q", c.Name, name, values[0], value)
		}
	}
	if !hasTokenMount(c) {
		t.Errorf("container %s has no read-only %s mount at %s", c.Name, tokenVolume, tokenMountPath)
	}
}

// assertNotInjected checks that a container listed in skip-containers got
// nothing from the webhook and no region from irsa-render.
func assertNotInjected(t *testing.T, c corev1.Container) {
	t.Helper()
	got := envValues(c)
	for _, name := range []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		if values, ok := got[name]; ok {
			t.Errorf("skipped container %s: %s = %q, want it unset", c.Name, name, values)
		}
	}
	for _, m := range c.VolumeMounts {
		if m.Name == tokenVolume {
			t.Errorf("skipped container %s mounts %s", c.Name, tokenVolume)
		}
	}
}

func assertRunnerImage(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	if got := container(t, pod, "ci-runner-worker").Image; got != runnerImage {
		t.Errorf("runner image = %q, want %s", got, runnerImage)
	}
}

func envValues(c corev1.Container) map[string][]string {
	values := map[string][]string{}
	for _, e := range c.Env {
		values[e.Name] = append(values[e.Name], e.Value)
	}
	return values
}

func hasTokenMount(c corev1.Container) bool {
	for _, m := range c.VolumeMounts {
		if m.Name == tokenVolume && m.MountPath == tokenMountPath && m.ReadOnly {
			return true
		}
	}
	return false
}

func container(t *testing.T, pod *corev1.Pod, name string) corev1.Container {
	t.Helper()
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the Pod has no container %s", name)
	return corev1.Container{}
}

// repoRoot is the irsa-render repository, two levels above this module.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// tool returns the path of a binary in the repository's bin/ folder.
func tool(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "bin", name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: run make webhook-test, which builds it", path)
	}
	return path
}

// run runs a command with extra environment and stdin and returns its
// stdout, failing the test when it exits non-zero.
func run(t *testing.T, env []string, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(cleanEnv(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q failed: %v\nstderr:\n%s", filepath.Base(name), args, err, stderr.String())
	}
	return stdout.Bytes()
}

// cleanEnv is the test process environment without IRSA_RENDER_ and HELM_
// settings, so that a developer's shell cannot change what irsa-render or
// Helm do.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "IRSA_RENDER_") && !strings.HasPrefix(kv, "HELM_") {
			env = append(env, kv)
		}
	}
	return env
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
