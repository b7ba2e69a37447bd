package render

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// intendedLine matches every line the post-renderer may add to real chart
// output; removedLine every line it may replace.
var (
	intendedLine = regexp.MustCompile(`^( *annotations:| *eks\.amazonaws\.com/role-arn: arn:aws:iam::111122223333:role/firefly-runner| *irsa-render\.firefly\.ai/role-hash: [0-9a-f]{10}| *image: "public\.ecr\.aws/firefly/ci-runner-worker:v0\.6\.26"| *- name: AWS_(DEFAULT_)?REGION| *value: eu-west-1)$`)
	removedLine  = regexp.MustCompile(`^ *image: "public\.ecr\.aws/firefly/ci-runner-worker:latest"$`)
)

// TestGoldenCases renders every real chart output under testdata/cases and
// compares the result with testdata/golden/<case>/expected.yaml, or the
// error with error.txt. Run with -update to rewrite them after a deliberate
// change, then review the diff.
func TestGoldenCases(t *testing.T) {
	cases, err := filepath.Glob("../testdata/cases/ci-runner-worker-0.0.24/*.yaml")
	if err != nil || len(cases) != 4 {
		t.Fatalf("found %d case files, want 4: %v", len(cases), err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := New(standardOptions())
			if err != nil {
				t.Fatal(err)
			}
			out, _, renderErr := r.Render(in)
			dir := filepath.Join("..", "testdata", "golden", name)
			if renderErr != nil {
				if out != nil {
					t.Errorf("output has %d bytes on error, want none", len(out))
				}
				compareGolden(t, filepath.Join(dir, "error.txt"), []byte(renderErr.Error()+"\n"))
				return
			}
			compareGolden(t, filepath.Join(dir, "expected.yaml"), out)
			removed, added := diffLines(strings.Split(string(in), "\n"), strings.Split(string(out), "\n"))
			for _, line := range removed {
				if !removedLine.MatchString(line) {
					t.Errorf("removed line %q is not the runner image", line)
				}
			}
			for _, line := range added {
				if !intendedLine.MatchString(line) {
					t.Errorf("added line %q is not one the post-renderer intends", line)
				}
			}
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file missing (run go test ./render -run TestGoldenCases -update): %v", err)
	}
	if string(want) != string(got) {
		removed, added := diffLines(strings.Split(string(want), "\n"), strings.Split(string(got), "\n"))
		t.Errorf("output differs from %s:\n-%s\n+%s", path, strings.Join(removed, "\n-"), strings.Join(added, "\n+"))
	}
}
