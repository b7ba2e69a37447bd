package render

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// diffTrees returns where two trees differ in anything but comments, or "".
func diffTrees(path string, want, got *yaml.Node) string {
	switch {
	case want == nil || got == nil:
		if want != got {
			return fmt.Sprintf("%s: want %v, got %v", path, want, got)
		}
		return ""
	case want.Kind != got.Kind, want.Style != got.Style, want.Tag != got.Tag, want.Value != got.Value,
		want.Anchor != got.Anchor, want.Line != got.Line, want.Column != got.Column,
		len(want.Content) != len(got.Content), (want.Alias == nil) != (got.Alias == nil):
		return fmt.Sprintf("%s:\n want kind %v style %v tag %q value %q at %d:%d with %d children\n got  kind %v style %v tag %q value %q at %d:%d with %d children",
			path, want.Kind, want.Style, want.Tag, want.Value, want.Line, want.Column, len(want.Content),
			got.Kind, got.Style, got.Tag, got.Value, got.Line, got.Column, len(got.Content))
	}
	for i := range want.Content {
		if d := diffTrees(fmt.Sprintf("%s/%d", path, i), want.Content[i], got.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// checkFastParse fails when fastParse accepts data and the tree differs
// from yaml.v3's, and reports whether it accepted data.
func checkFastParse(t *testing.T, data []byte) bool {
	t.Helper()
	got := fastParse(data)
	if got == nil {
		return false
	}
	want, err := decodeSingle(data)
	if err != nil {
		t.Fatalf("fastParse accepted text that yaml.v3 rejects (%v):\n%s", err, data)
	}
	if d := diffTrees("", want, got); d != "" {
		t.Fatalf("fastParse and yaml.v3 disagree at %s\ntext:\n%s", d, data)
	}
	return true
}

// TestFastParseRealDocuments parses every document of the real chart
// renders both ways. Each of them must be in the subset, so that streams
// like these take the fast path.
func TestFastParseRealDocuments(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(casesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases in %s: %v", casesDir, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, seg := range splitStream(data) {
			if !checkFastParse(t, seg.data) {
				t.Errorf("%s document %d is not in the fast subset:\n%s", filepath.Base(file), seg.index, seg.data)
			}
		}
	}
}

func TestFastParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		fast bool
	}{
		{"marker and comments", "---\n# Source: a.yaml\n# more\napiVersion: v1\nkind: ConfigMap\n", true},
		{"no marker", "apiVersion: v1\nkind: ConfigMap\n", true},
		{"no final newline", "apiVersion: v1\nkind: ConfigMap", true},
		{"empty values", "a:\nb:\n  c:\n\n  d:   \n  # c\ne: 1\n", true},
		{"empty value at the end", "a: 1\ndata:\n  X:\n", true},
		{"compact sequence", "a:\n- x\n-   y\n- n: 1\n  m: 'q'\nb: 2\n", true},
		{"indented sequence", "a:\n  - n: 1\n    m:\n      - 2\n  - {}\nb: []\n", true},
		{"item on its own line", "a:\n-\n  n: 1\n", true},
		{"quoted scalars", "a: \"x y: z # w\"\nb: 'it'\nc: \"\"\nd: ''\n", true},
		{"resolved tags", "a: 1\nb: true\nc: null\nd: 1.5\ne: 0x1F\nf: 2001-12-14\ng: .inf\nh: -3\ni: +4\n1: x\n", true},
		{"colons and hashes inside plain scalars", "a: http://x:80/y#z\nb: a,b]c\nc: x:y\n", true},
		{"trailing spaces", "a: x   \nb: 'y'  \n", true},
		{"deep", "a:\n  b:\n    c:\n      - d:\n          e: f\n", true},
		{"multi-line plain scalar", "a: x\n  y\n", false},
		{"literal block", "a: |\n  x\n   y\n\n  # not a comment\n\n\nb: |-\n    p\n  # c\nc:\n- |\n  q\n- r\nd: |  \n\n  s\n", true},
		{"literal block at the end", "a: 1\nb: |\n  x\n\n", true},
		{"literal block that keeps line breaks", "a: |+\n  x\n\nb: 1\n", false},
		{"literal block with an indentation indicator", "a: |2\n   x\n", false},
		{"literal block with a comment", "a: | # c\n  x\n", false},
		{"literal block without a final line break", "a: |\n  x", false},
		{"empty literal block", "a: |\nb: 1\n", false},
		{"literal block with spaces beyond the indentation", "a: |\n  x\n    \n  y\n", false},
		{"literal block with a long leading blank line", "a: |\n    \n  x\n", false},
		{"literal block followed by a deeper line", "a:\n  b: |\n      x\n    y\n", false},
		{"folded block", "a: >-\n  x\n", false},
		{"anchor", "a: &x 1\nb: *x\n", false},
		{"tag", "a: !!str 1\n", false},
		{"flow mapping", "a: {b: 1}\n", false},
		{"dash after a flow sequence", "a: [1, 2]\n- [a]\n", false},
		{"flow sequences", "a: [1, 2]\nb: [\"sh\",\"-c\", 'x y']\nc:  [ get , list ]  \nd:\n- [a]\n- ['*', \"\"]\n", true},
		{"empty flow on the next line", "resources:\n  {}\nports:\n    []\nx: 1\n", true},
		{"flow sequence with a trailing comma", "a: [1, ]\n", false},
		{"flow sequence with an empty item", "a: [1,,2]\n", false},
		{"flow sequence with a space in an item", "a: [a b]\n", false},
		{"flow sequence with an escape", "a: [\"a\\tb\"]\n", false},
		{"flow sequence with a doubled quote", "a: ['it''s']\n", false},
		{"flow sequence with a comment", "a: [1] # one\n", false},
		{"nested flow sequence", "a: [[1]]\n", false},
		{"unclosed flow sequence", "a: [1, 2\n", false},
		{"flow sequence over two lines", "a: [1,\n  2]\n", false},
		{"scalar on the next line", "a:\n  x\n", false},
		{"escape", "a: \"x\\ny\"\n", false},
		{"doubled quote", "a: 'it''s'\n", false},
		{"line comment", "a: 1 # one\n", false},
		{"comment as value", "a: # none\n", false},
		{"quoted keys", "\"a\": 1\n'b c': 2\n\"\": 3\nd:\n- \"helm.sh/hook\": test\n  'x': \"y\"\n", true},
		{"quoted key with an escape", "\"a\\tb\": 1\n", false},
		{"quoted key with a doubled quote", "'it''s': 1\n", false},
		{"quoted key without a colon", "\"a\" 1\n", false},
		{"quoted key followed by text", "\"a\"b: 1\n", false},
		{"key with a space", "a b: 1\n", false},
		{"merge key", "<<: {}\n", false},
		{"tab", "a:\t1\n", false},
		{"crlf", "a: 1\r\nb: 2\r\n", false},
		{"non-ASCII", "a: é\n", false},
		{"end marker", "a: 1\n...\n", false},
		{"marker with content", "--- a: 1\n", false},
		{"scalar document", "x\n", false},
		{"sequence document", "- a\n", false},
		{"comment only", "# x\n", false},
		{"empty", "", false},
		{"indented root", "  a: 1\n", false},
		{"bad indentation", "a:\n    b: 1\n  c: 2\n", false},
		{"value after a scalar", "a: 1\n  b: 2\n", false},
		{"dash after a scalar value", "a: 1\n- b\n", false},
		{"nested dash", "a:\n- - x\n", false},
		{"empty item", "a:\n-\nb: 1\n", false},
		{"key of 1,100 characters", "a" + strings.Repeat("b", 1100) + ": 1\n", false},
		{"missing space after colon", "a:1\n", false},
		{"key and value on one line twice", "a: b: c\n", false},
		{"sequence under a scalar key at a wrong column", "a:\n  - x\n - y\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkFastParse(t, []byte(tc.text)); got != tc.fast {
				t.Errorf("fastParse accepted = %v, want %v for:\n%s", got, tc.fast, tc.text)
			}
		})
	}
}

