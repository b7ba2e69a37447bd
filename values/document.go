package values

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/firefly-oss/irsa-render/schema"
	yaml2 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v3"
)

// parsedFile is an existing values file ready for editing.
type parsedFile struct {
	// doc is a document node whose content is one mapping.
	doc *yaml.Node
	// preamble is written before doc: the text of a file that contains only
	// comments, which the YAML parser drops.
	preamble []byte
	// indent is the file's indentation step, kept when it is encoded again.
	indent int
	// spaced contains the top-level keys that follow a blank line, which the
	// YAML encoder drops, as spacedKeys returns them.
	spaced map[string]int
}

func newDocument() *yaml.Node {
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
}

// parseValuesFile parses a values file of one YAML document whose content
// is a mapping, null or nothing.
func parseValuesFile(data []byte) (parsedFile, error) {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := decoder.Decode(&doc)
	if errors.Is(err, io.EOF) {
		parsed := parsedFile{doc: newDocument(), indent: 2}
		if text := strings.TrimRight(string(data), " \t\r\n"); text != "" {
			parsed.preamble = []byte(text + "\n\n")
		}
		return parsed, nil
	}
	if err != nil {
		return parsedFile{}, fmt.Errorf("values file is not valid YAML: %w", err)
	}
	var next yaml.Node
	if err := decoder.Decode(&next); !errors.Is(err, io.EOF) {
		return parsedFile{}, errors.New("values file contains more than one YAML document, but Helm reads only the first: keep one document in the file")
	}

	root := doc.Content[0]
	switch {
	case isNull(root):
		*root = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: root.HeadComment, LineComment: root.LineComment, FootComment: root.FootComment}
	case root.Kind != yaml.MappingNode:
		return parsedFile{}, fmt.Errorf("values file is %s, not a mapping of values", describeNode(root))
	}
	return parsedFile{doc: &doc, indent: detectIndent(data), spaced: spacedKeys(root, data)}, nil
}

// spacedKeys returns the top-level keys of root, except the first, whose
// head comment or key line follows a blank line in data, with the number of
// lines of their head comments. When the file spaces its keys so, the keys
// that Merge adds are spaced too, so each other key is in the map with -1.
func spacedKeys(root *yaml.Node, data []byte) map[string]int {
	lines := strings.Split(string(data), "\n")
	spaced := map[string]int{}
	for i := 2; i+1 < len(root.Content); i += 2 {
		key := root.Content[i]
		first, comment := key.Line, 0
		if key.HeadComment != "" {
			comment = strings.Count(key.HeadComment, "\n") + 1
			first -= comment
		}
		// Line numbers start at 1, so lines[first-2] is the line above.
		if first >= 2 && first-2 < len(lines) && strings.TrimSpace(lines[first-2]) == "" {
			spaced[key.Value] = comment
		}
	}
	if len(spaced) == 0 {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if _, found := spaced[root.Content[i].Value]; !found {
			spaced[root.Content[i].Value] = -1
		}
	}
	return spaced
}

// restoreBlankLines puts a blank line back above each spaced top-level key
// and its head comment. Keys of the original file that were not spaced
// have -1 in spaced, and a key missing from spaced was added by Merge.
func restoreBlankLines(encoded []byte, spaced map[string]int) []byte {
	if len(spaced) == 0 {
		return encoded
	}
	var out []string
	for _, line := range strings.SplitAfter(string(encoded), "\n") {
		key, _, isKey := strings.Cut(line, ":")
		comment, found := spaced[key]
		if isKey && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "#") && comment >= 0 {
			if !found {
				comment = 0
			}
			start := max(len(out)-comment, 0)
			if start > 0 && out[start-1] != "\n" {
				out = slices.Insert(out, start, "\n")
			}
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, ""))
}

// detectIndent returns the smallest indentation of a line that contains more
// than a comment, from 2 to 8 spaces, or 2 when no line is indented.
func detectIndent(data []byte) int {
	indent := 0
	for _, line := range strings.Split(string(data), "\n") {
		content := strings.TrimLeft(line, " ")
		width := len(line) - len(content)
		if width == 0 || content == "" || strings.HasPrefix(content, "#") {
			continue
		}
		if indent == 0 || width < indent {
			indent = width
		}
	}
	return min(max(indent, 2), 8)
}

