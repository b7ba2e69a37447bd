package render

import (
	"fmt"
	"strconv"

	"github.com/firefly-oss/irsa-render/internal/imageref"
	yaml "go.yaml.in/yaml/v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// report collects what the filters find while they rewrite objects.
type report struct {
	problems Problems
	warnings []Warning
	notes    []Warning
}

// Each filter below rewrites one aspect of one object in place and reports
// problems instead of stopping, so that one run lists everything to fix.
// A filter returns whether it changed the object.

// annotateRole sets eks.amazonaws.com/role-arn and the optional IRSA
// annotations on a ServiceAccount.
func annotateRole(opts *Options) func(*object, *report) bool {
	wanted := []struct{ key, value string }{{AnnotationRoleARN, opts.RoleARN}}
	if opts.STSRegionalEndpoints {
		wanted = append(wanted, struct{ key, value string }{AnnotationSTSRegionalEndpoints, "true"})
	}
	if opts.TokenExpiration != 0 {
		wanted = append(wanted, struct{ key, value string }{AnnotationTokenExpiration, strconv.FormatInt(opts.TokenExpiration, 10)})
	}
	if opts.Audience != "" {
		wanted = append(wanted, struct{ key, value string }{AnnotationAudience, opts.Audience})
	}
	return func(o *object, r *report) bool {
		changed := false
		for _, w := range wanted {
			current, ok := annotation(o.node, w.key)
			switch {
			case ok && current.Value == w.value && isString(current):
				continue
			case ok && current.Value != w.value && !opts.Overwrite:
				r.problems = append(r.problems, o.problem(
					fmt.Sprintf("annotation %s is %q, not %q", w.key, current.Value, w.value),
					"pass --overwrite to replace it, or change the chart's serviceAccount.annotations"))
				continue
			}
			if err := setAnnotation(o.node, w.key, w.value); err != nil {
				r.problems = append(r.problems, o.problem(err.Error(), "fix the chart so that metadata and metadata.annotations are mappings"))
				continue
			}
			changed = true
		}
		return changed
	}
}

// pinImage sets the runner image's tag or digest.
func pinImage(opts *Options, m imageMatcher) func(*workload, *report) bool {
	return func(w *workload, r *report) bool {
		changed := false
		for _, c := range w.runnerContainers(m) {
			if pinContainerImage(w, c, opts, r) {
				changed = true
			}
		}
		return changed
	}
}

func pinContainerImage(w *workload, c container, opts *Options, r *report) bool {
	imageNode := fieldNode(c.node.YNode(), "image")
	ref, err := imageref.Parse(imageNode.Value)
	if err != nil {
		r.problems = append(r.problems, w.obj.problem(c.label()+": "+err.Error(), "fix the image in the chart values"))
		return false
	}
	next, ok := pinTarget(w, c, ref, opts, r)
	if !ok {
		return false
	}
	if opts.ImageDigests != nil && next.Digest == "" {
		key := next.Repository + ":" + next.Tag
		digest, found := opts.ImageDigests[key]
		if !found {
			r.problems = append(r.problems, w.obj.problem(
				fmt.Sprintf("%s: no digest was resolved for %s", c.label(), key),
				"check the registry, or drop --resolve-digest to pin the tag alone"))
			return false
		}
		next.Digest = digest
		if opts.DigestOnly {
			next.Tag = ""
		}
	}
	if next == ref {
		return false
	}
	setScalar(imageNode, next.String())
	return true
}

// pinTarget decides the runner image's pinned reference, before any digest
// lookup. It returns false when the image stays as it is: already pinned to
// a digest, or unpinnable, which it reports.
func pinTarget(w *workload, c container, ref imageref.Reference, opts *Options, r *report) (imageref.Reference, bool) {
	pin := opts.ImageTag
	switch {
	case ref.Digest != "":
		if imageref.IsSHA256Digest(pin) && pin != ref.Digest {
			r.warnings = append(r.warnings, w.obj.warning(fmt.Sprintf("%s: runner image %s is already pinned to a digest; kept it instead of %s", c.label(), ref, pin)))
		}
		return ref, false
	case pin == "":
		if !ref.Pinned() {
			r.problems = append(r.problems, w.obj.problem(
				fmt.Sprintf("%s: runner image %s is not pinned", c.label(), ref),
				"pass --image-tag with a release such as v0.6.26 or a digest, or set repository.tag in the chart values"))
			return ref, false
		}
		return ref, true
	}
	next := ref
	if imageref.IsSHA256Digest(pin) {
		next.Digest = pin
		if !ref.Pinned() {
			next.Tag = ""
		}
		return next, true
	}
	if ref.Tag != pin && ref.Pinned() && !opts.Overwrite {
		r.problems = append(r.problems, w.obj.problem(
			fmt.Sprintf("%s: runner image is pinned to %s, not %s", c.label(), ref.Tag, pin),
			"pass --overwrite to replace the tag, or drop --image-tag to keep it"))
		return ref, false
	}
	next.Tag = pin
	return next, true
}

// injectRegion sets AWS_REGION and AWS_DEFAULT_REGION in every container
// and init container that the EKS webhook does not skip.
func injectRegion(opts *Options) func(*workload, *report) bool {
	return func(w *workload, r *report) bool {
		skipped := w.skippedContainers()
		changed := false
		for _, c := range w.containers() {
			if skipped[c.name] {
				r.notes = append(r.notes, w.obj.warning(c.label()+" is listed in "+AnnotationSkipContainers+"; region variables not added"))
				continue
			}
			env := ensureSequence(c.node, "env")
			if env == nil {
				r.problems = append(r.problems, w.obj.problem(
					fmt.Sprintf("%s: env is a %s, not a list of variables", c.label(), kindName(fieldNode(c.node.YNode(), "env"))),
					"fix the chart values so that env is a list of name and value entries"))
				continue
			}
			for _, name := range regionVariables {
				if setEnv(w, c, env, name, opts, r) {
					changed = true
				}
			}
		}
		return changed
	}
}

func setEnv(w *workload, c container, env *yaml.Node, name string, opts *Options, r *report) bool {
	var found []*yaml.Node
	for _, item := range env.Content {
		if item.Kind == yaml.MappingNode && scalarField(item, "name") == name {
			found = append(found, item)
		}
	}
	switch {
	case len(found) > 1:
		r.problems = append(r.problems, w.obj.problem(
			fmt.Sprintf("%s: env lists %s %d times", c.label(), name, len(found)),
			"remove the extra entries from the chart values"))
		return false
	case len(found) == 0:
		env.Content = append(env.Content, envEntry(name, opts.Region))
		return true
	}
	entry := found[0]
	if fieldNode(entry, "valueFrom") != nil {
		r.warnings = append(r.warnings, w.obj.warning(fmt.Sprintf("%s: %s comes from valueFrom; left alone, make sure it resolves to %s", c.label(), name, opts.Region)))
		return false
	}
	value := fieldNode(entry, "value")
	switch {
	case value != nil && value.Kind != yaml.ScalarNode:
		r.problems = append(r.problems, w.obj.problem(
			fmt.Sprintf("%s: the value of %s is a %s, not a string", c.label(), name, kindName(value)),
			"fix the chart values"))
		return false
	case value != nil && value.Value == opts.Region:
		return false
	case value != nil && !opts.Overwrite:
		r.problems = append(r.problems, w.obj.problem(
			fmt.Sprintf("%s: %s=%s conflicts with the region %s (%s)", c.label(), name, value.Value, opts.Region, opts.RegionSource),
			"remove it or pass --overwrite"))
		return false
	case value != nil:
		setScalar(value, opts.Region)
	default:
		entry.Content = append(entry.Content, stringNode("value"), stringNode(opts.Region))
	}
	return true
}

// annotateRoleHash records the IRSA settings' hash on the pod template.
func annotateRoleHash(opts *Options) func(*workload, *report) bool {
	hash := opts.RoleHash()
	return func(w *workload, r *report) bool {
		if w.obj.kind == "Pod" {
			return false
		}
		if current, ok := annotation(w.template, AnnotationRoleHash); ok && current.Value == hash && isString(current) {
			return false
		}
		if err := setAnnotation(w.template, AnnotationRoleHash, hash); err != nil {
			r.problems = append(r.problems, w.obj.problem("pod template: "+err.Error(), "fix the chart so that the pod template's metadata and metadata.annotations are mappings"))
			return false
		}
		return true
	}
}

// annotation returns the value node of metadata.annotations[key] of an
// object or pod template.
func annotation(rn *kyaml.RNode, key string) (*yaml.Node, bool) {
	v := fieldNode(mapField(mapField(rn.YNode(), "metadata"), "annotations"), key)
	return v, v != nil
}

// isString reports whether n is a string scalar. Kubernetes rejects an
// annotation whose value is a number or a boolean, such as an unquoted
// sts-regional-endpoints: true, so such a value is quoted even when its text
// is right.
func isString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str"
}

