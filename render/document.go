package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Limits that keep one hostile document from exhausting the process.
const (
	// maxDepth is the deepest nesting accepted. Kubernetes objects, CRD
	// schemas included, stay far below it.
	maxDepth = 500
	// maxAliasExpansion is the number of nodes that aliases may add to a
	// document when it is expanded for validation.
	maxAliasExpansion = 100_000
)

// document is one parsed segment of the stream.
type document struct {
	seg segment
	// source is the template path from Helm's "# Source:" comment, if any.
	source string
	// root is the top-level mapping; nil for a document with only comments.
	root *yaml.Node
	// objects are the Kubernetes objects in the document: the document
	// itself, or the items of a List.
	objects []*object
	// fast is set when fastParse built the tree, which has no comments.
	fast bool
}

// object is one Kubernetes object: a whole document or one item of a List.
type object struct {
	doc        *document
	node       *kyaml.RNode
	item       int // 1-based position in a List's items; 0 for the document itself
	apiVersion string
	kind       string
	name       string
	namespace  string
}

// label names the document for messages: its template path, or its position.
func (d *document) label() string {
	if d.source != "" {
		return d.source
	}
	return "document " + strconv.Itoa(d.seg.index)
}

// describe returns "Kind namespace/name", prefixed with the List item for
// objects inside a List.
func (o *object) describe() string {
	var b strings.Builder
	if o.item > 0 {
		fmt.Fprintf(&b, "List item %d: ", o.item)
	}
	b.WriteString(o.kind)
	b.WriteByte(' ')
	if o.namespace != "" {
		b.WriteString(o.namespace)
		b.WriteByte('/')
	}
	b.WriteString(o.name)
	return b.String()
}

func (o *object) problem(msg, fix string) Problem {
	return Problem{Document: o.doc.label(), Object: o.describe(), Message: msg, Fix: fix}
}

func (o *object) warning(msg string) Warning {
	return Warning{Document: o.doc.label(), Object: o.describe(), Message: msg}
}

var sourcePrefix = []byte("# Source: ")

// helm4FilenameAnnotation is added by Helm 4 to every document it passes to
// a post-renderer; Helm needs it back to regroup the documents by template.
const helm4FilenameAnnotation = "postrenderer.helm.sh/postrender-filename"

// findSource returns the path of the first "# Source:" comment line.
func findSource(data []byte) string {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if bytes.HasPrefix(line, sourcePrefix) {
			return string(bytes.TrimSpace(line[len(sourcePrefix):]))
		}
	}
	return ""
}

// parseDocument parses one segment and checks that it holds a Kubernetes
// object, or a List of them, or nothing but comments.
func parseDocument(seg segment, defaultNamespace string) (*document, error) {
	doc := &document{seg: seg, source: findSource(seg.data)}
	if err := checkBytes(seg.data); err != nil {
		return doc, doc.fail(err.Error(), "")
	}
	return doc, doc.parse(defaultNamespace, fastParse(seg.data))
}

// parseSlow parses a segment with yaml.v3, comments included.
func parseSlow(seg segment, defaultNamespace string) (*document, error) {
	doc := &document{seg: seg, source: findSource(seg.data)}
	return doc, doc.parse(defaultNamespace, nil)
}

// parse reads the document's objects from root, the tree that fastParse
// returned, or from the tree that yaml.v3 parses when root is nil.
func (doc *document) parse(defaultNamespace string, root *yaml.Node) error {
	seg := doc.seg
	doc.fast = root != nil
	if root == nil {
		var err error
		if root, err = decodeSingle(seg.data); err != nil {
			return doc.fail("invalid YAML: "+describeYAMLError(err, seg.data), "fix the template that produced it")
		}
	}
	if root == nil {
		return nil
	}
	if err := checkTree(root); err != nil {
		return doc.fail(err.Error(), "")
	}
	if root.Kind != yaml.MappingNode {
		return doc.fail(fmt.Sprintf("document is a %s, not a Kubernetes object", kindName(root)), "every document must be a mapping with apiVersion, kind and metadata")
	}
	doc.root = root
	if doc.source == "" {
		// Helm 4 drops the "# Source:" comments and names the template in an
		// annotation instead.
		doc.source = scalarField(mapField(mapField(root, "metadata"), "annotations"), helm4FilenameAnnotation)
	}
	top, err := newObject(doc, root, 0, defaultNamespace)
	if err != nil {
		return err
	}
	if !isList(top) {
		doc.objects = []*object{top}
		return nil
	}
	return doc.addListItems(top, defaultNamespace)
}

func (d *document) fail(msg, fix string) Problem {
	return Problem{Document: d.label(), Message: msg, Fix: fix}
}

// isList reports whether the object is a List whose items are objects:
// "v1/List" or any "*List" kind with an items sequence.
func isList(o *object) bool {
	if !strings.HasSuffix(o.kind, "List") {
		return false
	}
	items := o.node.Field("items")
	return items != nil && items.Value.YNode().Kind == yaml.SequenceNode
}

