package values

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/firefly-oss/irsa-render/render"
	"github.com/firefly-oss/irsa-render/schema"
	yaml "go.yaml.in/yaml/v3"
)

// Conflict is a value in an existing values file that differs from the
// value the settings give.
type Conflict struct {
	// Path is the key in Helm --set form, such as repository.tag or
	// customImage.env[2].value.
	Path string
	// Old describes the value in the file.
	Old string
	// New is the value from the settings, and Source names the setting.
	New    string
	Source string
}

func (c *Conflict) Error() string {
	return fmt.Sprintf("%s is %s, not %s from %s: edit the file or pass --overwrite to replace it",
		c.Path, c.Old, display(c.New), c.Source)
}

// editor sets the values of one Settings in a parsed values file.
type editor struct {
	overwrite bool
	// conflicts are values that overwrite replaces.
	conflicts []error
	// errs are problems that overwrite does not solve.
	errs []error
}

// apply sets every value of s under root, a mapping node, in the order of
// the chart's values.yaml.
func (e *editor) apply(root *yaml.Node, s Settings) {
	for _, a := range assignments(s) {
		e.set(root, a)
	}
	region := regionSource(s.Facts)
	e.mergeEnv(root, []string{"customImage", "env"}, s.Facts.Region, region, true)
	for _, a := range configMapAssignments(s) {
		e.set(root, a)
	}
	// An env entry of the runner container wins over configMap.data, so an
	// existing one must carry the region too. None is added.
	e.mergeEnv(root, []string{"env"}, s.Facts.Region, region, false)

	// The hash follows from the settings above, so a stale hash is replaced
	// without a conflict: its inputs report their own conflicts.
	hash := roleHash(s)
	if parent := e.mapping(root, []string{"podAnnotations"}); parent != nil {
		if _, current := find(parent, render.AnnotationRoleHash); current == nil || !hasString(current, hash) {
			setScalar(parent, render.AnnotationRoleHash, hash, roleHashComment)
		}
	}
}

// roleHashComment is the line comment of the role hash, which the
// post-renderer sets on the pod template as well. The chart hashes only the
// ConfigMap into the pods' annotations, so without the role hash a new role
// would reach running pods only when they restart.
const roleHashComment = "# hash of the IRSA settings: a new role rolls the runner pods"

// set sets one assignment, or records a conflict with the value in place.
func (e *editor) set(root *yaml.Node, a assignment) {
	parent := e.mapping(root, a.path[:len(a.path)-1])
	if parent == nil {
		return
	}
	key := a.path[len(a.path)-1]
	_, current := find(parent, key)
	if current != nil && !isNull(current) && !hasString(current, a.value) {
		e.conflict(a.path, current, a.value, a.source)
		if !e.overwrite {
			return
		}
	}
	if current == nil || !hasString(current, a.value) {
		setScalar(parent, key, a.value, fromComment(a.source))
	}
}

// mapping returns the mapping at path under root and creates the missing
// ones. A null value becomes an empty mapping. Another value is a conflict,
// which overwrite replaces with an empty mapping. It returns nil when the
// mapping cannot be reached.
func (e *editor) mapping(root *yaml.Node, path []string) *yaml.Node {
	node := root
	for i, key := range path {
		_, child := find(node, key)
		switch {
		case child == nil:
			child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			appendPair(node, key, child)
		case child.Kind == yaml.AliasNode:
			e.errs = append(e.errs, fmt.Errorf("%s is the YAML alias *%s, which irsa-render does not edit because the anchor may be used elsewhere: replace the alias with the mapping itself",
				schema.ValuesPath(path[:i+1]), child.Value))
			return nil
		case isNull(child):
			*child = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: child.HeadComment, LineComment: child.LineComment, FootComment: child.FootComment}
		case child.Kind != yaml.MappingNode:
			e.conflicts = append(e.conflicts, fmt.Errorf("%s is %s, but irsa-render sets keys under it: make it a mapping or pass --overwrite to replace it",
				schema.ValuesPath(path[:i+1]), describeNode(child)))
			if !e.overwrite {
				return nil
			}
			*child = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: child.HeadComment}
		}
		node = child
	}
	return node
}

