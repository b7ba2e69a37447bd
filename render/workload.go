package render

import (
	"strings"

	"github.com/firefly-oss/irsa-render/internal/imageref"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// podTemplatePaths maps each workload kind to the path of its pod template,
// the mapping that holds the pod's metadata and spec.
var podTemplatePaths = map[string][]string{
	"Deployment":  {"spec", "template"},
	"StatefulSet": {"spec", "template"},
	"DaemonSet":   {"spec", "template"},
	"ReplicaSet":  {"spec", "template"},
	"Job":         {"spec", "template"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template"},
	"Pod":         {},
}

// workload is an object that runs pods, with its pod template located.
type workload struct {
	obj *object
	// template holds metadata and spec; for a Pod it is the object itself.
	template *kyaml.RNode
	spec     *kyaml.RNode
}

// asWorkload locates the pod template of a workload, or returns nil for
// objects that do not run pods.
func asWorkload(o *object) *workload {
	path, ok := podTemplatePaths[o.kind]
	if !ok {
		return nil
	}
	template := o.node
	if len(path) > 0 {
		template = lookup(o.node, path...)
	}
	if template == nil {
		return nil
	}
	spec := lookup(template, "spec")
	if spec == nil || spec.YNode().Kind != kyaml.MappingNode {
		return nil
	}
	return &workload{obj: o, template: template, spec: spec}
}

// lookup returns the node at path, or nil when any step is missing.
func lookup(rn *kyaml.RNode, path ...string) *kyaml.RNode {
	for _, key := range path {
		if rn == nil || rn.YNode().Kind != kyaml.MappingNode {
			return nil
		}
		field := rn.Field(key)
		if field == nil {
			return nil
		}
		rn = field.Value
	}
	return rn
}

// container is one entry of containers or initContainers.
type container struct {
	node *kyaml.RNode
	name string
	init bool
}

func (c container) label() string {
	if c.init {
		return "init container " + quote(c.name)
	}
	return "container " + quote(c.name)
}

func quote(s string) string {
	return `"` + s + `"`
}

// containers lists the pod's init containers and containers, in that order.
func (w *workload) containers() []container {
	var out []container
	for _, field := range []string{"initContainers", "containers"} {
		list := lookup(w.spec, field)
		if list == nil || list.YNode().Kind != kyaml.SequenceNode {
			continue
		}
		for _, item := range list.Content() {
			if item.Kind != kyaml.MappingNode {
				continue
			}
			rn := kyaml.NewRNode(item)
			out = append(out, container{node: rn, name: scalarField(item, "name"), init: field == "initContainers"})
		}
	}
	return out
}

// imageMatcher distinguishes the runner image from every other image.
type imageMatcher struct {
	repository string // normalized; empty matches by DefaultRunnerImageName
}

func newImageMatcher(repository string) imageMatcher {
	if repository == "" {
		return imageMatcher{}
	}
	ref, err := imageref.Parse(repository)
	if err != nil {
		return imageMatcher{repository: repository}
	}
	return imageMatcher{repository: ref.NormalizedRepository()}
}

func (m imageMatcher) matches(image string) bool {
	ref, err := imageref.Parse(image)
	if err != nil {
		return false
	}
	if m.repository == "" {
		return ref.Name() == DefaultRunnerImageName
	}
	return ref.NormalizedRepository() == m.repository
}

// runnerContainers returns the containers that run the runner image.
func (w *workload) runnerContainers(m imageMatcher) []container {
	var out []container
	for _, c := range w.containers() {
		if m.matches(scalarField(c.node.YNode(), "image")) {
			out = append(out, c)
		}
	}
	return out
}

// skippedContainers reads eks.amazonaws.com/skip-containers from the pod
// template: the containers the EKS webhook leaves alone.
func (w *workload) skippedContainers() map[string]bool {
	value := scalarField(mapField(mapField(w.template.YNode(), "metadata"), "annotations"), AnnotationSkipContainers)
	skipped := map[string]bool{}
	for _, name := range strings.Split(value, ",") {
		if name = strings.TrimSpace(name); name != "" {
			skipped[name] = true
		}
	}
	return skipped
}

// serviceAccount returns the ServiceAccount the pods run as. A problem is
// returned when serviceAccountName and the deprecated serviceAccount
// disagree.
func (w *workload) serviceAccount() (name string, explicit bool, p *Problem) {
	spec := w.spec.YNode()
	current := scalarField(spec, "serviceAccountName")
	deprecated := scalarField(spec, "serviceAccount")
	switch {
	case current != "" && deprecated != "" && current != deprecated:
		pr := w.obj.problem("serviceAccountName "+quote(current)+" and the deprecated serviceAccount "+quote(deprecated)+" differ",
			"set only serviceAccountName")
		return "", false, &pr
	case current != "":
		return current, true, nil
	case deprecated != "":
		return deprecated, true, nil
	}
	return "default", false, nil
}
