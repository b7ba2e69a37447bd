package render

import (
	"fmt"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// Violation is one rule an output document breaks, or one warning about it.
type Violation struct {
	// Pointer is the JSON pointer of the offending value inside the object.
	Pointer string
	Rule    string
	Message string
}

// Validator checks one output object, decoded into JSON values
// (map[string]any, []any, string, int64, float64, bool, nil).
type Validator interface {
	Check(obj any) (violations, warnings []Violation)
}

// toJSONValue converts a YAML node into the values encoding/json produces,
// expanding aliases. checkTree has already bounded the expansion.
func toJSONValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toJSONValue(n.Content[0])
	case yaml.AliasNode:
		return toJSONValue(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			if key.Kind == yaml.AliasNode {
				key = key.Alias
			}
			if key.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", key.Line)
			}
			if key.ShortTag() == "!!merge" {
				if err := mergeInto(m, val); err != nil {
					return nil, err
				}
				continue
			}
			v, err := toJSONValue(val)
			if err != nil {
				return nil, err
			}
			m[key.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toJSONValue(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	}
	return scalarValue(n)
}

// mergeInto applies a "<<" merge key: keys already present win.
func mergeInto(m map[string]any, val *yaml.Node) error {
	sources := []*yaml.Node{val}
	if val.Kind == yaml.SequenceNode {
		sources = val.Content
	}
	for _, src := range sources {
		v, err := toJSONValue(src)
		if err != nil {
			return err
		}
		sm, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("line %d: merge key value is not a mapping", src.Line)
		}
		for k, x := range sm {
			if _, exists := m[k]; !exists {
				m[k] = x
			}
		}
	}
	return nil
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i, nil
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return f, nil
	}
	return n.Value, nil
}
