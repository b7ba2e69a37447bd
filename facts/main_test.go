package facts

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
)

// childEnv marks a re-executed test binary that runs one lookup and exits;
// the concurrency test starts several to race on one cache.
const childEnv = "IRSA_FACTS_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChildLookup())
	}
	if err := isolateEnvironment(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// isolateEnvironment points every AWS endpoint at a refused port on
// 127.0.0.1 and the proxy guard of awsfake before any HTTP request, so a
// test that starts no fake fails locally. It also keeps the
// developer's AWS profiles, kubeconfig and cache out of reach.
func isolateEnvironment() error {
	dir, err := os.MkdirTemp("", "facts-test-")
	if err != nil {
		return fmt.Errorf("create test directory: %w", err)
	}
	for _, name := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			return fmt.Errorf("write empty AWS %s file: %w", name, err)
		}
	}
	env := append(awsfake.EnvForEndpoint(awsfake.RefusedURL()),
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_REGION=",
		"AWS_DEFAULT_REGION=",
		"AWS_MAX_ATTEMPTS=",
		"AWS_RETRY_MODE=",
		"KUBECONFIG="+filepath.Join(dir, "no-kubeconfig"),
		CacheDirEnv+"="+filepath.Join(dir, "cache"),
	)
	for _, entry := range env {
		key, value, _ := strings.Cut(entry, "=")
		if err := os.Setenv(key, value); err != nil {
			return err
		}
	}
	return nil
}

// runChildLookup runs the lookup that a parent test describes in the
// environment and prints the source of the facts.
func runChildLookup() int {
	req := Request{
		Cluster:  os.Getenv("IRSA_FACTS_TEST_CLUSTER"),
		Region:   os.Getenv("IRSA_FACTS_TEST_REGION"),
		CacheDir: os.Getenv("IRSA_FACTS_TEST_CACHE_DIR"),
		Timeout:  10 * time.Second,
	}
	facts, err := Lookup(context.Background(), req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(facts)
	return 0
}

// warnings collects the messages of Request.Warn.
type warnings struct {
	mu       sync.Mutex
	messages []string
}

func (w *warnings) add(message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.messages = append(w.messages, message)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.messages...)
}

// containing returns the first warning that contains text, or "".
func (w *warnings) containing(text string) string {
	for _, message := range w.all() {
		if strings.Contains(message, text) {
			return message
		}
	}
	return ""
}

func setEnv(t *testing.T, env []string) {
	t.Helper()
	for _, entry := range env {
		key, value, _ := strings.Cut(entry, "=")
		t.Setenv(key, value)
	}
}
