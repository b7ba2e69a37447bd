package render

import (
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func TestIsPlain(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "block collections", in: "a: 1\nb:\n  - x\n  - y: \"z\"\nc: {}\n", want: true},
		{name: "comments between", in: "a: 1\n# note\n\nb: 2\n  # indented\nc: 3\n", want: true},
		{name: "end marker", in: "a: 1\n...\n", want: true},
		{name: "literal block scalar", in: "a: |\n  x\nb: 2\n", want: false},
		{name: "folded block scalar", in: "a: >-\n  x\n", want: false},
		{name: "anchor and alias", in: "a: &x 1\nb: *x\n", want: false},
		{name: "explicit tag", in: "a: !!str 1\n", want: false},
		{name: "flow mapping with entries", in: "a: {b: 1}\n", want: false},
		{name: "empty flow mapping over two lines", in: "a: {\n}\nb: 2\n", want: false},
		{name: "empty flow sequence", in: "a: []\nb: 2\n", want: true},
		{name: "CRLF line ends", in: "a: 1\r\nb: 2\r\n", want: true},
		{name: "empty value", in: "a:\nb: 2\n", want: false},
		{name: "lone carriage return", in: "a: 1\rb: 2\n", want: false},
		{name: "line separator", in: "a: 1\u2028b: 2\n", want: false},
		{name: "multi-line plain scalar", in: "a: one\n  two\nb: 2\n", want: false},
		{name: "multi-line quoted scalar", in: "a: \"one\n  two\"\nb: 2\n", want: false},
		{name: "multi-line scalar at the end", in: "a: one\n  two\n", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.in), &doc); err != nil {
				t.Fatal(err)
			}
			if got := isPlain(doc.Content[0], []byte(tc.in)); got != tc.want {
				t.Errorf("isPlain = %v, want %v", got, tc.want)
			}
		})
	}
}
