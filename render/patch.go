package render

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// The patch writer turns a rewritten tree back into text by editing the
// original bytes where the tree changed, so that everything the filters did
// not touch (comments, quoting, indentation, blank lines) stays as it was.
// It supports the changes the filters make: a scalar whose value changed,
// keys added at the end of a mapping and items added at the end of a
// sequence. An empty flow collection ("{}", "[]") or a null value that
// gained content becomes a block. For anything else, or when the patched
// text does not parse back into the rewritten tree, the document is encoded
// anew (see encodeDocument).

var errUnsupportedEdit = errors.New("change cannot be written as a text edit")

// edit replaces data[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// patcher computes edits for one document.
type patcher struct {
	data  []byte
	lines []int // byte offset of the start of each line; lines[0] is line 1
	eol   string
	edits []edit
}

func newPatcher(data []byte) *patcher {
	p := &patcher{data: data, lines: []int{0}, eol: "\n"}
	for i, b := range data {
		if b == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	if bytes.Contains(data, []byte("\r\n")) {
		p.eol = "\r\n"
	}
	return p
}

// patchDocument returns data with the differences between before (a copy of
// the tree as parsed from data) and after (the rewritten tree) applied.
//
// A document that is not plain (see isPlain) is parsed again after the
// edits and must hold exactly the rewritten tree.
func patchDocument(data []byte, before, after *yaml.Node) ([]byte, error) {
	p := newPatcher(data)
	if err := p.diff(before, after, 0); err != nil {
		return nil, err
	}
	out := p.apply()
	switch {
	case !isPlain(before, data):
		if err := verifyPatch(out, after); err != nil {
			return nil, err
		}
	case checkPlainPatches:
		if err := verifyPatch(out, after); err != nil {
			panic("patch of a plain document does not parse back into the rewritten tree:\n" + string(out))
		}
	}
	return out, nil
}

func (p *patcher) apply() []byte {
	sort.SliceStable(p.edits, func(i, j int) bool { return p.edits[i].start < p.edits[j].start })
	var b bytes.Buffer
	b.Grow(len(p.data) + 256)
	last := 0
	for _, e := range p.edits {
		b.Write(p.data[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(p.data[last:])
	return b.Bytes()
}

// diff walks both trees side by side. indent is the column (0-based) of the
// key or dash that owns the node, used when an empty flow collection turns
// into a block.
func (p *patcher) diff(before, after *yaml.Node, indent int) error {
	if before.Kind == yaml.ScalarNode && before.ShortTag() == "!!null" &&
		(after.Kind == yaml.MappingNode || after.Kind == yaml.SequenceNode) {
		return p.expandNull(before, after, indent)
	}
	if before.Kind != after.Kind {
		return errUnsupportedEdit
	}
	switch before.Kind {
	case yaml.ScalarNode:
		if before.Value == after.Value && before.ShortTag() == after.ShortTag() {
			return nil
		}
		return p.replaceScalar(before, after)
	case yaml.MappingNode:
		return p.diffCollection(before, after, indent, 2)
	case yaml.SequenceNode:
		return p.diffCollection(before, after, indent, 1)
	case yaml.AliasNode:
		if before.Value != after.Value {
			return errUnsupportedEdit
		}
		return nil
	}
	return errUnsupportedEdit
}

// diffCollection compares mappings (step 2, key and value) or sequences
// (step 1): the common prefix must match and extra entries must be at the end.
func (p *patcher) diffCollection(before, after *yaml.Node, indent, step int) error {
	if len(after.Content) < len(before.Content) {
		return errUnsupportedEdit
	}
	for i := 0; i < len(before.Content); i += step {
		if step == 2 {
			if before.Content[i].Value != after.Content[i].Value {
				return errUnsupportedEdit
			}
			if err := p.diff(before.Content[i+1], after.Content[i+1], before.Content[i].Column-1); err != nil {
				return err
			}
			continue
		}
		if err := p.diff(before.Content[i], after.Content[i], p.dashColumn(before.Content[i])); err != nil {
			return err
		}
	}
	added := after.Content[len(before.Content):]
	if len(added) == 0 {
		return nil
	}
	if before.Style&yaml.FlowStyle != 0 {
		return p.expandEmptyFlow(before, added, indent)
	}
	return p.appendBlock(before, added, step)
}

// appendBlock inserts new entries after the last entry of a block collection.
func (p *patcher) appendBlock(before *yaml.Node, added []*yaml.Node, step int) error {
	lastStart := before.Content[len(before.Content)-step]
	col := lastStart.Column - 1
	if step == 1 {
		col = p.dashColumn(lastStart)
	}
	if col < 0 {
		return errUnsupportedEdit
	}
	seqAtCol := false
	if step == 2 {
		last := before.Content[len(before.Content)-1]
		seqAtCol = last.Kind == yaml.SequenceNode && last.Style&yaml.FlowStyle == 0 &&
			len(last.Content) > 0 && p.dashColumn(last.Content[0]) == col
	}
	line := p.blockEnd(lastStart.Line, col, seqAtCol)
	text, err := encodeEntries(added, step)
	if err != nil {
		return err
	}
	offset := len(p.data)
	prefix := ""
	if line < len(p.lines) {
		offset = p.lines[line]
	} else if len(p.data) > 0 && p.data[len(p.data)-1] != '\n' {
		prefix = p.eol
	}
	p.edits = append(p.edits, edit{start: offset, end: offset, text: prefix + p.indentText(text, col)})
	return nil
}

// blockEnd returns the 1-based number of the last line that belongs to the
// entry starting at startLine in a block collection whose entries start at
// column col. Lines indented deeper belong to it; blank lines and comments
// at or left of col are left to whatever follows.
func (p *patcher) blockEnd(startLine, col int, seqAtCol bool) int {
	last := startLine
	for l := startLine + 1; l <= len(p.lines); l++ {
		text := p.line(l)
		trimmed := strings.TrimLeft(text, " ")
		if strings.TrimSpace(trimmed) == "" {
			continue
		}
		ind := len(text) - len(trimmed)
		if ind > col {
			last = l
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if seqAtCol && ind == col && (trimmed == "-" || strings.HasPrefix(trimmed, "- ")) {
			last = l
			continue
		}
		break
	}
	return last
}

// expandEmptyFlow turns "{}" or "[]" into a block holding the new entries.
func (p *patcher) expandEmptyFlow(before *yaml.Node, added []*yaml.Node, indent int) error {
	if len(before.Content) != 0 {
		return errUnsupportedEdit
	}
	start, ok := p.offset(before.Line, before.Column)
	if !ok || start+2 > len(p.data) {
		return errUnsupportedEdit
	}
	token := string(p.data[start : start+2])
	step := 2
	if before.Kind == yaml.SequenceNode {
		step = 1
	}
	if (step == 2 && token != "{}") || (step == 1 && token != "[]") {
		return errUnsupportedEdit
	}
	return p.replaceWithBlock(start, start+2, added, step, indent)
}

// expandNull turns a null value ("key:" with nothing after it, "~" or
// "null") into a block holding the entries of the collection that replaced
// it.
func (p *patcher) expandNull(before, after *yaml.Node, indent int) error {
	if len(after.Content) == 0 || before.Anchor != "" || before.Style != 0 {
		return errUnsupportedEdit
	}
	step := 2
	if after.Kind == yaml.SequenceNode {
		step = 1
	}
	start, ok := p.offset(before.Line, before.Column)
	if !ok {
		return errUnsupportedEdit
	}

	if before.Value != "" {
		end := start + len(before.Value)
		if end > len(p.data) || string(p.data[start:end]) != before.Value {
			return errUnsupportedEdit
		}
		return p.replaceWithBlock(start, end, after.Content, step, indent)
	}
	// An empty value sits right after the colon. The block goes at the end
	// of the line, after any comment, and trailing spaces go.
	lineEnd := len(p.data)
	if i := bytes.IndexByte(p.data[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	if lineEnd > start && p.data[lineEnd-1] == '\r' {
		lineEnd--
	}
	rest := bytes.TrimLeft(p.data[start:lineEnd], " \t")
	if len(rest) > 0 && rest[0] != '#' {
		return errUnsupportedEdit
	}

	insertAt := lineEnd
	if len(rest) == 0 {
		insertAt = start
	}
	text, err := encodeEntries(after.Content, step)
	if err != nil {
		return err
	}
	block := strings.TrimSuffix(p.indentText(text, indent+2), p.eol)
	p.edits = append(p.edits, edit{start: insertAt, end: lineEnd, text: p.eol + block})
	return nil
}

// replaceWithBlock replaces data[start:end], a token after a key or a dash,
// with the entries as a block indented two columns deeper than indent. The
// spaces before the token go too. A token alone on its line is replaced by
// the block's first line; otherwise the block starts on a new line.
func (p *patcher) replaceWithBlock(start, end int, added []*yaml.Node, step, indent int) error {
	text, err := encodeEntries(added, step)
	if err != nil {
		return err
	}
	for start > 0 && p.data[start-1] == ' ' {
		start--
	}
	block := strings.TrimSuffix(p.indentText(text, indent+2), p.eol)
	if start > 0 && p.data[start-1] != '\n' {
		block = p.eol + block
	}
	p.edits = append(p.edits, edit{start: start, end: end, text: block})
	return nil
}

// replaceScalar rewrites a single-line scalar token in its original style.
func (p *patcher) replaceScalar(before, after *yaml.Node) error {
	start, ok := p.offset(before.Line, before.Column)
	if !ok {
		return errUnsupportedEdit
	}
	end, ok := p.scalarEnd(start, before.Style)
	if !ok {
		return errUnsupportedEdit
	}
	text, err := encodeScalar(after, before.Style)
	if err != nil {
		return err
	}
	// An empty value right after "key:" or "-" needs a space before the
	// new one, or the two would read as one plain scalar.
	if start == end && start > 0 && (p.data[start-1] == ':' || p.data[start-1] == '-') {
		text = " " + text
	}
	p.edits = append(p.edits, edit{start: start, end: end, text: text})
	return nil
}

// scalarEnd finds the end of a scalar token that starts at offset start and
// ends on the same line. Multi-line and block scalars are not supported.
func (p *patcher) scalarEnd(start int, style yaml.Style) (int, bool) {
	lineEnd := bytes.IndexByte(p.data[start:], '\n')
	if lineEnd < 0 {
		lineEnd = len(p.data)
	} else {
		lineEnd += start
	}
	rest := p.data[start:lineEnd]
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return start + i + 1, true
			}
		}
		return 0, false
	case style&yaml.SingleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			if rest[i] != '\'' {
				continue
			}
			if i+1 < len(rest) && rest[i+1] == '\'' {
				i++
				continue
			}
			return start + i + 1, true
		}
		return 0, false
	case style&(yaml.LiteralStyle|yaml.FoldedStyle|yaml.FlowStyle) != 0:
		return 0, false
	}
	end := len(rest)
	if i := bytes.Index(rest, []byte(" #")); i >= 0 {
		end = i
	}
	trimmed := bytes.TrimRight(rest[:end], " \t\r")
	// A plain scalar that goes on over the next lines is left to the encoder.
	if next := lineEnd + 1; end == len(rest) && next < len(p.data) && continuesPlainScalar(p.data[next:]) {
		return 0, false
	}
	return start + len(trimmed), true
}

// continuesPlainScalar reports whether the text after a plain scalar's line
// may continue it. It is conservative: any next line that is not blank, a
// comment, a "key:", a sequence item or a document marker counts, and the
// document is then encoded anew instead of patched.
func continuesPlainScalar(following []byte) bool {
	if nl := bytes.IndexByte(following, '\n'); nl >= 0 {
		following = following[:nl]
	}
	trimmed := bytes.TrimSpace(following)
	switch {
	case len(trimmed) == 0, trimmed[0] == '#', trimmed[0] == '-', bytes.HasPrefix(trimmed, []byte("...")):
		return false
	}
	return !bytes.Contains(trimmed, []byte(": ")) && !bytes.HasSuffix(trimmed, []byte(":"))
}

// offset converts a 1-based line and column (counted in characters, as the
// YAML parser counts them) into a byte offset.
func (p *patcher) offset(line, column int) (int, bool) {
	if line < 1 || line > len(p.lines) || column < 1 {
		return 0, false
	}
	off := p.lines[line-1]
	for c := 1; c < column; c++ {
		if off >= len(p.data) || p.data[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(p.data[off:])
		off += size
	}
	return off, true
}

func (p *patcher) line(n int) string {
	start := p.lines[n-1]
	end := len(p.data)
	if n < len(p.lines) {
		end = p.lines[n]
	}
	return strings.TrimRight(string(p.data[start:end]), "\r\n")
}

// dashColumn returns the 0-based column of the "-" that introduces a block
// sequence item, or -1 when there is none on the item's line.
func (p *patcher) dashColumn(item *yaml.Node) int {
	start, ok := p.offset(item.Line, item.Column)
	if !ok {
		return -1
	}
	lineStart := p.lines[item.Line-1]
	for i := start - 1; i >= lineStart; i-- {
		switch p.data[i] {
		case ' ':
			continue
		case '-':
			return i - lineStart
		}
		return -1
	}
	return -1
}

// indentText prefixes every line of text with col spaces and uses the
// document's line ending.
func (p *patcher) indentText(text string, col int) string {
	pad := strings.Repeat(" ", col)
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		if strings.TrimSpace(l) != "" {
			b.WriteString(pad)
		}
		b.WriteString(strings.TrimSuffix(l, "\n"))
		b.WriteString(p.eol)
	}
	return b.String()
}

// encodeEntries encodes mapping pairs (step 2) or sequence items (step 1)
// as a block at column 0.
func encodeEntries(added []*yaml.Node, step int) (string, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: added}
	if step == 1 {
		n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: added}
	}
	return encodeNode(n)
}

// encodeScalar encodes one scalar in the given quoting style. A plain style
// that would change the value's type is quoted by the encoder.
func encodeScalar(n *yaml.Node, style yaml.Style) (string, error) {
	s := &yaml.Node{Kind: yaml.ScalarNode, Tag: n.Tag, Value: n.Value, Style: style & (yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle)}
	text, err := encodeNode(s)
	if err != nil {
		return "", err
	}
	text = strings.TrimSuffix(text, "\n")
	if strings.Contains(text, "\n") {
		return "", errUnsupportedEdit
	}
	return text, nil
}

// encodeNode encodes n with an indent of 2, as yaml.v3's encoder does.
func encodeNode(n *yaml.Node) (string, error) {
	if text, ok := encodeSimple(n); ok {
		return text, nil
	}
	return encodeWithEncoder(n)
}

func encodeWithEncoder(n *yaml.Node) (string, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// verifyPatch parses the patched text and checks that it holds exactly the
// rewritten tree.
func verifyPatch(out []byte, want *yaml.Node) error {
	got, err := decodeSingle(out)
	if err != nil || got == nil {
		return errUnsupportedEdit
	}
	if !sameTree(want, got) {
		return errUnsupportedEdit
	}
	return nil
}

// sameTree compares the data of two trees: kinds, values, resolved tags and
// order, ignoring styles, comments and positions.
func sameTree(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode:
		return a.Value == b.Value && a.ShortTag() == b.ShortTag()
	case yaml.AliasNode:
		return a.Value == b.Value
	}
	for i := range a.Content {
		if !sameTree(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// copyTree returns a deep copy of a tree, aliases pointing into the copy.
// A tree without aliases, the usual case, is copied into two slabs.
func copyTree(n *yaml.Node) *yaml.Node {
	count, aliases := countNodes(n)
	if aliases {
		return copyTreeWithAliases(n)
	}
	c := treeCopier{nodes: make([]yaml.Node, 0, count), children: make([]*yaml.Node, 0, count)}
	return c.copy(n)
}

// countNodes counts the nodes of a tree and reports whether it has aliases.
func countNodes(n *yaml.Node) (count int, aliases bool) {
	count = 1
	if n.Kind == yaml.AliasNode || n.Alias != nil {
		return count, true
	}
	for _, child := range n.Content {
		c, a := countNodes(child)
		if a {
			return 0, true
		}
		count += c
	}
	return count, false
}

// treeCopier copies a tree without aliases into preallocated slabs.
type treeCopier struct {
	nodes    []yaml.Node
	children []*yaml.Node
}

func (c *treeCopier) copy(n *yaml.Node) *yaml.Node {
	c.nodes = append(c.nodes, *n)
	dup := &c.nodes[len(c.nodes)-1]
	if len(n.Content) > 0 {
		start := len(c.children)
		c.children = append(c.children, n.Content...)
		content := c.children[start:len(c.children):len(c.children)]
		for i, child := range n.Content {
			content[i] = c.copy(child)
		}
		dup.Content = content
	} else if n.Content != nil {
		// An empty slice may still share its array with the original.
		dup.Content = n.Content[:0:0]
	}
	return dup
}

func copyTreeWithAliases(n *yaml.Node) *yaml.Node {
	copies := map[*yaml.Node]*yaml.Node{}
	var walk func(*yaml.Node) *yaml.Node
	walk = func(n *yaml.Node) *yaml.Node {
		if n == nil {
			return nil
		}
		if c, ok := copies[n]; ok {
			return c
		}
		c := *n
		copies[n] = &c
		if len(n.Content) > 0 {
			c.Content = make([]*yaml.Node, len(n.Content))
			for i, child := range n.Content {
				c.Content[i] = walk(child)
			}
		}
		c.Alias = walk(n.Alias)
		return &c
	}
	return walk(n)
}
