package render

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// fastParse parses the YAML that Helm charts nearly always render. That is
// block mappings and sequences, with keys and single-line scalars that are
// plain or quoted without escapes. It also covers literal block scalars
// ("|" and "|-"), empty values, "{}" and "[]" (also on the line after a
// key), one-line flow sequences of single-line scalars, whole-line comments
// and blank lines, all in ASCII with "\n" line ends. It returns the tree that yaml.v3 returns
// for the same text, with equal kinds, styles, tags, values and positions,
// but without comments. For anything else, invalid YAML included, it
// returns nil and the caller parses the document with yaml.v3, which also
// reports errors.
//
// yaml.v3 runs a general scanner and parser and allocates every node, tag
// and value separately. This parser reads each line once, cuts the values out
// of a single copy of the text and takes the nodes from one slab. On the
// benchmark stream it parses about four times faster (CPU profiles of
// BenchmarkRenderStream10kValidated before and after).
//
// Nodes without comments are enough for every use in this package except
// encoding a document anew, which finish does only after parsing it again
// with yaml.v3.
func fastParse(data []byte) *yaml.Node {
	if !fastParseEnabled {
		return nil
	}
	lines, ok := simpleText(data)
	if !ok {
		return nil
	}
	p := &fastParser{src: string(data), line: 1}
	// Content lines hold at most two or three nodes each, so twice the
	// line count fits most documents in one slab. Blank lines hold none,
	// which is why the first slab is capped and later ones grow with need.
	size := min(2*lines+2, maxFirstSlab)
	p.nodes = make([]yaml.Node, 0, size)
	p.children = make([]*yaml.Node, 0, size)
	if strings.HasPrefix(p.src, "---") {
		if len(p.src) > 3 && p.src[3] != '\n' {
			return nil
		}
		p.nextLine()
	}
	if !p.findContent() || p.col != 0 {
		return nil
	}
	root := p.block()
	if root == nil || p.has || root.Kind != yaml.MappingNode {
		return nil
	}
	return root
}

// Tests switch fastParse off to compare results with yaml.v3 alone, and
// encode every rewritten document anew to cover that path.
var (
	fastParseEnabled = true
	encodeAlways     = false
)

// maxFastDepth bounds the parser's recursion. Deeper documents go to
// yaml.v3, which checks nesting against maxDepth.
const maxFastDepth = 64

// maxFirstSlab caps the first node slab of a document: a document of blank
// lines would otherwise reserve memory for nodes it never has.
const maxFirstSlab = 4096

// maxKeyLength stays below the 1024 characters that YAML allows an
// implicit key, which yaml.v3 enforces.
const maxKeyLength = 1000

// fastParser reads a document line by line. The current content line
// starts at lineStart and ends at end, its "\n" or the end of the text.
// The next token starts at offset at, in the 0-based column col.
type fastParser struct {
	src       string
	lineStart int
	end       int
	line      int // 1-based number of the current line
	at        int
	col       int
	// has is false once no content line is left, and bad is set when a
	// "---" or "..." line ended the document.
	has      bool
	bad      bool
	depth    int
	nodes    []yaml.Node
	children []*yaml.Node
	stack    []*yaml.Node
}

// simpleText reports whether data has only printable ASCII, spaces and
// "\n", and counts its lines.
func simpleText(data []byte) (lines int, ok bool) {
	for _, b := range data {
		if b < ' ' || b > '~' {
			if b != '\n' {
				return 0, false
			}
			lines++
		}
	}
	return lines + 1, true
}

// nextLine moves to the start of the line after the current one.
func (p *fastParser) nextLine() {
	i := strings.IndexByte(p.src[p.lineStart:], '\n')
	if i < 0 {
		p.lineStart = len(p.src)
	} else {
		p.lineStart += i + 1
	}
	p.line++
}

// findContent moves to the first line at or after lineStart that is neither
// blank nor a comment, and sets at and col to its first character. A "---"
// or "..." marker line ends the subset.
func (p *fastParser) findContent() bool {
	for p.lineStart < len(p.src) {
		end := strings.IndexByte(p.src[p.lineStart:], '\n')
		if end < 0 {
			end = len(p.src)
		} else {
			end += p.lineStart
		}
		i := p.lineStart
		for i < end && p.src[i] == ' ' {
			i++
		}
		if i < end && p.src[i] != '#' {
			text := p.src[i:end]
			if i == p.lineStart && (strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...")) {
				p.bad = true
				p.has = false
				return false
			}
			p.end, p.at, p.col, p.has = end, i, i-p.lineStart, true
			return true
		}
		p.lineStart = end + 1
		p.line++
	}
	p.has = false
	return false
}

