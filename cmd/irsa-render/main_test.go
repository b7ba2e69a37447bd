package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the irsa-render executable built once for the black-box tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "irsa-render-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "irsa-render")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building irsa-render: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the repository's top folder.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// caseFile returns a real rendered file of the public chart.
func caseFile(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "testdata", "cases", "ci-runner-worker-0.0.24", name)
}

// tool returns the path of a pinned tool in bin/, skipping the test when it
// has not been built, or failing it when IRSA_RENDER_REQUIRE_TOOLS is set
// (as make test does).
func tool(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "bin", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("IRSA_RENDER_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is missing: run make tools", path)
		}
		t.Skipf("%s is missing: run make tools", path)
	}
	return path
}

// result is what one process run gave.
type result struct {
	stdout, stderr string
	code           int
}

// runBinary runs the built binary with stdin and extra environment.
func runBinary(t *testing.T, stdin []byte, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(cleanEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// cleanEnv is the test process environment without any IRSA_RENDER_
// setting, so that a developer's shell cannot change the results.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix) {
			env = append(env, kv)
		}
	}
	return env
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
