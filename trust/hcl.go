package trust

import "strings"

// hclValue is an HCL expression that hclWriter can write at an indentation level.
type hclValue interface {
	// multiline reports whether the value spans several lines, which takes
	// its attribute out of the '=' alignment that terraform fmt applies.
	multiline() bool
	write(w *hclWriter, indent int)
}

// hclText is an expression already written on one line, such as a quoted string.
type hclText string

// hclObject is an object constructor; its items keep their order.
type hclObject []hclItem

type hclItem struct {
	key   string
	value hclValue
}

// hclList is a tuple constructor with one element per line.
type hclList []hclValue

// hclCall is a function call with one argument, such as jsonencode({...}).
type hclCall struct {
	name     string
	argument hclValue
}

type hclWriter struct {
	out strings.Builder
}

func (t hclText) multiline() bool { return false }

func (t hclText) write(w *hclWriter, _ int) { w.out.WriteString(string(t)) }

func (o hclObject) multiline() bool { return len(o) > 0 }

func (o hclObject) write(w *hclWriter, indent int) {
	if len(o) == 0 {
		w.out.WriteString("{}")
		return
	}
	w.out.WriteString("{\n")
	w.writeItems(indent+1, o)
	w.writeIndent(indent)
	w.out.WriteString("}")
}

func (l hclList) multiline() bool { return len(l) > 0 }

func (l hclList) write(w *hclWriter, indent int) {
	if len(l) == 0 {
		w.out.WriteString("[]")
		return
	}
	w.out.WriteString("[\n")
	for _, element := range l {
		w.writeIndent(indent + 1)
		element.write(w, indent+1)
		w.out.WriteString(",\n")
	}
	w.writeIndent(indent)
	w.out.WriteString("]")
}

func (c hclCall) multiline() bool { return c.argument.multiline() }

func (c hclCall) write(w *hclWriter, indent int) {
	w.out.WriteString(c.name + "(")
	c.argument.write(w, indent)
	w.out.WriteString(")")
}

// writeItems writes one attribute per line. As terraform fmt does, it aligns
// the '=' of consecutive one-line attributes and leaves an attribute whose
// value spans several lines unaligned.
func (w *hclWriter) writeItems(indent int, items []hclItem) {
	for start := 0; start < len(items); {
		end := start
		width := 0
		for end < len(items) && !items[end].value.multiline() {
			width = max(width, len(hclKey(items[end].key)))
			end++
		}
		if end == start {
			end = start + 1
		}
		for _, item := range items[start:end] {
			key := hclKey(item.key)
			w.writeIndent(indent)
			w.out.WriteString(key)
			w.out.WriteString(strings.Repeat(" ", max(width-len(key), 0)))
			w.out.WriteString(" = ")
			item.value.write(w, indent)
			w.out.WriteString("\n")
		}
		start = end
	}
}

func (w *hclWriter) writeIndent(indent int) {
	w.out.WriteString(strings.Repeat("  ", indent))
}
