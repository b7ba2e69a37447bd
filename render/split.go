package render

import (
	"bytes"
)

// segment is one document of a YAML stream as it appeared in the input: the
// bytes from the start of its "---" line (or the stream start) up to the start
// of the next "---" line. Concatenating every segment gives back the input.
type segment struct {
	data []byte
	// index is the 1-based position of the segment in the stream.
	index int
	// line is the 1-based line in the stream where the segment starts.
	line int
}

// splitStream cuts a YAML stream at its document start markers. A marker is a
// line that starts with "---" followed by the end of the line, a space or a
// tab. YAML forbids such a line inside a document's content, so no scalar is
// ever cut in two.
func splitStream(data []byte) []segment {
	var segments []segment
	start, startLine, line := 0, 1, 1
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		if pos > start && isDocumentStart(data[pos:next]) {
			segments = append(segments, segment{data: data[start:pos], index: len(segments) + 1, line: startLine})
			start, startLine = pos, line
		}
		pos = next
		line++
	}
	if start < len(data) {
		segments = append(segments, segment{data: data[start:], index: len(segments) + 1, line: startLine})
	}
	return segments
}

// isDocumentStart reports whether line is a "---" document start marker.
func isDocumentStart(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	if len(line) == 3 {
		return true
	}
	switch line[3] {
	case '\n', '\r', ' ', '\t':
		return true
	}
	return false
}