// mergeEnv sets the region variables in the env list at path: entries are
// matched by name, entries of other names are kept, and the missing ones
// are appended when add is set.
func (e *editor) mergeEnv(root *yaml.Node, path []string, region, source string, add bool) {
	parent := e.mapping(root, path[:len(path)-1])
	if parent == nil {
		return
	}
	key := path[len(path)-1]
	_, list := find(parent, key)
	switch {
	case !add && (list == nil || list.Kind != yaml.SequenceNode):
		// Only existing entries are checked, and the values schema reports
		// an env that is not a list.
		return
	case list == nil:
		list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		appendPair(parent, key, list)
	case list.Kind == yaml.AliasNode:
		e.errs = append(e.errs, fmt.Errorf("%s is the YAML alias *%s, which irsa-render does not edit because the anchor may be used elsewhere: replace the alias with the list itself",
			schema.ValuesPath(path), list.Value))
		return
	case isNull(list):
		*list = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", HeadComment: list.HeadComment, LineComment: list.LineComment, FootComment: list.FootComment}
	case list.Kind != yaml.SequenceNode:
		e.conflicts = append(e.conflicts, fmt.Errorf("%s is %s, not a list of env entries: make it a list or pass --overwrite to replace it",
			schema.ValuesPath(path), describeNode(list)))
		if !e.overwrite {
			return
		}
		*list = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", HeadComment: list.HeadComment}
	}

	for _, name := range regionVariables {
		matched := false
		for i, entry := range list.Content {
			if entry.Kind != yaml.MappingNode {
				continue
			}
			if _, entryName := find(entry, "name"); entryName == nil || entryName.Kind != yaml.ScalarNode || entryName.Value != name {
				continue
			}
			matched = true
			e.setEnvValue(entry, pathTo(path, strconv.Itoa(i)), region, source)
		}
		if !matched && add {
			list.Style &^= yaml.FlowStyle
			entry := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			appendPair(entry, "name", stringNode(name))
			value := stringNode(region)
			value.LineComment = fromComment(source)
			appendPair(entry, "value", value)
			list.Content = append(list.Content, entry)
		}
	}
}

// setEnvValue sets the value of one env entry, replacing a valueFrom.
func (e *editor) setEnvValue(entry *yaml.Node, path []string, region, source string) {
	valuePath := pathTo(path, "value")
	_, current := find(entry, "value")
	_, valueFrom := find(entry, "valueFrom")
	switch {
	case valueFrom != nil:
		e.conflictWith(valuePath, "not set, and valueFrom gives the value", region, source)
	case current != nil && !hasString(current, region):
		e.conflict(valuePath, current, region, source)
	default:
		return
	}
	if !e.overwrite {
		return
	}
	removeKey(entry, "valueFrom")
	setScalar(entry, "value", region, fromComment(source))
}

func (e *editor) conflict(path []string, current *yaml.Node, value, source string) {
	e.conflictWith(path, describeNode(current), value, source)
}

func (e *editor) conflictWith(path []string, old, value, source string) {
	e.conflicts = append(e.conflicts, &Conflict{Path: schema.ValuesPath(path), Old: old, New: value, Source: source})
}

// find returns the key and value nodes of key in mapping, or nils.
func find(mapping *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if k := mapping.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return k, mapping.Content[i+1]
		}
	}
	return nil, nil
}

func removeKey(mapping *yaml.Node, key string) {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if k := mapping.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			mapping.Content = slices.Delete(mapping.Content, i, i+2)
			return
		}
	}
}

// appendPair adds key and value at the end of mapping, which becomes a block
// mapping: a flow mapping such as {} cannot carry line comments.
func appendPair(mapping *yaml.Node, key string, value *yaml.Node) {
	mapping.Style &^= yaml.FlowStyle
	mapping.Content = append(mapping.Content, stringNode(key), value)
}

// setScalar sets key in mapping to the string value with a line comment.
// A replaced value keeps its head and foot comments.
func setScalar(mapping *yaml.Node, key, value, comment string) {
	node := stringNode(value)
	node.LineComment = comment
	keyNode, current := find(mapping, key)
	if current == nil {
		appendPair(mapping, key, node)
		return
	}
	node.HeadComment, node.FootComment = current.HeadComment, current.FootComment
	// The old line comment described the old value.
	keyNode.LineComment = ""
	*current = *node
}

func fromComment(source string) string {
	return "# from " + source
}

func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.ShortTag() == "!!null"
}

// hasString reports whether node is the string value as Helm reads it.
func hasString(node *yaml.Node, value string) bool {
	text, isString := helmString(node)
	return isString && text == value
}