// advance finishes the current line and finds the next content line.
func (p *fastParser) advance() {
	p.lineStart = p.end + 1
	p.line++
	p.findContent()
}

func (p *fastParser) node(kind yaml.Kind, tag string, col int) *yaml.Node {
	if len(p.nodes) == cap(p.nodes) {
		// Nodes already handed out stay in the old slab.
		p.nodes = make([]yaml.Node, 0, max(64, cap(p.nodes)))
	}
	p.nodes = p.nodes[:len(p.nodes)+1]
	n := &p.nodes[len(p.nodes)-1]
	n.Kind, n.Tag, n.Line, n.Column = kind, tag, p.line, col+1
	return n
}

// content moves the children pushed since start from the stack into a
// slice of their own, whose capacity ends at its length so that an append
// by a filter copies it rather than overwriting a neighbour.
func (p *fastParser) content(start int) []*yaml.Node {
	items := p.stack[start:]
	n := len(items)
	if n == 0 {
		return nil
	}
	if cap(p.children)-len(p.children) < n {
		p.children = make([]*yaml.Node, 0, max(n, 64, cap(p.children)))
	}
	offset := len(p.children)
	p.children = append(p.children, items...)
	p.stack = p.stack[:start]
	return p.children[offset : offset+n : offset+n]
}

// block parses the mapping or sequence that starts at the current token.
func (p *fastParser) block() *yaml.Node {
	if p.depth++; p.depth > maxFastDepth {
		return nil
	}
	defer func() { p.depth-- }()
	if p.isDash() {
		return p.sequence()
	}
	return p.mapping()
}

// isDash reports whether the current token is a block sequence entry.
func (p *fastParser) isDash() bool {
	return p.src[p.at] == '-' && (p.at+1 == p.end || p.src[p.at+1] == ' ')
}

func (p *fastParser) mapping() *yaml.Node {
	col := p.col
	m := p.node(yaml.MappingNode, "!!map", col)
	start := len(p.stack)
	for {
		key, colon := p.key()
		if key == nil {
			return nil
		}
		value := p.value(col, colon)
		if value == nil {
			return nil
		}
		p.stack = append(p.stack, key, value)
		if !p.has {
			if p.bad {
				return nil
			}
			break
		}
		if p.col < col {
			break
		}
		if p.col > col || p.isDash() {
			return nil
		}
	}
	m.Content = p.content(start)
	return m
}

// keyLength returns the length of the key that starts at the current
// token and is followed by ":" and a space or the line end, or 0. The key
// is a plain word, or quoted without escapes, as in "helm.sh/hook".
func (p *fastParser) keyLength() int {
	i := p.at
	if i >= p.end {
		return 0
	}
	switch c := p.src[i]; {
	case c == '"' || c == '\'':
		n := quotedLength(p.src[i:p.end])
		if n == 0 {
			return 0
		}
		i += n
	case isKeyStart(c):
		for i < p.end && isKeyChar(p.src[i]) {
			i++
		}
	default:
		return 0
	}
	if i >= p.end || p.src[i] != ':' || (i+1 < p.end && p.src[i+1] != ' ') || i-p.at > maxKeyLength {
		return 0
	}
	return i - p.at
}

// key parses a key and returns it with the offset of its colon.
func (p *fastParser) key() (*yaml.Node, int) {
	n := p.keyLength()
	if n == 0 {
		return nil, 0
	}
	text := p.src[p.at : p.at+n]
	if text[0] == '"' || text[0] == '\'' {
		return p.quoted(text, p.col), p.at + n
	}
	k := p.node(yaml.ScalarNode, "", p.col)
	k.Value, k.Tag = text, plainTag(text)
	return k, p.at + n
}

// value parses the value of the key at column col whose colon is at the
// given offset, and moves past it.
func (p *fastParser) value(col, colon int) *yaml.Node {
	i := colon + 1
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	if i < p.end {
		if p.src[i] == '#' {
			return nil
		}
		p.at, p.col = i, i-p.lineStart
		return p.inline(col)
	}
	// Nothing follows the colon: the value is a collection on the next
	// lines, or empty. yaml.v3 places an empty value right after the colon.
	line, emptyCol := p.line, colon+1-p.lineStart
	p.advance()
	if p.has && p.col > col && (p.src[p.at] == '{' || p.src[p.at] == '[') {
		// Helm's toYaml of an empty map or list, as in "resources:" with
		// "{}" on the next line.
		return p.inline(col)
	}
	if p.has && (p.col > col || p.col == col && p.isDash()) {
		return p.block()
	}
	if p.bad {
		return nil
	}
	n := p.node(yaml.ScalarNode, "!!null", emptyCol)
	n.Line = line
	return n
}

