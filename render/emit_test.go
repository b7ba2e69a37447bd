package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// checkEncodeSimple compares encodeSimple with the encoder on n and on
// every node below it, and returns how many nodes encodeSimple accepted.
func checkEncodeSimple(t *testing.T, n *yaml.Node) int {
	t.Helper()
	accepted := 0
	if got, ok := encodeSimple(n); ok {
		want, err := encodeWithEncoder(n)
		if err != nil {
			t.Fatalf("encodeSimple accepted a node that the encoder rejects: %v\n%s", err, got)
		}
		if got != want {
			t.Fatalf("encodeSimple wrote\n%s\nthe encoder\n%s", got, want)
		}
		accepted++
	}
	for _, c := range n.Content {
		accepted += checkEncodeSimple(t, c)
	}
	return accepted
}

func TestEncodeSimple(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want int // nodes that encodeSimple accepts, the root included
	}{
		{"env entries", "- name: AWS_REGION\n  value: eu-west-1\n- name: AWS_DEFAULT_REGION\n  value: eu-west-1\n", 11},
		{"nested", "a:\n  b:\n    - 1\n    - x: 'q'\n      z: \"r\"\n  c: {}\n  d: []\n", 15},
		{"tags", "a: 1\nb: 1.5\nc: null\nd: ~\ne: str\n", 9},
		{"YAML 1.1 boolean", "a: 'true'\nb: '1'\nc: yes\nd: 'on'\ny: 1\n", 8},
		{"comment", "a: 1 # one\n", 1},
		{"nested sequence", "a:\n- - 1\n", 3},
		{"flow", "a: {b: 1}\n", 3},
		{"escapes", "a: \"x\\ty\"\nb: 'it''s'\n", 2},
		{"sexagesimal", "a: '1:20'\nb: 1:2:3\nc: x:1\n", 5},
		{"key of 129 characters", "a" + strings.Repeat("b", 128) + ": 1\nc: 1\n", 4},
		{"timestamp", "a: 2001-12-14\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := decodeSingle([]byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if got := checkEncodeSimple(t, root); got != tc.want {
				t.Errorf("encodeSimple accepted %d nodes, want %d", got, tc.want)
			}
		})
	}
}

// FuzzEncodeSimple checks that whatever encodeSimple accepts, it writes as
// the encoder does.
func FuzzEncodeSimple(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(casesDir, "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, seg := range splitStream(data) {
			f.Add(seg.data)
		}
	}
	f.Add([]byte("- name: AWS_REGION\n  value: eu-west-1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return
		}
		root, err := decodeSingle(data)
		if err != nil || root == nil || checkTree(root) != nil {
			return
		}
		checkEncodeSimple(t, root)
	})
}
