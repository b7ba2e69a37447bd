package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds that every bad input must stay within.
const (
	badInputTimeout = 20 * time.Second
	badInputMaxRSS  = 1 << 30 // bytes
)

// runBounded runs the binary on stdin under a timeout and returns its
// result and peak resident memory in bytes.
func runBounded(t *testing.T, stdin []byte, args ...string) (result, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), badInputTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = cleanEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("irsa-render did not finish within %v", badInputTimeout)
	}
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	return result{stdout: out.String(), stderr: errOut.String(), code: code}, rss
}

func TestBadInputCorpus(t *testing.T) {
	tests := []struct {
		file       string
		wantStderr string
	}{
		{file: "malformed.yaml", wantStderr: "document 1: invalid YAML: line 4"},
		{file: "tabs.yaml", wantStderr: "tab character in the indentation of line 4"},
		{file: "invalid-utf8.yaml", wantStderr: "document 1: invalid UTF-8 at line 6"},
		{file: "nul-byte.yaml", wantStderr: "document 1: NUL byte at line 6"},
		{file: "bom.yaml", wantStderr: "document 1: document starts with a UTF-8 byte order mark"},
		{file: "duplicate-keys.yaml", wantStderr: `document 1: duplicate key "name" at lines 4 and 5`},
		{file: "alias-bomb.yaml", wantStderr: "document 1: aliases expand to more than"},
		{file: "deep-nesting.yaml", wantStderr: "document 1: nesting deeper than"},
		{file: "bare-scalar.yaml", wantStderr: "document 1: document is a bare scalar"},
		{file: "list-document.yaml", wantStderr: "document 1: document is a list"},
		{file: "kind-missing.yaml", wantStderr: "document 1: document has no kind"},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			input := readFile(t, filepath.Join(repoRoot(t), "testdata", "bad", tc.file))
			got, rss := runBounded(t, input, standardArgs...)
			assertRejected(t, got, tc.wantStderr)
			if rss > badInputMaxRSS {
				t.Errorf("peak RSS = %d MiB, want at most %d MiB", rss>>20, badInputMaxRSS>>20)
			}
		})
	}
}

func assertRejected(t *testing.T, got result, wantStderr string) {
	t.Helper()
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	if got.stdout != "" {
		t.Errorf("stdout has %d bytes, want none", len(got.stdout))
	}
	if !strings.Contains(got.stderr, wantStderr) {
		t.Errorf("stderr = %q, want it to contain %q", got.stderr, wantStderr)
	}
}

func TestBadInputLargeDocument(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: ")
	b.Write(bytes.Repeat([]byte("x"), 64<<20))
	b.WriteString("\n")
	got, rss := runBounded(t, b.Bytes(), standardArgs...)
	assertRejected(t, got, "document 1: document is 67108933 bytes, above the limit of 16777216 bytes")
	if rss > badInputMaxRSS {
		t.Errorf("peak RSS = %d MiB, want at most %d MiB", rss>>20, badInputMaxRSS>>20)
	}
}

func TestBadInputStreamAboveCap(t *testing.T) {
	doc := readFile(t, caseFile(t, "default.yaml"))
	stream := bytes.Repeat(doc, (2<<20)/len(doc)+1)
	got, _ := runBounded(t, stream, append([]string{"--max-input-bytes=1048576"}, standardArgs...)...)
	assertRejected(t, got, "input is larger than 1048576 bytes")
}

func TestBadInputBadDocumentAmongGoodOnes(t *testing.T) {
	good := readFile(t, caseFile(t, "default.yaml"))
	stream := append(append([]byte{}, good...), []byte("---\n# Source: ci-runner-worker/templates/extra.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n")...)
	got, _ := runBounded(t, stream, standardArgs...)
	assertRejected(t, got, "ci-runner-worker/templates/extra.yaml: invalid YAML")
}

func TestJSONDocumentWorks(t *testing.T) {
	stream := []byte(`{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "runner", "namespace": "ci"}}
---
{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "runner", "namespace": "ci"},
 "spec": {"template": {"spec": {"serviceAccountName": "runner",
   "containers": [{"name": "runner", "image": "public.ecr.aws/firefly/ci-runner-worker:latest"}]}}}}
`)
	got, _ := runBounded(t, stream, standardArgs...)
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	for _, want := range []string{testRole, "ci-runner-worker:v0.6.26", "AWS_DEFAULT_REGION"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, got.stdout)
		}
	}
	findObject(t, got.stdout, "Deployment", "runner")
}