// inline parses a scalar, "{}" or "[]" that fills the rest of the current
// line, as the value of a key or item at column col, and moves past it. A
// more indented line after it would continue a plain scalar, so it ends the
// subset.
func (p *fastParser) inline(col int) *yaml.Node {
	var n *yaml.Node
	if p.src[p.at] == '|' {
		n = p.literal(col)
	} else if n = p.scalar(); n != nil {
		p.advance()
	}
	if n == nil {
		return nil
	}
	if p.has && p.col > col {
		return nil
	}
	return n
}

func (p *fastParser) scalar() *yaml.Node {
	s := p.src[p.at:p.end]
	switch c := s[0]; c {
	case '"', '\'':
		n := quotedLength(s)
		if n == 0 || !onlySpaces(s[n:]) {
			return nil
		}
		return p.quoted(s[:n], p.col)
	case '{', '[':
		if c == '[' && len(s) > 1 && s[1] != ']' {
			return p.flowSequence()
		}
		if len(s) < 2 || s[1] != c+2 || !onlySpaces(s[2:]) {
			return nil
		}
		kind, tag := yaml.MappingNode, "!!map"
		if c == '[' {
			kind, tag = yaml.SequenceNode, "!!seq"
		}
		n := p.node(kind, tag, p.col)
		n.Style = yaml.FlowStyle
		return n
	}
	if !isPlainStart(s) {
		return nil
	}
	s = strings.TrimRight(s, " ")
	if s[len(s)-1] == ':' || strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return nil
	}
	n := p.node(yaml.ScalarNode, "", p.col)
	n.Value = s
	n.Tag = plainTag(n.Value)
	return n
}

// literal parses a literal block scalar whose "|" or "|-" header is the
// current token, as the value of a key or item at column col, and moves to
// the first content line after it. It leaves "|+", indentation indicators,
// blank lines with more spaces than the content's indentation and scalars
// that end the text without a line break to yaml.v3.
func (p *fastParser) literal(col int) *yaml.Node {
	header := p.src[p.at:p.end]
	strip := strings.HasPrefix(header, "|-")
	if strip {
		header = header[2:]
	} else {
		header = header[1:]
	}
	if !onlySpaces(header) {
		return nil
	}
	n := p.node(yaml.ScalarNode, "!!str", p.col)
	n.Style = yaml.LiteralStyle

	var b strings.Builder
	indent := -1    // the content's indentation, from its first line
	blank := 0      // empty lines since the last content line
	maxLeading := 0 // spaces of the longest empty line before the content
	pos, line := p.end+1, p.line+1
scan:
	for pos < len(p.src) {
		end := strings.IndexByte(p.src[pos:], '\n')
		if end < 0 {
			// A scalar that ends the text without a line break has no
			// final one in its value, so yaml.v3 reads it.
			return nil
		}
		end += pos
		spaces := 0
		for pos+spaces < end && p.src[pos+spaces] == ' ' {
			spaces++
		}
		switch {
		case pos+spaces == end:
			// Spaces beyond the indentation would be content.
			if indent >= 0 && spaces > indent {
				return nil
			}
			maxLeading = max(maxLeading, spaces)
			blank++
		case indent < 0 && spaces <= col, indent >= 0 && spaces < indent:
			// A line indented less ends the scalar.
			break scan
		default:
			if indent < 0 {
				if maxLeading > spaces {
					return nil
				}
				indent = spaces
			} else {
				b.WriteByte('\n')
			}
			for ; blank > 0; blank-- {
				b.WriteByte('\n')
			}
			b.WriteString(p.src[pos+indent : end])
		}
		pos, line = end+1, line+1
	}
	if indent < 0 {
		return nil
	}
	if !strip {
		b.WriteByte('\n')
	}
	n.Value = b.String()
	p.lineStart, p.line = pos, line
	p.findContent()
	return n
}