// setAnnotation sets metadata.annotations[key], creating the mappings on the
// way. An existing scalar value is changed in place so that its quoting
// stays. It fails when metadata or annotations holds something other than a
// mapping or null.
func setAnnotation(rn *kyaml.RNode, key, value string) error {
	meta := ensureMapping(rn, "metadata")
	if meta == nil {
		return fmt.Errorf("metadata is a %s, not a mapping", kindName(fieldNode(rn.YNode(), "metadata")))
	}
	annotations := ensureMapping(kyaml.NewRNode(meta), "annotations")
	if annotations == nil {
		return fmt.Errorf("metadata.annotations is a %s, not a mapping", kindName(fieldNode(meta, "annotations")))
	}
	for i := 0; i+1 < len(annotations.Content); i += 2 {
		if annotations.Content[i].Value != key {
			continue
		}
		if v := annotations.Content[i+1]; v.Kind == yaml.ScalarNode {
			setScalar(v, value)
		} else {
			annotations.Content[i+1] = stringNode(value)
		}
		return nil
	}
	annotations.Content = append(annotations.Content, stringNode(key), stringNode(value))
	return nil
}

// ensureMapping returns the mapping at key, adding an empty one when the
// key is missing or null, or nil when the key holds another kind of value.
func ensureMapping(rn *kyaml.RNode, key string) *yaml.Node {
	return ensureField(rn.YNode(), key, yaml.MappingNode, "!!map")
}

// ensureSequence returns the sequence at key, adding an empty one when the
// key is missing or null, or nil when the key holds another kind of value.
func ensureSequence(rn *kyaml.RNode, key string) *yaml.Node {
	return ensureField(rn.YNode(), key, yaml.SequenceNode, "!!seq")
}

func ensureField(m *yaml.Node, key string, kind yaml.Kind, tag string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			continue
		}
		v := m.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			// The anchored collection is shared, so the change shows
			// wherever the alias is used.
			v = v.Alias
		}
		if v.Kind == kind {
			return v
		}
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			m.Content[i+1] = &yaml.Node{Kind: kind, Tag: tag}
			return m.Content[i+1]
		}
		return nil
	}
	v := &yaml.Node{Kind: kind, Tag: tag}
	m.Content = append(m.Content, stringNode(key), v)
	return v
}

// setScalar changes a scalar in place and marks it a string.
func setScalar(n *yaml.Node, value string) {
	n.Value = value
	n.Tag = "!!str"
}

func stringNode(value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
}

func envEntry(name, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		stringNode("name"), stringNode(name),
		stringNode("value"), stringNode(value),
	}}
}