// TestFastParseContentCapacity checks that appending to a parsed
// collection, as the filters do, leaves its neighbours alone.
func TestFastParseContentCapacity(t *testing.T) {
	root := fastParse([]byte("a:\n- x\nb:\n- y\n"))
	if root == nil {
		t.Fatal("fastParse rejected the text")
	}
	first, second := root.Content[1], root.Content[3]
	first.Content = append(first.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "added"})
	if got := second.Content[0].Value; got != "y" {
		t.Errorf("after an append to the first sequence, the second contains %q, want y", got)
	}
}

// FuzzFastParse checks that every text fastParse accepts gives yaml.v3's
// tree.
func FuzzFastParse(f *testing.F) {
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
	for _, s := range []string{
		"a:\n- x\n-   y\n- n: 1\n  m: 'q'\nb: 2\n",
		"a:\n  - n: 1\n    m:\n      - 2\n  - {}\nb: []\n",
		"a:\nb:\n  c:\n\n  d:   \n  # c\ne: 1\n",
		"a: 1\nb: true\nc: null\nd: 1.5\ne: 0x1F\nf: 2001-12-14\n",
		"command: [\"sh\",\"-c\"]\nverbs: [get, list]\nresources:\n  {}\n",
		"data:\n  run.sh: |-\n    #!/bin/sh\n\n    exec \"$@\"\n  my.cnf: |\n    [mysqld]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if strings.Count(string(data), "\n") > 200 {
			return
		}
		checkFastParse(t, data)
	})
}

