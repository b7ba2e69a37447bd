package main

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the irsa-render executable built once for the black-box tests.
var binary string

// isolation is appended to every child's environment: AWS endpoints on a
// refused port of 127.0.0.1 with fake credentials, no kubeconfig and a
// private cache, so no test can reach real AWS or read the developer's
// settings. Tests that start a fake AWS append its variables after these.
var isolation []string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "irsa-render-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "irsa-render")
	for _, name := range []string{"aws-config", "aws-credentials"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			panic(err)
		}
	}
	isolation = append(awsfake.EnvForEndpoint(awsfake.RefusedURL()),
		"AWS_CONFIG_FILE="+filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws-credentials"),
		"AWS_REGION=", "AWS_DEFAULT_REGION=",
		"KUBECONFIG="+filepath.Join(dir, "no-kubeconfig"),
		"IRSA_RENDER_CACHE_DIR="+filepath.Join(dir, "cache"),
	)
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building irsa-render: " + err.Error())
	}
	code := m.Run()
	if leaks := findLeaks(); len(leaks) > 0 {
		fmt.Fprintln(os.Stderr, strings.Join(leaks, "\n"))
		code = 1
	}
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
	got := result{stdout: out.String(), stderr: errOut.String(), code: code}
	record(t.Name(), got)
	return got
}

// cleanEnv is the test process environment without any IRSA_RENDER_ or
// AWS_ setting, plus the isolation variables, so that a developer's shell
// can neither change the results nor send a request off this machine.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix) && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, isolation...)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Every output of the black-box tests is recorded, and TestMain fails the
// run when any of it contains a secret: the fake AWS secret key, or the
// value of a Kubernetes Secret that a test passed in (secretValues).
var (
	recordedMu sync.Mutex
	recorded   []recordedOutput
)

// secretValues are Secret data values used by tests. They may appear in the
// manifests a post-renderer writes, but never on stderr, in a log or in a
// cache file.
var secretValues = []string{"c2VjcmV0LWp3dC10b2tlbi12YWx1ZQ==", "secret-jwt-token-value"}

type recordedOutput struct {
	test, stream, text string
}

// record keeps a run's output for the leak check.
func record(test string, got result) {
	recordedMu.Lock()
	defer recordedMu.Unlock()
	recorded = append(recorded, recordedOutput{test, "stdout", got.stdout}, recordedOutput{test, "stderr", got.stderr})
}

// recordFile keeps a file's content (a log or a cache entry) for the leak
// check.
func recordFile(test, path string, data []byte) {
	recordedMu.Lock()
	defer recordedMu.Unlock()
	recorded = append(recorded, recordedOutput{test, path, string(data)})
}

// findLeaks lists every recorded output that contains the fake AWS secret
// key anywhere, or a Secret value outside stdout.
func findLeaks() []string {
	recordedMu.Lock()
	defer recordedMu.Unlock()
	var leaks []string
	for _, r := range recorded {
		if strings.Contains(r.text, awsfake.FakeSecretAccessKey) {
			leaks = append(leaks, fmt.Sprintf("LEAK: %s: %s contains the AWS secret access key", r.test, r.stream))
		}
		if r.stream == "stdout" {
			continue
		}
		for _, v := range secretValues {
			if strings.Contains(r.text, v) {
				leaks = append(leaks, fmt.Sprintf("LEAK: %s: %s contains a Secret value", r.test, r.stream))
			}
		}
	}
	return leaks
}