// finish encodes the file after its preamble and checks the result against
// the values schema of the settings' cluster.
func finish(file parsedFile, s Settings) ([]byte, error) {
	var encoded bytes.Buffer
	encoder := yaml.NewEncoder(&encoded)
	encoder.SetIndent(file.indent)
	if err := encoder.Encode(file.doc); err != nil {
		return nil, fmt.Errorf("encode values: %w", err)
	}
	if err := encoder.Close(); err != nil {
		return nil, fmt.Errorf("encode values: %w", err)
	}
	var out bytes.Buffer
	out.Write(file.preamble)
	out.Write(restoreBlankLines(encoded.Bytes(), file.spaced))

	validator, err := schema.CompileValues(schema.Settings{Facts: s.Facts})
	if err != nil {
		return nil, err
	}
	violations, err := Check(out.Bytes(), validator)
	if err != nil {
		return nil, fmt.Errorf("values written by irsa-render cannot be read back: %w", err)
	}
	var errs []error
	for _, v := range violations {
		errs = append(errs, fmt.Errorf("%s: %s [%s]", schema.ValuesPath(splitPointer(v.Pointer)), v.Message, v.Rule))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("the values would break the values schema:\n%w", errors.Join(errs...))
	}
	return out.Bytes(), nil
}

func splitPointer(pointer string) []string {
	if pointer == "" {
		return nil
	}
	tokens := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, token := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
	}
	return tokens
}

// stringNode returns a string scalar, double-quoted when Helm or a YAML 1.2
// parser would read it plain as anything but that string.
func stringNode(text string) *yaml.Node {
	node := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text}
	if needsQuotes(text) {
		node.Style = yaml.DoubleQuotedStyle
	}
	return node
}

// needsQuotes reports whether text, written plain as a mapping value, reads
// back as another value. Helm parses values with go.yaml.in/yaml/v2, which
// follows YAML 1.1: on, no and y are booleans and 0022 is the octal number
// 18. yaml.v3 follows YAML 1.2. Both must read text back.
func needsQuotes(text string) bool {
	if text == "" || strings.ContainsAny(text, "\t\r\n") {
		return true
	}
	line := []byte("k: " + text + "\n")
	var helm map[string]any
	if err := yaml2.Unmarshal(line, &helm); err != nil {
		return true
	}
	if read, ok := helm["k"].(string); !ok || read != text {
		return true
	}
	var strict map[string]any
	if err := yaml.Unmarshal(line, &strict); err != nil {
		return true
	}
	read, ok := strict["k"].(string)
	return !ok || read != text
}

// helmString returns the text of a scalar node and whether Helm reads it as
// a string.
func helmString(node *yaml.Node) (string, bool) {
	if node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	if node.Kind != yaml.ScalarNode {
		return "", false
	}
	explicit := yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle | yaml.TaggedStyle
	if node.Style&explicit != 0 {
		return node.Value, node.ShortTag() == "!!str"
	}
	return node.Value, node.ShortTag() == "!!str" && !needsQuotes(node.Value)
}

// describeNode describes a value of an existing file for messages, as Helm
// reads it.
func describeNode(node *yaml.Node) string {
	if text, isString := helmString(node); isString {
		return display(text)
	}
	switch node.Kind {
	case yaml.AliasNode:
		return "the YAML alias *" + node.Value
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if isNull(node) {
		return "null"
	}
	var read map[string]any
	if err := yaml2.Unmarshal([]byte("k: "+node.Value+"\n"), &read); err != nil {
		return node.Value
	}
	switch value := read["k"].(type) {
	case bool:
		return fmt.Sprintf("%s, which Helm reads as the boolean %t", node.Value, value)
	case int, int64, uint64, float64:
		return fmt.Sprintf("%s, which Helm reads as the number %v", node.Value, value)
	}
	return node.Value
}

// display formats a string for messages: bare, or quoted when it is empty,
// contains spaces or would read as another type.
func display(text string) string {
	if needsQuotes(text) || strings.Contains(text, " ") {
		return strconv.Quote(text)
	}
	return text
}

// decodeHelmValues decodes a values file as Helm 3 does, with the YAML 1.1
// parser and the first document only, into the JSON types that the values
// schema expects. Integers stay exact, as int64 or json.Number.
func decodeHelmValues(data []byte) (any, error) {
	var raw any
	if err := yaml2.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("values file is not valid YAML: %w", err)
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	return jsonValue(raw), nil
}

func jsonValue(value any) any {
	switch v := value.(type) {
	case map[any]any:
		object := make(map[string]any, len(v))
		for key, child := range v {
			object[fmt.Sprint(key)] = jsonValue(child)
		}
		return object
	case []any:
		list := make([]any, len(v))
		for i, child := range v {
			list[i] = jsonValue(child)
		}
		return list
	case int:
		return int64(v)
	case uint64:
		return json.Number(strconv.FormatUint(v, 10))
	}
	return value
}