// TestFastParseSameRender renders every real chart output with and without
// fastParse, patching and encoding anew, and expects the same bytes: the
// encoder path parses fast documents again to keep their comments.
func TestFastParseSameRender(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(casesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases in %s: %v", casesDir, err)
	}
	defer func() { fastParseEnabled, encodeAlways = true, false }()
	for _, file := range files {
		in, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, encode := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/encode=%v", filepath.Base(file), encode), func(t *testing.T) {
				r, err := New(standardOptions())
				if err != nil {
					t.Fatal(err)
				}
				encodeAlways = encode
				fastParseEnabled = false
				want, wantResult, wantErr := r.Render(in)
				fastParseEnabled = true
				got, gotResult, gotErr := r.Render(in)
				if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Fatalf("error with fastParse %v, without %v", gotErr, wantErr)
				}
				if string(got) != string(want) {
					removed, added := diffLines(strings.Split(string(want), "\n"), strings.Split(string(got), "\n"))
					t.Fatalf("output with fastParse differs:\n-%s\n+%s", strings.Join(removed, "\n-"), strings.Join(added, "\n+"))
				}
				if gotResult.Rewritten != wantResult.Rewritten || len(gotResult.Warnings) != len(wantResult.Warnings) {
					t.Errorf("result with fastParse %+v, without %+v", gotResult, wantResult)
				}
				if encode && wantErr == nil && !strings.Contains(string(got), "# Main container") {
					t.Errorf("encoded output lost the comments:\n%s", got)
				}
			})
		}
	}
}

func TestPlainTag(t *testing.T) {
	for _, v := range []string{
		"name", "n", "null", "Null", "NULL", "nulls", "true", "True", "TRUE", "truex", "false", "False", "FALSE",
		"falsey", "yes", "no", "on", "off", "y", "IfNotPresent", "/health", "_x", "$HOME", "(a)", "1", "-1", "+1",
		"0x1F", "1.5", ".inf", "-.inf", ".5", "2001-12-14", "1e3", "3001", "1000m", "v0.6.26",
	} {
		want := (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
		if got := plainTag(v); got != want {
			t.Errorf("plainTag(%q) = %s, want %s", v, got, want)
		}
	}
}

// TestFastParseGenerated compares fastParse with yaml.v3 on documents
// built from the constructs that the subset covers, with indentation,
// spacing and values varied at random, and some lines broken on purpose.
// Byte-level fuzzing rarely builds a nested document that fastParse
// accepts; these documents mostly are.
func TestFastParseGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	accepted, nested, literals := 0, 0, 0
	const documents = 20000
	for range documents {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteString("---\n")
		}
		if rng.IntN(2) == 0 {
			b.WriteString("# Source: chart/templates/x.yaml\n")
		}
		genMapping(rng, &b, 0, 0)
		data := []byte(b.String())
		if rng.IntN(8) == 0 {
			data = breakLine(rng, data)
		}
		if checkFastParse(t, data) {
			accepted++
			root := fastParse(data)
			if hasMappingInSequence(root) {
				nested++
			}
			if hasStyle(root, yaml.LiteralStyle) {
				literals++
			}
		}
	}
	t.Logf("accepted %d documents: %d with a mapping in a sequence, %d with a literal block scalar", accepted, nested, literals)
	if accepted < documents*2/5 {
		t.Errorf("fastParse accepted %d of %d generated documents; the generator no longer exercises the subset", accepted, documents)
	}
	if nested < documents/20 {
		t.Errorf("fastParse accepted %d generated documents with a mapping in a sequence, want at least %d", nested, documents/20)
	}
	if literals < documents/20 {
		t.Errorf("fastParse accepted %d generated documents with a literal block scalar, want at least %d", literals, documents/20)
	}
}

