package render

import (
	"errors"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func TestSplitStream(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      []string
		wantLines []int
	}{
		{name: "empty", in: "", want: nil},
		{name: "no leading marker", in: "a: 1\n---\nb: 2\n", want: []string{"a: 1\n", "---\nb: 2\n"}, wantLines: []int{1, 2}},
		{name: "leading marker", in: "---\na: 1\n---\nb: 2\n", want: []string{"---\na: 1\n", "---\nb: 2\n"}, wantLines: []int{1, 3}},
		{name: "content after marker", in: "--- {a: 1}\n--- # second\nb: 2\n", want: []string{"--- {a: 1}\n", "--- # second\nb: 2\n"}, wantLines: []int{1, 2}},
		{name: "tab after marker", in: "a: 1\n---\t# c\nb: 2\n", want: []string{"a: 1\n", "---\t# c\nb: 2\n"}, wantLines: []int{1, 2}},
		{name: "CRLF", in: "---\r\na: 1\r\n---\r\nb: 2\r\n", want: []string{"---\r\na: 1\r\n", "---\r\nb: 2\r\n"}, wantLines: []int{1, 3}},
		{name: "four dashes", in: "a: 1\n----\nb: 2\n", want: []string{"a: 1\n----\nb: 2\n"}, wantLines: []int{1}},
		{name: "dashes with text", in: "a: 1\n---x\n", want: []string{"a: 1\n---x\n"}, wantLines: []int{1}},
		{name: "indented dashes", in: "a: |\n  ---\n  b\n", want: []string{"a: |\n  ---\n  b\n"}, wantLines: []int{1}},
		{name: "quoted dashes", in: "a: '---'\nb: \"---\"\n", want: []string{"a: '---'\nb: \"---\"\n"}, wantLines: []int{1}},
		{name: "empty documents", in: "---\n---\n", want: []string{"---\n", "---\n"}, wantLines: []int{1, 2}},
		{name: "marker at end", in: "a: 1\n---", want: []string{"a: 1\n", "---"}, wantLines: []int{1, 2}},
		{name: "no trailing newline", in: "---\na: 1", want: []string{"---\na: 1"}, wantLines: []int{1}},
		{name: "comment before marker", in: "# header\n---\na: 1\n", want: []string{"# header\n", "---\na: 1\n"}, wantLines: []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segments := splitStream([]byte(tt.in))
			var got []string
			var joined strings.Builder
			for i, s := range segments {
				got = append(got, string(s.data))
				joined.Write(s.data)
				if s.index != i+1 {
					t.Errorf("segment %d has index %d", i+1, s.index)
				}
			}
			if tt.in != joined.String() {
				t.Errorf("segments joined = %q, want the input %q", joined.String(), tt.in)
			}
			if len(tt.want) != len(got) {
				t.Fatalf("segments = %q, want %q", got, tt.want)
			}
			for i := range tt.want {
				if tt.want[i] != got[i] {
					t.Errorf("segment %d = %q, want %q", i+1, got[i], tt.want[i])
				}
				if tt.wantLines[i] != segments[i].line {
					t.Errorf("segment %d starts at line %d, want %d", i+1, segments[i].line, tt.wantLines[i])
				}
			}
		})
	}
}

