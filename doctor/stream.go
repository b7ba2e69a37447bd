package doctor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/firefly-oss/irsa-render/internal/imageref"
	"github.com/firefly-oss/irsa-render/render"
	"github.com/firefly-oss/irsa-render/trust"
	yaml "go.yaml.in/yaml/v3"
)

// Runner is the runner as a rendered stream describes it: the
// ServiceAccount its pods run as and every container that runs the runner
// image.
type Runner struct {
	Subject trust.Subject
	// ServiceAccountRendered reports whether the stream contains the
	// ServiceAccount. When it does not, Annotations is empty because the
	// ServiceAccount is managed outside the chart.
	ServiceAccountRendered bool
	Annotations            map[string]string
	Containers             []RunnerContainer
}

// RunnerContainer is one container that runs the runner image.
type RunnerContainer struct {
	// Kind, Namespace and Name identify the workload, such as a Deployment.
	Kind      string
	Namespace string
	Name      string
	Container string
	// Image is the image reference as rendered.
	Image string
	// PodAnnotations are the annotations of the pod template.
	PodAnnotations map[string]string
	// Env lists every definition of an environment variable in the order
	// Kubernetes applies them: envFrom sources in order, then env. A later
	// definition of a name replaces an earlier one.
	Env []EnvVar
	// Unchecked names the envFrom sources that the stream does not contain,
	// so their keys are unknown.
	Unchecked []string
}

// Workload names the container's workload, such as
// "Deployment firefly/runner-ci-runner-worker".
func (c RunnerContainer) Workload() string {
	return c.Kind + " " + c.Namespace + "/" + c.Name
}

// Lookup returns the definition of name that Kubernetes would use.
func (c RunnerContainer) Lookup(name string) (EnvVar, bool) {
	for i := len(c.Env) - 1; i >= 0; i-- {
		if c.Env[i].Name == name {
			return c.Env[i], true
		}
	}
	return EnvVar{}, false
}

// Definitions returns every definition of name, in the order of Env.
func (c RunnerContainer) Definitions(name string) []EnvVar {
	var out []EnvVar
	for _, v := range c.Env {
		if v.Name == name {
			out = append(out, v)
		}
	}
	return out
}

// EnvVar is one definition of an environment variable of a runner container.
type EnvVar struct {
	Name string
	// Source names where the definition comes from, such as
	// `env of container "ci-runner-worker"`,
	// "Secret firefly/ci-runner-worker-secrets" for envFrom, or
	// "ConfigMap firefly/settings key TIMEOUT" for a configMapKeyRef.
	Source string
	// Value is set when ValueKnown is true.
	Value string
	// ValueKnown is false for values from a Secret, which are never read,
	// and for references to objects that the stream does not contain.
	ValueKnown bool
	// Empty reports a value known to be empty, Secret values included.
	Empty bool
	// FromSecret reports a value that comes from a Secret.
	FromSecret bool
	// SourceKind and SourceName name the ConfigMap or Secret the value
	// comes from; both are empty for a value set in the container's env.
	SourceKind string
	SourceName string
	// Key is the key in that ConfigMap or Secret. It differs from Name
	// when envFrom adds a prefix.
	Key string
	// EnvFrom reports a definition from an envFrom source rather than from
	// an env entry.
	EnvFrom bool
}

// StreamOptions select the runner in a rendered stream.
type StreamOptions struct {
	// ImageRepository selects the runner image by repository. Empty selects
	// every image whose last path element is ci-runner-worker.
	ImageRepository string
	// Namespace is used for objects without metadata.namespace.
	Namespace string
	// ServiceAccount, as "name" or "namespace/name", selects the runner
	// workloads that run as it. Empty accepts a stream whose runner
	// workloads all run as one ServiceAccount.
	ServiceAccount string
}

// k8sObject holds the fields of a rendered document that doctor reads.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

// podTemplate is a pod template, or a Pod.
type podTemplate struct {
	Metadata struct {
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		ServiceAccountName string          `yaml:"serviceAccountName"`
		ServiceAccount     string          `yaml:"serviceAccount"`
		Containers         []containerSpec `yaml:"containers"`
	} `yaml:"spec"`
}

