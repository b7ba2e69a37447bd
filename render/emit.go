package render

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// encodeSimple returns the text that yaml.v3's encoder writes with an indent
// of 2 for small trees: block mappings with plain keys, block sequences of
// scalars and mappings, empty collections and single-line scalars that need
// no escapes. It reports false for anything else, which then goes to the
// encoder. The filters add such trees, and creating an encoder for each
// costs more than the rest of the patch.
func encodeSimple(n *yaml.Node) (string, bool) {
	var b strings.Builder
	if !writeSimple(&b, n, 0, false) {
		return "", false
	}
	return b.String(), true
}

// writeSimple writes n at the given indent. inItem is set for the node that
// follows a sequence dash, whose first line is already indented.
func writeSimple(b *strings.Builder, n *yaml.Node, indent int, inItem bool) bool {
	if n.Anchor != "" || n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		text, ok := simpleScalar(n)
		if ok {
			b.WriteString(text)
			b.WriteByte('\n')
		}
		return ok
	case yaml.MappingNode:
		if n.Tag != "" && n.Tag != "!!map" || n.Style&yaml.FlowStyle != 0 && len(n.Content) > 0 {
			return false
		}
		if len(n.Content) == 0 {
			b.WriteString("{}\n")
			return true
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 || !inItem {
				writeIndent(b, indent)
			}
			if !writeEntry(b, n.Content[i], n.Content[i+1], indent) {
				return false
			}
		}
		return true
	case yaml.SequenceNode:
		if n.Tag != "" && n.Tag != "!!seq" || n.Style&yaml.FlowStyle != 0 && len(n.Content) > 0 {
			return false
		}
		if len(n.Content) == 0 {
			b.WriteString("[]\n")
			return true
		}
		if inItem {
			return false
		}
		for _, item := range n.Content {
			if item.Kind == yaml.SequenceNode && len(item.Content) > 0 {
				return false
			}
			writeIndent(b, indent)
			b.WriteString("- ")
			if !writeSimple(b, item, indent+2, true) {
				return false
			}
		}
		return true
	}
	return false
}

// writeEntry writes one mapping pair whose line is already indented.
func writeEntry(b *strings.Builder, key, value *yaml.Node, indent int) bool {
	if key.Kind != yaml.ScalarNode || key.Style != 0 || key.Anchor != "" || key.HeadComment != "" || key.LineComment != "" || key.FootComment != "" {
		return false
	}
	text, ok := simpleScalar(key)
	if !ok || len(text) > maxSimpleKey {
		return false
	}
	b.WriteString(text)
	b.WriteByte(':')
	if value.Kind == yaml.ScalarNode || len(value.Content) == 0 {
		b.WriteByte(' ')
		return writeSimple(b, value, indent, false)
	}
	b.WriteByte('\n')
	return writeSimple(b, value, indent+2, false)
}

// maxSimpleKey is the longest key that the encoder writes as "key: value".
// It writes longer keys as "? key".
const maxSimpleKey = 128

func writeIndent(b *strings.Builder, indent int) {
	for range indent {
		b.WriteByte(' ')
	}
}

// simpleScalar returns a scalar as the encoder writes it, when that is the
// value alone or between quotes.
func simpleScalar(n *yaml.Node) (string, bool) {
	v := n.Value
	if v == "" || !printableASCII(v) || v[0] == ' ' || v[len(v)-1] == ' ' {
		return "", false
	}
	tag := n.ShortTag()
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		if tag != "!!str" || strings.ContainsAny(v, "\"\\") {
			return "", false
		}
		return `"` + v + `"`, true
	case yaml.SingleQuotedStyle:
		if tag != "!!str" || strings.Contains(v, "'") {
			return "", false
		}
		return "'" + v + "'", true
	case 0:
	default:
		return "", false
	}
	switch tag {
	case "!!str", "!!int", "!!bool", "!!null", "!!float":
	default:
		return "", false
	}
	if n.Tag != "" && n.Tag != tag || !isPlainStart(v) || v[len(v)-1] == ':' ||
		strings.Contains(v, ": ") || strings.Contains(v, " #") || isOldBool(v) || mayBeBase60(v) ||
		strings.HasPrefix(v, "---") || strings.HasPrefix(v, "...") {
		return "", false
	}
	resolved := (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
	if resolved != tag {
		return "", false
	}
	return v, true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// isOldBool reports whether s is a boolean in YAML 1.1, such as "yes" or
// "on", in any case. The encoder quotes such strings so that YAML 1.1
// readers keep them strings.
func isOldBool(s string) bool {
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off", "true", "false":
		return true
	}
	return false
}

// mayBeBase60 reports whether s could be a YAML 1.1 sexagesimal number
// such as "1:20", which the encoder also quotes.
func mayBeBase60(s string) bool {
	return strings.IndexByte(s, ':') > 0 && strings.IndexByte("+-0123456789", s[0]) >= 0
}