func TestIsDocumentStart(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"---", true},
		{"---\n", true},
		{"---\r\n", true},
		{"--- x\n", true},
		{"---\tx\n", true},
		{"----\n", false},
		{"---x\n", false},
		{" ---\n", false},
		{"--\n", false},
		{"...\n", false},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.line), func(t *testing.T) {
			if got := isDocumentStart([]byte(tt.line)); tt.want != got {
				t.Errorf("isDocumentStart(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

// patchWith parses data, applies mutate to the tree and returns the patched
// text.
func patchWith(t *testing.T, data string, mutate func(root *yaml.Node)) (string, error) {
	t.Helper()
	root, err := decodeSingle([]byte(data))
	if err != nil || root == nil {
		t.Fatalf("test input does not parse: %v", err)
	}
	before := copyTree(root)
	mutate(root)
	out, err := patchDocument([]byte(data), before, root)
	return string(out), err
}

// nodeAt follows mapping keys and sequence indexes from root.
func nodeAt(t *testing.T, root *yaml.Node, path ...any) *yaml.Node {
	t.Helper()
	n := root
	for _, step := range path {
		switch s := step.(type) {
		case string:
			n = fieldNode(n, s)
		case int:
			if n == nil || n.Kind != yaml.SequenceNode || s >= len(n.Content) {
				n = nil
			} else {
				n = n.Content[s]
			}
		}
		if n == nil {
			t.Fatalf("no node at %v", path)
		}
	}
	return n
}

func appendPair(m *yaml.Node, key, value string) {
	m.Content = append(m.Content, stringNode(key), stringNode(value))
}

func TestPatchDocument(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		mutate func(t *testing.T, root *yaml.Node)
		want   string
	}{
		{
			name: "after unindented sequence",
			in:   "name: a\nadd:\n- NET_ADMIN\n- SYS_TIME\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(root, "extra", "x")
			},
			want: "name: a\nadd:\n- NET_ADMIN\n- SYS_TIME\nextra: x\n",
		},
		{
			name: "after nested unindented sequence",
			in:   "securityContext:\n  capabilities:\n    add:\n    - NET_ADMIN\n  runAsNonRoot: false\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(nodeAt(t, root, "securityContext", "capabilities"), "drop", "ALL")
			},
			want: "securityContext:\n  capabilities:\n    add:\n    - NET_ADMIN\n    drop: ALL\n  runAsNonRoot: false\n",
		},
		{
			name: "item after comments",
			in:   "containers:\n  # first\n  - name: a\n  # second\n  - name: b\n    image: x\n  # trailing\nother: 1\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				list := nodeAt(t, root, "containers")
				list.Content = append(list.Content, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{stringNode("name"), stringNode("c")}})
			},
			want: "containers:\n  # first\n  - name: a\n  # second\n  - name: b\n    image: x\n  - name: c\n  # trailing\nother: 1\n",
		},
		{
			name: "key before comment",
			in:   "containers:\n  # first\n  - name: a\n  # second\n  - name: b\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(nodeAt(t, root, "containers", 0), "image", "y")
			},
			want: "containers:\n  # first\n  - name: a\n    image: y\n  # second\n  - name: b\n",
		},
		{
			name: "whitespace line inside",
			in:   "annotations:\n    \n  checksum/config: abc\nlabels:\n  app: x\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(nodeAt(t, root, "annotations"), "role", "r")
			},
			want: "annotations:\n    \n  checksum/config: abc\n  role: r\nlabels:\n  app: x\n",
		},
		{
			name: "whitespace line after",
			in:   "annotations:\n  a: b\n    \nlabels:\n  app: x\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(nodeAt(t, root, "annotations"), "role", "r")
			},
			want: "annotations:\n  a: b\n  role: r\n    \nlabels:\n  app: x\n",
		},
		{
			name: "no trailing newline",
			in:   "metadata:\n  name: a",
			mutate: func(t *testing.T, root *yaml.Node) {
				meta := nodeAt(t, root, "metadata")
				meta.Content = append(meta.Content, stringNode("annotations"),
					&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{stringNode("k"), stringNode("v")}})
			},
			want: "metadata:\n  name: a\n  annotations:\n    k: v\n",
		},
		{
			name: "sequence without trailing newline",
			in:   "env:\n- name: A\n  value: b",
			mutate: func(t *testing.T, root *yaml.Node) {
				env := nodeAt(t, root, "env")
				env.Content = append(env.Content, envEntry("AWS_REGION", "eu-west-1"))
			},
			want: "env:\n- name: A\n  value: b\n- name: AWS_REGION\n  value: eu-west-1\n",
		},
		{
			name: "CRLF",
			in:   "metadata:\r\n  name: a\r\nspec: {}\r\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(nodeAt(t, root, "metadata"), "namespace", "ci")
			},
			want: "metadata:\r\n  name: a\r\n  namespace: ci\r\nspec: {}\r\n",
		},
		{
			name: "scalar with comment",
			in:   "image: a:latest # pinned later\nname: x\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				setScalar(nodeAt(t, root, "image"), "a:v1")
			},
			want: "image: a:v1 # pinned later\nname: x\n",
		},
		{
			name: "scalar after multibyte characters",
			in:   "ключ: старое\nimage: 'a:latest'\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				setScalar(nodeAt(t, root, "ключ"), "новое")
				setScalar(nodeAt(t, root, "image"), "a:v1")
			},
			want: "ключ: новое\nimage: 'a:v1'\n",
		},
		{
			name: "scalar needing quotes",
			in:   "value: abc\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				setScalar(nodeAt(t, root, "value"), "true")
			},
			want: "value: \"true\"\n",
		},
		{
			name: "double quoted escape",
			in:   "value: \"a\\\"b\" # note\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				setScalar(nodeAt(t, root, "value"), "c")
			},
			want: "value: \"c\" # note\n",
		},
		{
			name: "empty flow mapping",
			in:   "metadata:\n  annotations: {}\n  name: a\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(nodeAt(t, root, "metadata", "annotations"), "k", "v")
			},
			want: "metadata:\n  annotations:\n    k: v\n  name: a\n",
		},
		{
			name: "empty null",
			in:   "metadata:\n  annotations:\n  name: a\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				meta := nodeAt(t, root, "metadata")
				meta.Content[1] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{stringNode("k"), stringNode("v")}}
			},
			want: "metadata:\n  annotations:\n    k: v\n  name: a\n",
		},
		{
			name: "null token on next line",
			in:   "env:\n  null\nname: a\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				root.Content[1] = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{envEntry("A", "b")}}
			},
			want: "env:\n  - name: A\n    value: b\nname: a\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := patchWith(t, tt.in, func(root *yaml.Node) { tt.mutate(t, root) })
			if err != nil {
				t.Fatalf("patchDocument: %v", err)
			}
			if tt.want != got {
				t.Errorf("patched:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

func TestPatchDocumentUnsupported(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		mutate func(t *testing.T, root *yaml.Node)
	}{
		{
			name: "multi-line plain scalar",
			in:   "value: us-east-1\n  and more\nname: a\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				setScalar(nodeAt(t, root, "value"), "eu-west-1")
			},
		},
		{
			name: "plain scalar continued by dash",
			in:   "value: abc\n  -def\nname: a\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				setScalar(nodeAt(t, root, "value"), "eu-west-1")
			},
		},
		{
			name: "literal block",
			in:   "value: |\n  abc\nname: a\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				setScalar(nodeAt(t, root, "value"), "eu-west-1")
			},
		},
		{
			name: "flow mapping with entries",
			in:   "metadata: {name: a}\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				appendPair(nodeAt(t, root, "metadata"), "namespace", "ci")
			},
		},
		{
			name: "key removed",
			in:   "a: 1\nb: 2\n",
			mutate: func(t *testing.T, root *yaml.Node) {
				root.Content = root.Content[:2]
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := decodeSingle([]byte(tt.in))
			if err != nil {
				t.Fatalf("test input does not parse: %v", err)
			}
			before := copyTree(root)
			tt.mutate(t, root)
			_, err = patchDocument([]byte(tt.in), before, root)
			if !errors.Is(err, errUnsupportedEdit) {
				t.Fatalf("patchDocument error = %v, want errUnsupportedEdit", err)
			}
			// The fallback writes the same data.
			text, err := encodeDocument([]byte(tt.in), root)
			if err != nil {
				t.Fatalf("encodeDocument: %v", err)
			}
			got, err := decodeSingle(text)
			if err != nil {
				t.Fatalf("encoded document does not parse: %v\n%s", err, text)
			}
			if !sameTree(root, got) {
				t.Errorf("encoded document holds other data:\n%s", text)
			}
		})
	}
}