func hasStyle(n *yaml.Node, style yaml.Style) bool {
	if n.Style == style {
		return true
	}
	for _, c := range n.Content {
		if hasStyle(c, style) {
			return true
		}
	}
	return false
}

func hasMappingInSequence(n *yaml.Node) bool {
	for _, c := range n.Content {
		if n.Kind == yaml.SequenceNode && c.Kind == yaml.MappingNode || hasMappingInSequence(c) {
			return true
		}
	}
	return false
}

// Values and keys in the subset, and ones outside it, which the generator
// picks now and then.
var (
	genScalars = []string{
		"x", "ci-runner-worker", "1", "-1", "+1", "0x1F", "1.5", ".inf", "true", "False", "null", "NULL", "y", "no",
		"2001-12-14", "1:20", "3001", "1000m", "v0.6.26", "a,b]c", "http://x:80/y#z", "x:y", "/health", "$HOME", "(a)",
		"---x", "...", "a b", "a  b", "\"q\"", "\"\"", "'q'", "''", "\"a # b\"", "{}", "[]",
		"[1, 2]", "[\"sh\",\"-c\"]", "[get, list]", "[ '*' ]", "[1, 2.5, true, null, -x, /a]", "[\"\"]",
	}
	genOtherScalars = []string{
		"~", "'it''s'", "\"x\\ty\"", "{a: 1}", "[[1]]", "[a, ]", "[a b]", "[a: b]", "[&x a]", "|", ">", "&a x", "*a", "!!str 1", "a # c", "- x", "<<", "@x",
		"`x", "%x", "?x", ",x", "a: b", "x:",
	}
	genKeys      = []string{"a", "name", "app.kubernetes.io/name", "1", "true", "null", "on", "$k", "_k", "k-1", "\"helm.sh/hook\"", "'q r'", "\"\"", "\"1\""}
	genOtherKeys = []string{"-k", "a b", "k~", "? k", "k :", "\"a\\tb\"", "'it''s'", "\"a\"b"}
)

func pick(rng *rand.Rand, usual, other []string) string {
	if rng.IntN(40) == 0 {
		return other[rng.IntN(len(other))]
	}
	return usual[rng.IntN(len(usual))]
}

func genMapping(rng *rand.Rand, b *strings.Builder, indent, depth int) {
	for i := range 1 + rng.IntN(4) {
		if i > 0 || indent > 0 {
			b.WriteString(strings.Repeat(" ", indent))
		}
		genBlankOrComment(rng, b, indent)
		b.WriteString(pick(rng, genKeys, genOtherKeys))
		b.WriteString(":")
		switch r := rng.IntN(10); {
		case depth < 4 && r < 3:
			b.WriteString(strings.Repeat(" ", rng.IntN(2)) + "\n")
			genMapping(rng, b, indent+1+rng.IntN(3), depth+1)
		case depth < 4 && r < 5:
			b.WriteString("\n")
			genSequence(rng, b, indent+rng.IntN(3), depth+1)
		case r < 6 && rng.IntN(3) == 0:
			genLiteral(rng, b, indent)
		case r < 6 && rng.IntN(3) == 0:
			b.WriteString("\n" + strings.Repeat(" ", indent+1+rng.IntN(3)) + []string{"{}", "[]"}[rng.IntN(2)] + "\n")
		case r < 6:
			b.WriteString(strings.Repeat(" ", rng.IntN(3)) + "\n")
		default:
			b.WriteString(strings.Repeat(" ", 1+rng.IntN(2)) + pick(rng, genScalars, genOtherScalars) + strings.Repeat(" ", rng.IntN(2)) + "\n")
		}
	}
}

