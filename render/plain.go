package render

import (
	"bytes"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// A plain document uses only the YAML that the patch writer models exactly:
// block collections, single-line scalars that are not empty, "{}" and "[]",
// comments and blank lines, with "\n" or "\r\n" line ends. The patch
// writer's edits of a plain document are exact, so the patched text is not
// parsed again. Other documents are parsed again and, on a mismatch,
// encoded anew.

// checkPlainPatches makes the patch writer check plain documents too and
// panic when a check fails. Tests and fuzz targets set it, so that the
// claim above keeps being tested.
var checkPlainPatches = false

// isPlain reports whether the document whose tree is root and whose text
// is data is plain.
func isPlain(root *yaml.Node, data []byte) bool {
	if hasOtherLineBreaks(data) {
		return false
	}
	lines := lineStarts(data)
	var prevScalar *yaml.Node
	plain := true
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if !plain {
			return
		}
		if n.Anchor != "" || n.Kind == yaml.AliasNode || n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 ||
			(n.Style&yaml.FlowStyle != 0 && !isEmptyFlowToken(data, lines, n)) {
			plain = false
			return
		}
		if prevScalar != nil && !onlyCommentsBetween(data, lines, prevScalar.Line, n.Line) {
			plain = false
			return
		}
		prevScalar = nil
		if n.Kind == yaml.ScalarNode {
			// The parser places an empty value at the next token, which may
			// be on a later line, so its position is no place to edit.
			if n.Value == "" && n.Style == 0 {
				plain = false
				return
			}
			prevScalar = n
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	if plain && prevScalar != nil {
		plain = onlyCommentsBetween(data, lines, prevScalar.Line, len(lines)+1)
	}
	return plain
}

// isEmptyFlowToken reports whether a flow collection is written as "{}" or
// "[]" on one line.
func isEmptyFlowToken(data []byte, starts []int, n *yaml.Node) bool {
	if len(n.Content) > 0 || n.Line < 1 || n.Line > len(starts) {
		return false
	}
	off := starts[n.Line-1]
	for c := 1; c < n.Column; c++ {
		if off >= len(data) || data[off] == '\n' {
			return false
		}
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return bytes.HasPrefix(data[off:], []byte("{}")) || bytes.HasPrefix(data[off:], []byte("[]"))
}

// hasOtherLineBreaks reports whether data breaks lines with anything but
// "\n" and "\r\n": a lone "\r", or the NEL, LS and PS characters that the
// YAML parser also reads as line breaks.
func hasOtherLineBreaks(data []byte) bool {
	for i := bytes.IndexByte(data, '\r'); i >= 0; {
		if i+1 >= len(data) || data[i+1] != '\n' {
			return true
		}
		next := bytes.IndexByte(data[i+1:], '\r')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return bytes.Contains(data, []byte("\u0085")) || bytes.Contains(data, []byte("\u2028")) || bytes.Contains(data, []byte("\u2029"))
}

// lineStarts returns the byte offset of the start of each line.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// onlyCommentsBetween reports whether the lines strictly between the
// 1-based lines from and to are blank, comments or a "..." end marker, so
// that the scalar on line from does not go on over them.
func onlyCommentsBetween(data []byte, starts []int, from, to int) bool {
	for l := from + 1; l < to && l <= len(starts); l++ {
		end := len(data)
		if l < len(starts) {
			end = starts[l]
		}
		text := bytes.TrimSpace(data[starts[l-1]:end])
		if len(text) == 0 || text[0] == '#' || bytes.Equal(text, []byte("...")) {
			continue
		}
		return false
	}
	return true
}