type workloadSpec struct {
	Spec struct {
		Template    podTemplate `yaml:"template"`
		JobTemplate struct {
			Spec struct {
				Template podTemplate `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

type containerSpec struct {
	Name    string `yaml:"name"`
	Image   string `yaml:"image"`
	EnvFrom []struct {
		Prefix       string     `yaml:"prefix"`
		ConfigMapRef *objectRef `yaml:"configMapRef"`
		SecretRef    *objectRef `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Env []envEntry `yaml:"env"`
}

type envEntry struct {
	Name      string          `yaml:"name"`
	Value     *string         `yaml:"value"`
	ValueFrom *envValueSource `yaml:"valueFrom"`
}

// envValueSource is an env entry's valueFrom. Only the ConfigMap and Secret
// references matter here; fieldRef and resourceFieldRef leave both nil.
type envValueSource struct {
	ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
	SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
}

type objectRef struct {
	Name string `yaml:"name"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

// document is one parsed document of the stream.
type document struct {
	index int
	node  *yaml.Node
	obj   k8sObject
}

// label names the object for messages, such as "Deployment firefly/runner".
func (d document) label(namespace string) string {
	return d.obj.Kind + " " + namespace + "/" + d.obj.Metadata.Name
}

// stream indexes the parsed documents of a rendered stream.
type stream struct {
	opts       StreamOptions
	docs       []document
	configMaps map[string]k8sObject
	secrets    map[string]k8sObject
	accounts   map[string]k8sObject
}

// ParseStream reads a rendered multi-document YAML stream and returns its
// runner: the containers that run the runner image and the ServiceAccount
// they run as, with the ConfigMaps and Secrets their environment comes
// from.
func ParseStream(data []byte, opts StreamOptions) (*Runner, error) {
	s := &stream{
		opts:       opts,
		configMaps: map[string]k8sObject{},
		secrets:    map[string]k8sObject{},
		accounts:   map[string]k8sObject{},
	}
	if err := s.parse(data); err != nil {
		return nil, err
	}
	containers, err := s.runnerContainers()
	if err != nil {
		return nil, err
	}
	subject, selected, err := s.selectServiceAccount(containers)
	if err != nil {
		return nil, err
	}
	runner := &Runner{Subject: subject, Containers: selected, Annotations: map[string]string{}}
	if account, ok := s.accounts[subject.Namespace+"/"+subject.Name]; ok {
		runner.ServiceAccountRendered = true
		for key, value := range account.Metadata.Annotations {
			runner.Annotations[key] = value
		}
	}
	return runner, nil
}

func (s *stream) parse(data []byte) error {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	for index := 1; ; index++ {
		var node yaml.Node
		err := decoder.Decode(&node)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("document %d of the stream is not valid YAML: %w", index, err)
		}
		if len(node.Content) == 0 || node.Content[0].Kind != yaml.MappingNode {
			continue
		}
		doc := document{index: index, node: &node}
		if err := node.Decode(&doc.obj); err != nil {
			return fmt.Errorf("document %d of the stream: %w", index, err)
		}
		s.docs = append(s.docs, doc)
		key := s.namespaceOf(doc.obj) + "/" + doc.obj.Metadata.Name
		switch doc.obj.Kind {
		case "ConfigMap":
			s.configMaps[key] = doc.obj
		case "Secret":
			s.secrets[key] = doc.obj
		case "ServiceAccount":
			s.accounts[key] = doc.obj
		}
	}
}

func (s *stream) namespaceOf(obj k8sObject) string {
	if obj.Metadata.Namespace != "" {
		return obj.Metadata.Namespace
	}
	return s.opts.Namespace
}

// workloadKinds lists the kinds that run pods.
var workloadKinds = map[string]bool{
	"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true,
	"Job": true, "CronJob": true, "Pod": true,
}

// runnerContainer is a runner container before the ServiceAccount is chosen.
type runnerContainer struct {
	RunnerContainer
	serviceAccount string
}

// runnerContainers returns every container that runs the runner image.
func (s *stream) runnerContainers() ([]runnerContainer, error) {
	matcher, err := newImageMatcher(s.opts.ImageRepository)
	if err != nil {
		return nil, err
	}
	var found []runnerContainer
	var errs []error
	for _, doc := range s.docs {
		if !workloadKinds[doc.obj.Kind] {
			continue
		}
		template, err := podTemplateOf(doc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		namespace := s.namespaceOf(doc.obj)
		for _, c := range template.Spec.Containers {
			if !matcher.matches(c.Image) {
				continue
			}
			if namespace == "" {
				errs = append(errs, fmt.Errorf("document %d, %s %s has no namespace, so its ServiceAccount is unknown; pass --namespace with the release namespace",
					doc.index, doc.obj.Kind, doc.obj.Metadata.Name))
				break
			}
			account, err := serviceAccountOf(template, doc.label(namespace))
			if err != nil {
				errs = append(errs, err)
				break
			}
			found = append(found, runnerContainer{
				RunnerContainer: s.describeContainer(doc, namespace, template, c),
				serviceAccount:  account,
			})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("the stream has no runner workload: no container runs a %s image; pass --image-repository when the runner image has another name",
			matcher.describe())
	}
	return found, nil
}

func podTemplateOf(doc document) (podTemplate, error) {
	if doc.obj.Kind == "Pod" {
		var pod podTemplate
		err := doc.node.Decode(&pod)
		return pod, wrapDecodeError(doc, err)
	}
	var workload workloadSpec
	if err := doc.node.Decode(&workload); err != nil {
		return podTemplate{}, wrapDecodeError(doc, err)
	}
	if doc.obj.Kind == "CronJob" {
		return workload.Spec.JobTemplate.Spec.Template, nil
	}
	return workload.Spec.Template, nil
}

func wrapDecodeError(doc document, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("document %d, %s %s: %w", doc.index, doc.obj.Kind, doc.obj.Metadata.Name, err)
}

// serviceAccountOf returns the ServiceAccount of a pod template as the API
// server resolves it: serviceAccountName, else the deprecated
// serviceAccount, else "default".
func serviceAccountOf(template podTemplate, label string) (string, error) {
	current, deprecated := template.Spec.ServiceAccountName, template.Spec.ServiceAccount
	switch {
	case current != "" && deprecated != "" && current != deprecated:
		return "", fmt.Errorf("%s: serviceAccountName %q and the deprecated serviceAccount %q differ; set only serviceAccountName",
			label, current, deprecated)
	case current != "":
		return current, nil
	case deprecated != "":
		return deprecated, nil
	}
	return "default", nil
}

// describeContainer collects a runner container's environment from its
// envFrom sources and env entries, resolving ConfigMaps and Secrets of the
// stream. Secret values are never kept, only whether they are empty.
func (s *stream) describeContainer(doc document, namespace string, template podTemplate, c containerSpec) RunnerContainer {
	out := RunnerContainer{
		Kind:           doc.obj.Kind,
		Namespace:      namespace,
		Name:           doc.obj.Metadata.Name,
		Container:      c.Name,
		Image:          c.Image,
		PodAnnotations: template.Metadata.Annotations,
	}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			key := namespace + "/" + from.ConfigMapRef.Name
			cm, ok := s.configMaps[key]
			if !ok {
				out.Unchecked = append(out.Unchecked, "ConfigMap "+key)
				continue
			}
			for _, name := range sortedKeys(cm.Data) {
				out.Env = append(out.Env, EnvVar{
					Name: from.Prefix + name, Source: "ConfigMap " + key,
					Value: cm.Data[name], ValueKnown: true, Empty: cm.Data[name] == "",
					SourceKind: "ConfigMap", SourceName: key, Key: name, EnvFrom: true,
				})
			}
		case from.SecretRef != nil:
			key := namespace + "/" + from.SecretRef.Name
			secret, ok := s.secrets[key]
			if !ok {
				out.Unchecked = append(out.Unchecked, "Secret "+key)
				continue
			}
			for _, name := range secretKeys(secret) {
				out.Env = append(out.Env, EnvVar{
					Name: from.Prefix + name, Source: "Secret " + key,
					Empty: secretValueEmpty(secret, name), FromSecret: true,
					SourceKind: "Secret", SourceName: key, Key: name, EnvFrom: true,
				})
			}
		}
	}
	for _, e := range c.Env {
		out.Env = append(out.Env, s.resolveEnv(namespace, c.Name, e))
	}
	return out
}

// resolveEnv describes one env entry, following configMapKeyRef and
// secretKeyRef into the stream.
func (s *stream) resolveEnv(namespace, container string, e envEntry) EnvVar {
	name, from := e.Name, e.ValueFrom
	v := EnvVar{Name: name, Source: fmt.Sprintf("env of container %q", container)}
	switch {
	case from != nil && from.ConfigMapKeyRef != nil:
		key := namespace + "/" + from.ConfigMapKeyRef.Name
		v.Source = fmt.Sprintf("ConfigMap %s key %s", key, from.ConfigMapKeyRef.Key)
		v.SourceKind, v.SourceName, v.Key = "ConfigMap", key, from.ConfigMapKeyRef.Key
		if cm, ok := s.configMaps[key]; ok {
			v.Value, v.ValueKnown = cm.Data[from.ConfigMapKeyRef.Key]
			v.Empty = v.ValueKnown && v.Value == ""
		}
	case from != nil && from.SecretKeyRef != nil:
		key := namespace + "/" + from.SecretKeyRef.Name
		v.Source = fmt.Sprintf("Secret %s key %s", key, from.SecretKeyRef.Key)
		v.SourceKind, v.SourceName, v.Key, v.FromSecret = "Secret", key, from.SecretKeyRef.Key, true
		if secret, ok := s.secrets[key]; ok {
			v.Empty = secretValueEmpty(secret, from.SecretKeyRef.Key)
		}
	case from != nil:
		// A fieldRef or resourceFieldRef takes its value from the pod.
	default:
		v.ValueKnown = true
		if e.Value != nil {
			v.Value = *e.Value
		}
		v.Empty = v.Value == ""
	}
	return v
}

// secretKeys returns the keys of a Secret's data and stringData, sorted.
func secretKeys(secret k8sObject) []string {
	keys := map[string]bool{}
	for key := range secret.Data {
		keys[key] = true
	}
	for key := range secret.StringData {
		keys[key] = true
	}
	out := make([]string, 0, len(keys))
	for key := range keys {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

// secretValueEmpty reports whether a Secret key is present with an empty or
// null value. The API server writes stringData over data, so a key in
// stringData decides.
func secretValueEmpty(secret k8sObject, key string) bool {
	if value, ok := secret.StringData[key]; ok {
		return value == ""
	}
	value, ok := secret.Data[key]
	return ok && value == ""
}

// selectServiceAccount picks the ServiceAccount that the checks are about
// and returns its runner containers.
func (s *stream) selectServiceAccount(containers []runnerContainer) (trust.Subject, []RunnerContainer, error) {
	bySubject := map[trust.Subject][]RunnerContainer{}
	for _, c := range containers {
		subject := trust.Subject{Namespace: c.Namespace, Name: c.serviceAccount}
		bySubject[subject] = append(bySubject[subject], c.RunnerContainer)
	}
	subjects := make([]trust.Subject, 0, len(bySubject))
	for subject := range bySubject {
		subjects = append(subjects, subject)
	}
	sort.Slice(subjects, func(i, j int) bool { return subjects[i].String() < subjects[j].String() })

	if s.opts.ServiceAccount == "" {
		if len(subjects) > 1 {
			return trust.Subject{}, nil, &SettingsError{fmt.Sprintf(
				"the stream's runner workloads run as %d ServiceAccounts (%s); choose one with --service-account",
				len(subjects), joinSubjects(subjects))}
		}
		return subjects[0], bySubject[subjects[0]], nil
	}
	namespace, name, qualified := strings.Cut(s.opts.ServiceAccount, "/")
	if !qualified {
		namespace, name = "", s.opts.ServiceAccount
	}
	for _, subject := range subjects {
		if subject.Name == name && (namespace == "" || subject.Namespace == namespace) {
			return subject, bySubject[subject], nil
		}
	}
	return trust.Subject{}, nil, &SettingsError{fmt.Sprintf(
		"--service-account %s: no runner workload in the stream runs as it; the runner workloads run as %s",
		s.opts.ServiceAccount, joinSubjects(subjects))}
}

func joinSubjects(subjects []trust.Subject) string {
	names := make([]string, len(subjects))
	for i, subject := range subjects {
		names[i] = subject.Namespace + "/" + subject.Name
	}
	return strings.Join(names, ", ")
}

// imageMatcher picks the runner image among other images, as the
// post-renderer does.
type imageMatcher struct {
	// repository is normalized; empty matches by render.DefaultRunnerImageName.
	repository string
}

func newImageMatcher(repository string) (imageMatcher, error) {
	if repository == "" {
		return imageMatcher{}, nil
	}
	ref, err := imageref.Parse(repository)
	if err != nil {
		return imageMatcher{}, &SettingsError{fmt.Sprintf("--image-repository: %v", err)}
	}
	return imageMatcher{repository: ref.NormalizedRepository()}, nil
}

func (m imageMatcher) matches(image string) bool {
	ref, err := imageref.Parse(image)
	if err != nil {
		return false
	}
	if m.repository == "" {
		return ref.Name() == render.DefaultRunnerImageName
	}
	return ref.NormalizedRepository() == m.repository
}

func (m imageMatcher) describe() string {
	if m.repository == "" {
		return render.DefaultRunnerImageName
	}
	return m.repository
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