func genSequence(rng *rand.Rand, b *strings.Builder, indent, depth int) {
	for range 1 + rng.IntN(3) {
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString("-")
		switch r := rng.IntN(6); {
		case depth < 4 && r < 2:
			b.WriteString(strings.Repeat(" ", 1+rng.IntN(3)))
			var item strings.Builder
			genMapping(rng, &item, 0, depth+1)
			// The first key follows the dash; the rest line up under it.
			text := b.String()
			column := strings.Repeat(" ", len(text)-strings.LastIndexByte(text, '\n')-1)
			lines := strings.SplitAfter(item.String(), "\n")
			b.WriteString(lines[0])
			for _, line := range lines[1:] {
				if line != "" {
					b.WriteString(column + line)
				}
			}
		case depth < 4 && r < 3:
			b.WriteString("\n")
			genMapping(rng, b, indent+1+rng.IntN(2), depth+1)
		case r < 4:
			genLiteral(rng, b, indent)
		default:
			b.WriteString(" " + pick(rng, genScalars, genOtherScalars) + "\n")
		}
	}
}

// genLiteral writes a literal block scalar's header and lines for a key
// or item at column indent.
func genLiteral(rng *rand.Rand, b *strings.Builder, indent int) {
	b.WriteString(" " + pick(rng, []string{"|", "|-", "|  "}, []string{"|+", "|2", "| # c", ">"}) + "\n")
	content := indent + 1 + rng.IntN(3)
	lines := []string{"x", "echo $HOME", "# not a comment", "key: value", "- item", "  more", "", "---", "a # b"}
	for i := range 1 + rng.IntN(4) {
		line := lines[rng.IntN(len(lines))]
		switch {
		case line == "" && rng.IntN(2) == 0:
			b.WriteString(strings.Repeat(" ", rng.IntN(content+1)) + "\n")
		case line == "":
			b.WriteString("\n")
		case i > 0 && rng.IntN(20) == 0:
			// Less indented than the first line: ends the scalar.
			b.WriteString(strings.Repeat(" ", content-1) + line + "\n")
		default:
			b.WriteString(strings.Repeat(" ", content) + line + "\n")
		}
	}
}

func genBlankOrComment(rng *rand.Rand, b *strings.Builder, indent int) {
	switch rng.IntN(12) {
	case 0:
		b.WriteString("\n" + strings.Repeat(" ", indent))
	case 1:
		b.WriteString("# note\n" + strings.Repeat(" ", indent))
	case 2:
		b.WriteString(strings.Repeat(" ", rng.IntN(6)) + "\n" + strings.Repeat(" ", indent))
	}
}

// breakLine shifts one line of data by one column.
func breakLine(rng *rand.Rand, data []byte) []byte {
	lines := strings.Split(string(data), "\n")
	i := rng.IntN(len(lines))
	if rng.IntN(2) == 0 {
		lines[i] = " " + lines[i]
	} else {
		lines[i] = strings.TrimPrefix(lines[i], " ")
	}
	return []byte(strings.Join(lines, "\n"))
}

// TestFastParseLargeDocument parses a document with more nodes than the
// first slab holds, and one of blank lines, whose slab stays capped.
func TestFastParseLargeDocument(t *testing.T) {
	var b strings.Builder
	b.WriteString("items:\n")
	for i := range maxFirstSlab {
		fmt.Fprintf(&b, "- name: item-%d\n  value: %d\n", i, i)
	}
	if !checkFastParse(t, []byte(b.String())) {
		t.Fatal("fastParse rejected a long list of mappings")
	}

	blank := []byte("a: 1\n" + strings.Repeat("\n", 1<<20))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fastParse(blank)
	runtime.ReadMemStats(&after)
	// The text is copied once (1 MiB); the slabs add well under 1 MiB.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4<<20 {
		t.Errorf("fastParse allocated %d bytes for one key and 1 MiB of blank lines", allocated)
	}
	if !checkFastParse(t, []byte(blank)) {
		t.Fatal("fastParse rejected a key followed by blank lines")
	}
}