func TestRenderMultilineValueOverwrite(t *testing.T) {
	opts := standardOptions()
	opts.Overwrite = true
	in := serviceAccountDocAnnotated + pinnedDeployment(`          env:
            - name: AWS_REGION
              value: us-east-1
                and more
`)
	out, _ := mustRender(t, opts, in)
	container := valueAt(findObject(t, decodeStream(t, out), "Deployment", "runner"), "spec", "template", "spec", "containers", 0)
	want := "[AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1]"
	if got := strings.Join([]string{"[", strings.Join(envValues(container), " "), "]"}, ""); want != got {
		t.Errorf("env = %s, want %s", got, want)
	}
	if !strings.HasPrefix(segmentTexts(out)[1], "---\n# Source: runner/templates/deployment.yaml\n") {
		t.Errorf("encoded document lost its marker or source comment:\n%s", out)
	}
}

func TestCopyTree(t *testing.T) {
	root, err := decodeSingle([]byte("a: &x {k: v}\nb: *x\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := copyTree(root)
	if !sameTree(root, c) {
		t.Fatal("copy differs from the original")
	}
	if c.Content[3].Alias != c.Content[1] {
		t.Error("alias in the copy does not point into the copy")
	}
	c.Content[1].Content[1].Value = "changed"
	if root.Content[1].Content[1].Value != "v" {
		t.Error("changing the copy changed the original")
	}
}

func TestCopyTreeWithoutAliases(t *testing.T) {
	root, err := decodeSingle([]byte("a:\n  - x\n  - k: v\nb: {}\nc: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := copyTree(root)
	if !sameTree(root, c) {
		t.Fatal("copy differs from the original")
	}
	if d := diffTrees("", root, c); d != "" {
		t.Fatalf("copy differs from the original at %s", d)
	}
	c.Content[1].Content[1].Content[1].Value = "changed"
	if root.Content[1].Content[1].Content[1].Value != "v" {
		t.Error("changing the copy changed the original")
	}
	c.Content[1].Content = append(c.Content[1].Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "added"})
	if len(root.Content[1].Content) != 2 {
		t.Error("appending to the copy changed the original")
	}
	if got := c.Content[2].Value; got != "b" {
		t.Errorf("appending to a copied sequence changed the next key to %q", got)
	}
}