func (d *document) addListItems(list *object, defaultNamespace string) error {
	d.objects = []*object{list}
	items := list.node.Field("items").Value.YNode()
	var problems Problems
	for i, item := range items.Content {
		if item.Kind != yaml.MappingNode {
			problems = append(problems, list.problem(fmt.Sprintf("item %d is a %s, not a Kubernetes object", i+1, kindName(item)), "every List item must be a mapping"))
			continue
		}
		o, err := newObject(d, item, i+1, defaultNamespace)
		if err != nil {
			problems = append(problems, err.(Problem))
			continue
		}
		d.objects = append(d.objects, o)
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// newObject reads the identity fields of a mapping. kind and apiVersion
// are required here because every later step dispatches on them; the schema
// checks the rest.
func newObject(doc *document, node *yaml.Node, item int, defaultNamespace string) (*object, error) {
	o := &object{doc: doc, node: kyaml.NewRNode(node), item: item}
	o.apiVersion = scalarField(node, "apiVersion")
	o.kind = scalarField(node, "kind")
	if meta := mapField(node, "metadata"); meta != nil {
		o.name = scalarField(meta, "name")
		o.namespace = scalarField(meta, "namespace")
	}
	if o.namespace == "" {
		o.namespace = defaultNamespace
	}
	if o.kind == "" {
		where := "document"
		if item > 0 {
			where = fmt.Sprintf("List item %d", item)
		}
		return nil, Problem{Document: doc.label(), Message: where + " has no kind", Fix: "every Kubernetes object needs apiVersion and kind"}
	}
	return o, nil
}

// decodeSingle parses data, which must hold at most one YAML document, and
// returns its root node, or nil when the document has no content.
func decodeSingle(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if hasEndMarker(data) {
		// yaml.Unmarshal reads only the first document and would miss one
		// that starts after "..." without "---"; the decoder reports it.
		if err := decodeOnlyDocument(data, &doc); err != nil {
			return nil, err
		}
	} else if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" && root.Value == "" {
		return nil, nil
	}
	return root, nil
}

// hasEndMarker reports whether a line of data starts with the "..."
// document end marker.
func hasEndMarker(data []byte) bool {
	return bytes.HasPrefix(data, []byte("...")) || bytes.Contains(data, []byte("\n..."))
}

func decodeOnlyDocument(data []byte, doc *yaml.Node) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(doc); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return errors.New(`a second document starts after a "..." end marker without "---"`)
	}
	return nil
}

// checkBytes rejects input that YAML parsers disagree on or that Helm never
// produces, with a message that names the byte.
func checkBytes(data []byte) error {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return errors.New("document starts with a UTF-8 byte order mark; remove it")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fmt.Errorf("NUL byte at line %d; the input is binary or corrupted", lineOf(data, i))
	}
	if !utf8.Valid(data) {
		i := firstInvalidUTF8(data)
		return fmt.Errorf("invalid UTF-8 at line %d; YAML input must be UTF-8", lineOf(data, i))
	}
	return nil
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

func lineOf(data []byte, offset int) int {
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// describeYAMLError rewords the parser's message where it is known to
// mislead, such as a tab in indentation.
func describeYAMLError(err error, data []byte) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	for i, line := range bytes.Split(data, []byte("\n")) {
		trimmed := bytes.TrimLeft(line, " ")
		if len(trimmed) > 0 && trimmed[0] == '\t' {
			return fmt.Sprintf("tab character in the indentation of line %d (YAML allows only spaces): %s", i+1, msg)
		}
	}
	return msg
}

// checkTree walks the tree once to reject duplicate mapping keys, nesting
// beyond maxDepth and alias expansion beyond maxAliasExpansion.
func checkTree(root *yaml.Node) error {
	budget := maxAliasExpansion
	return walkCheck(root, 0, &budget, false)
}

func walkCheck(n *yaml.Node, depth int, budget *int, inAlias bool) error {
	if depth > maxDepth {
		return fmt.Errorf("nesting deeper than %d levels at line %d", maxDepth, n.Line)
	}
	if inAlias {
		*budget--
		if *budget < 0 {
			return fmt.Errorf("aliases expand to more than %d nodes; the document looks like an alias bomb", maxAliasExpansion)
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return fmt.Errorf("unknown alias at line %d", n.Line)
		}
		return walkCheck(n.Alias, depth+1, budget, true)
	case yaml.MappingNode:
		if err := checkDuplicateKeys(n); err != nil {
			return err
		}
	}
	for _, child := range n.Content {
		if err := walkCheck(child, depth+1, budget, inAlias); err != nil {
			return err
		}
	}
	return nil
}

func checkDuplicateKeys(n *yaml.Node) error {
	if len(n.Content) <= 16 {
		for i := 0; i < len(n.Content); i += 2 {
			for j := 0; j < i; j += 2 {
				if sameKey(n.Content[i], n.Content[j]) {
					return duplicateKeyError(n.Content[j], n.Content[i])
				}
			}
		}
		return nil
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		key := n.Content[i]
		if key.Kind != yaml.ScalarNode {
			continue
		}
		if first, ok := seen[key.Value]; ok {
			return duplicateKeyError(first, key)
		}
		seen[key.Value] = key
	}
	return nil
}

func sameKey(a, b *yaml.Node) bool {
	return a.Kind == yaml.ScalarNode && b.Kind == yaml.ScalarNode && a.Value == b.Value
}

func duplicateKeyError(first, again *yaml.Node) error {
	return fmt.Errorf("duplicate key %q at lines %d and %d; Kubernetes keeps only one of them", again.Value, first.Line, again.Line)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "bare scalar"
	case yaml.AliasNode:
		if n.Alias != nil {
			return kindName(n.Alias)
		}
		return "alias"
	}
	return "mapping"
}

// scalarField returns the value of a scalar field of a mapping, or "".
func scalarField(m *yaml.Node, key string) string {
	if v := fieldNode(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// mapField returns a field of a mapping when it is a mapping itself.
func mapField(m *yaml.Node, key string) *yaml.Node {
	if v := fieldNode(m, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	return nil
}

func fieldNode(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
