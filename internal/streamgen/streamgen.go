// Package streamgen builds large YAML streams for benchmarks by repeating
// one rendered chart, with every copy's objects in a namespace and under
// names of their own.
package streamgen

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Repeat returns whole copies of template until the stream has at least n
// documents: ceil(n / d) copies, where d is the number of documents in
// template. The stream has exactly n documents when d divides n, and never
// ends inside a copy. It also returns the number of documents written.
//
// Copy i (1-based) gets the suffix "-0001" for i = 1, zero-padded to at
// least four digits. The suffix is appended to every top-level
// metadata.name, every metadata.namespace, every serviceAccountName and
// every name under configMapRef or secretRef, so a Deployment in copy i
// names the ServiceAccount, ConfigMap and Secret of copy i in the namespace
// of copy i. Container names, labels and selectors stay as they are.
//
// The rewrite works on lines and expects Helm's block style: "key: value"
// lines with two-space indentation under a top-level "metadata:" line.
func Repeat(template []byte, n int) ([]byte, int, error) {
	if n < 1 {
		return nil, 0, fmt.Errorf("invalid document count %d: it must be at least 1", n)
	}
	docs := splitDocuments(template)
	if len(docs) == 0 {
		return nil, 0, errors.New("the template contains no YAML documents")
	}
	copies := (n + len(docs) - 1) / len(docs)
	width := max(4, len(strconv.Itoa(copies)))

	var out bytes.Buffer
	out.Grow(copies * (len(template) + 16*len(docs)))
	for i := 1; i <= copies; i++ {
		suffix := fmt.Sprintf("-%0*d", width, i)
		for _, doc := range docs {
			out.WriteString("---\n")
			rewriteDocument(&out, doc, suffix)
		}
	}
	return out.Bytes(), copies * len(docs), nil
}

// splitDocuments cuts a stream at its "---" lines and returns the documents
// that contain anything besides blank lines, without their "---" line.
func splitDocuments(stream []byte) [][]byte {
	var docs [][]byte
	var current [][]byte
	flush := func() {
		for _, line := range current {
			if len(bytes.TrimSpace(line)) > 0 {
				docs = append(docs, bytes.Join(current, nil))
				break
			}
		}
		current = nil
	}
	for _, line := range splitLines(stream) {
		if isDocumentStart(line) {
			flush()
			continue
		}
		current = append(current, line)
	}
	flush()
	return docs
}

// splitLines cuts data after every newline. The last line may lack one.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1])
		data = data[i+1:]
	}
	return lines
}

func isDocumentStart(line []byte) bool {
	trimmed := bytes.TrimRight(line, "\r\n")
	return bytes.Equal(trimmed, []byte("---")) || bytes.HasPrefix(trimmed, []byte("--- "))
}

// rewriteDocument writes doc to out with suffix appended to the names and
// namespaces described at Repeat.
func rewriteDocument(out *bytes.Buffer, doc []byte, suffix string) {
	inMetadata := false
	var previous []byte
	for _, line := range splitLines(doc) {
		trimmed := bytes.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if indent == 0 && len(bytes.TrimSpace(line)) > 0 && trimmed[0] != '#' {
			inMetadata = bytes.HasPrefix(line, []byte("metadata:"))
		}

		rewrite := false
		switch {
		case inMetadata && indent == 2 && (hasKey(trimmed, "name") || hasKey(trimmed, "namespace")):
			rewrite = true
		case hasKey(trimmed, "serviceAccountName"):
			rewrite = true
		case hasKey(trimmed, "name") && isReferenceParent(previous):
			rewrite = true
		}
		if rewrite {
			line = appendToValue(line, suffix)
		}
		out.Write(line)
		if len(bytes.TrimSpace(line)) > 0 {
			previous = line
		}
	}
	if len(doc) > 0 && doc[len(doc)-1] != '\n' {
		out.WriteByte('\n')
	}
}

// hasKey reports whether a line, without its indentation, is "key: value".
func hasKey(trimmed []byte, key string) bool {
	return bytes.HasPrefix(trimmed, []byte(key+": "))
}

// isReferenceParent reports whether line opens a configMapRef or secretRef
// mapping, whose name field names an object of the same copy.
func isReferenceParent(line []byte) bool {
	trimmed := bytes.TrimSpace(line)
	trimmed = bytes.TrimPrefix(trimmed, []byte("- "))
	return bytes.Equal(trimmed, []byte("configMapRef:")) || bytes.Equal(trimmed, []byte("secretRef:"))
}

// appendToValue appends suffix to the scalar value of a "key: value" line,
// inside the quotes when the value is quoted.
func appendToValue(line []byte, suffix string) []byte {
	body := bytes.TrimRight(line, "\r\n")
	eol := line[len(body):]
	valueStart := bytes.Index(body, []byte(": ")) + 2
	value := bytes.TrimRight(body[valueStart:], " ")
	if len(value) == 0 {
		return line
	}

	var b bytes.Buffer
	b.Write(body[:valueStart])
	if last := value[len(value)-1]; len(value) >= 2 && (last == '"' || last == '\'') && value[0] == last {
		b.Write(value[:len(value)-1])
		b.WriteString(suffix)
		b.WriteByte(last)
	} else {
		b.Write(value)
		b.WriteString(suffix)
	}
	b.Write(eol)
	return b.Bytes()
}