// flowSequence parses a one-line flow sequence of quoted scalars and
// plain words, such as ["sh", "-c"] or [get, list], that fills the rest of
// the current line.
func (p *fastParser) flowSequence() *yaml.Node {
	s := p.src[p.at:p.end]
	seq := p.node(yaml.SequenceNode, "!!seq", p.col)
	seq.Style = yaml.FlowStyle
	start := len(p.stack)
	i := 1
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return nil
		}
		var item *yaml.Node
		switch c := s[i]; c {
		case '"', '\'':
			n := quotedLength(s[i:])
			if n == 0 {
				return nil
			}
			item = p.quoted(s[i:i+n], p.col+i)
			i += n
		default:
			end := i
			for end < len(s) && (isKeyChar(s[end]) || s[end] == '+') {
				end++
			}
			if end == i || !isPlainStart(s[i:end]) {
				return nil
			}
			item = p.node(yaml.ScalarNode, "", p.col+i)
			item.Value = s[i:end]
			item.Tag = plainTag(item.Value)
			i = end
		}
		p.stack = append(p.stack, item)
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return nil
		}
		if s[i] == ']' {
			break
		}
		if s[i] != ',' {
			return nil
		}
		i++
	}
	if !onlySpaces(s[i+1:]) {
		return nil
	}
	seq.Content = p.content(start)
	return seq
}

func (p *fastParser) sequence() *yaml.Node {
	col := p.col
	seq := p.node(yaml.SequenceNode, "!!seq", col)
	start := len(p.stack)
	for {
		item := p.item(col)
		if item == nil {
			return nil
		}
		p.stack = append(p.stack, item)
		if !p.has {
			if p.bad {
				return nil
			}
			break
		}
		// A line at this column without a dash continues the mapping that
		// contains the sequence.
		if p.col < col || p.col == col && !p.isDash() {
			break
		}
		if p.col > col {
			return nil
		}
	}
	seq.Content = p.content(start)
	return seq
}

// item parses the sequence entry whose dash is the current token, at
// column col.
func (p *fastParser) item(col int) *yaml.Node {
	i := p.at + 1
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	if i == p.end {
		p.advance()
		if p.has && p.col > col {
			return p.block()
		}
		return nil
	}
	p.at, p.col = i, i-p.lineStart
	switch {
	case p.src[i] == '#' || p.isDash():
		return nil
	case p.keyLength() > 0:
		return p.block()
	}
	return p.inline(col)
}

// plainTag returns the tag that yaml.v3 resolves for a plain scalar. A
// scalar that starts with a letter, "/", "_", "$" or "(" is a string unless
// it is one of yaml.v3's words for booleans and null, none of them longer
// than five letters. Other scalars are resolved by yaml.v3 itself.
func plainTag(v string) string {
	switch c := v[0]; {
	case c == '/' || c == '_' || c == '$' || c == '(':
		return "!!str"
	case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		if len(v) > 5 || strings.IndexByte("nNtTfF", c) < 0 {
			return "!!str"
		}
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
}

// quotedLength returns the length, quotes included, of the quoted scalar at
// the start of s. It returns 0 for a scalar that is not closed on the line or
// has an escape ("\\" in double quotes, "”" in single quotes), which yaml.v3
// then reads.
func quotedLength(s string) int {
	c := s[0]
	end := strings.IndexByte(s[1:], c) + 1
	switch {
	case end == 0:
		return 0
	case c == '"' && strings.IndexByte(s[1:end], '\\') >= 0:
		return 0
	case c == '\'' && end+1 < len(s) && s[end+1] == '\'':
		return 0
	}
	return end + 1
}

// quoted returns the node of a quoted scalar without escapes, given with its
// quotes, that starts at column col of the current line.
func (p *fastParser) quoted(text string, col int) *yaml.Node {
	n := p.node(yaml.ScalarNode, "!!str", col)
	n.Value, n.Style = text[1:len(text)-1], yaml.DoubleQuotedStyle
	if text[0] == '\'' {
		n.Style = yaml.SingleQuotedStyle
	}
	return n
}

func onlySpaces(s string) bool {
	return strings.Trim(s, " ") == ""
}

func isKeyStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '/' || c == '$'
}

func isKeyChar(c byte) bool {
	return isKeyStart(c) || c == '-'
}

// isPlainStart reports whether a plain scalar may start s: no indicator
// character that would make it something else, or change how yaml.v3
// reads it.
func isPlainStart(s string) bool {
	c := s[0]
	if c == '-' {
		return len(s) > 1 && s[1] != ' '
	}
	return isKeyStart(c) || c == '(' || c == '+'
}
