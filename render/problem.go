package render

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with the input stream, tied to the document and
// object it was found in, with what to do about it.
type Problem struct {
	// Document names the document: its "# Source:" path, or "document N".
	Document string
	// Object is "Kind namespace/name", or "" when the document has no object.
	Object string
	// Message describes what is wrong.
	Message string
	// Fix is the next step for the user; it may be empty.
	Fix string
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.Document)
	if p.Object != "" {
		b.WriteString(": ")
		b.WriteString(p.Object)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString("; ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// Problems is every problem of one run, in stream order. The post-renderer
// reports all of them at once so that one run shows everything to fix.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Warning is a condition the output is still correct with, but which the user
// should know about.
type Warning struct {
	Document string
	Object   string
	Message  string
}

func (w Warning) String() string {
	if w.Document == "" {
		return w.Message
	}
	if w.Object == "" {
		return fmt.Sprintf("%s: %s", w.Document, w.Message)
	}
	return fmt.Sprintf("%s: %s: %s", w.Document, w.Object, w.Message)
}
