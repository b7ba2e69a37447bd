package render

import (
	"bytes"

	yaml "go.yaml.in/yaml/v3"
)

// encodeDocument encodes a rewritten document anew, for changes the patch
// writer cannot express as text edits. Comments survive as the YAML encoder
// places them; flow collections, as in a JSON document, become blocks. A
// document with CRLF line ends keeps them, so that the stream does not mix
// line ends; YAML reads either as the same line break, in scalars too.
func encodeDocument(seg []byte, root *yaml.Node) ([]byte, error) {
	setBlockStyle(root)
	text, err := encodeNode(root)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if isDocumentStart(firstLine(seg)) {
		b.WriteString("---\n")
	}
	b.WriteString(text)
	if bytes.Contains(seg, []byte("\r\n")) {
		return bytes.ReplaceAll(b.Bytes(), []byte("\n"), []byte("\r\n")), nil
	}
	return b.Bytes(), nil
}

func firstLine(data []byte) []byte {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i+1]
	}
	return data
}

func setBlockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
	for _, c := range n.Content {
		setBlockStyle(c)
	}
}
