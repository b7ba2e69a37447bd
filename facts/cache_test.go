package facts

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
)

// cacheFiles returns the cache files (not lock files) in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatalf("list cache files: %v", err)
	}
	return files
}

// onlyCacheFile returns the single cache file in dir.
func onlyCacheFile(t *testing.T, dir string) string {
	t.Helper()
	files := cacheFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache files = %v, want exactly one", files)
	}
	return files[0]
}

func TestCacheWarmLookupMakesNoCalls(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")

	cold, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("cold Lookup: %v", err)
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 1 {
		t.Errorf("DescribeCluster calls on a cold cache = %d, want 1", got)
	}
	fake.ResetCalls()

	warm, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("warm Lookup: %v", err)
	}
	if got := totalCalls(fake); got != 0 {
		t.Errorf("AWS calls on a warm cache = %d, want 0", got)
	}
	if warm.Source != SourceCache {
		t.Errorf("Source = %q, want %q", warm.Source, SourceCache)
	}
	cold.Source = SourceCache
	if !equalFacts(t, cold, warm) {
		t.Errorf("cached facts = %+v, want %+v", warm, cold)
	}
}

func equalFacts(t *testing.T, a, b *Facts) bool {
	t.Helper()
	first, err := json.Marshal(a)
	if err != nil {
		t.Fatalf("encode facts: %v", err)
	}
	second, err := json.Marshal(b)
	if err != nil {
		t.Fatalf("encode facts: %v", err)
	}
	return string(first) == string(second)
}

func TestCacheFileModes(t *testing.T) {
	startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")

	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	info, err := os.Stat(onlyCacheFile(t, req.CacheDir))
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("cache file mode = %o, want 600", mode)
	}
	dirInfo, err := os.Stat(req.CacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := dirInfo.Mode().Perm(); mode != 0o700 {
		t.Errorf("cache directory mode = %o, want 700", mode)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(req.CacheDir, "*.tmp-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestCacheStoresNoCredentials(t *testing.T) {
	startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")

	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	data, err := os.ReadFile(onlyCacheFile(t, req.CacheDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{awsfake.FakeAccessKeyID, awsfake.FakeSecretAccessKey} {
		if strings.Contains(string(data), secret) {
			t.Errorf("cache file contains a credential: %s", data)
		}
	}
	if !strings.Contains(string(data), `"callerAccount": "111122223333"`) {
		t.Errorf("cache file lacks the caller account: %s", data)
	}
}

func TestCacheKeyedByCredentials(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")

	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEOTHEROTHER00")
	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup with other credentials: %v", err)
	}
	if facts.Source != SourceEKS {
		t.Errorf("Source = %q, want %q for other credentials", facts.Source, SourceEKS)
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 2 {
		t.Errorf("DescribeCluster calls = %d, want 2", got)
	}
	if got := len(cacheFiles(t, req.CacheDir)); got != 2 {
		t.Errorf("cache files = %d, want one for each identity", got)
	}
}

func TestCacheRefreshBypasses(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")

	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	req.Refresh = true
	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("refreshed Lookup: %v", err)
	}
	if facts.Source != SourceEKS {
		t.Errorf("Source = %q, want %q", facts.Source, SourceEKS)
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 2 {
		t.Errorf("DescribeCluster calls = %d, want 2", got)
	}
}

func TestCacheExpiresAfterTTL(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")
	req.TTL = time.Nanosecond

	for range 2 {
		if _, err := Lookup(context.Background(), req); err != nil {
			t.Fatalf("Lookup: %v", err)
		}
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 2 {
		t.Errorf("DescribeCluster calls = %d, want 2 once the TTL passed", got)
	}
}

func TestCacheDisabled(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")
	req.NoCache = true

	for range 2 {
		if _, err := Lookup(context.Background(), req); err != nil {
			t.Fatalf("Lookup: %v", err)
		}
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 2 {
		t.Errorf("DescribeCluster calls = %d, want 2", got)
	}
	if _, err := os.Stat(req.CacheDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cache directory exists (%v), want none with NoCache", err)
	}
}

func TestCacheDirFromEnvironment(t *testing.T) {
	startFake(t, fakeOptions())
	dir := filepath.Join(t.TempDir(), "from-env")
	t.Setenv(CacheDirEnv, dir)
	req, _ := newRequest(t, "ci", "us-east-1")
	req.CacheDir = ""

	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	onlyCacheFile(t, dir)
}

func TestCacheStaleUsedWhenAWSFails(t *testing.T) {
	cases := []struct {
		name     string
		breakAWS func(fake *awsfake.Server, t *testing.T)
	}{
		{"internal error", func(fake *awsfake.Server, t *testing.T) {
			fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultInternalError})
		}},
		{"throttling", func(fake *awsfake.Server, t *testing.T) {
			fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultThrottling})
		}},
		{"no answer", func(fake *awsfake.Server, t *testing.T) {
			fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultNoAnswer})
		}},
		{"connection refused", func(fake *awsfake.Server, t *testing.T) {
			// Closing the fake leaves the endpoints, and so the cache
			// key, unchanged while its port refuses connections.
			fake.Close()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := startFake(t, fakeOptions())
			req, warned := newRequest(t, "ci", "us-east-1")
			req.Timeout = time.Second
			if _, err := Lookup(context.Background(), req); err != nil {
				t.Fatalf("warming Lookup: %v", err)
			}

			tc.breakAWS(fake, t)
			req.TTL = time.Nanosecond
			facts, err := Lookup(context.Background(), req)
			if err != nil {
				t.Fatalf("Lookup: %v, want stale cached facts", err)
			}
			if facts.Source != SourceStaleCache {
				t.Errorf("Source = %q, want %q", facts.Source, SourceStaleCache)
			}
			if facts.Cluster != "ci" || facts.OIDCIssuer != issuerUS {
				t.Errorf("stale facts = %+v", facts)
			}
			warning := warned.containing("using cached facts")
			if warning == "" {
				t.Fatalf("warnings = %q, want one about stale facts", warned.all())
			}
			if !strings.Contains(warning, " ago (looked up at ") {
				t.Errorf("warning = %q, want it to say how old the facts are", warning)
			}
		})
	}
}

func TestCacheStaleNotUsedWhenDenied(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")
	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("warming Lookup: %v", err)
	}

	fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultAccessDenied})
	req.TTL = time.Nanosecond
	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrAccessDenied) {
		t.Errorf("error = %v, want ErrAccessDenied rather than stale facts", err)
	}
}

func TestCacheCorruptFileRewritten(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, warned := newRequest(t, "ci", "us-east-1")
	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("warming Lookup: %v", err)
	}
	path := onlyCacheFile(t, req.CacheDir)
	if err := os.WriteFile(path, []byte(`{"version": 1, "facts": {`), 0o600); err != nil {
		t.Fatal(err)
	}

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup over a corrupt cache: %v", err)
	}
	if facts.Source != SourceEKS {
		t.Errorf("Source = %q, want %q", facts.Source, SourceEKS)
	}
	if warned.containing("ignoring the facts cache file "+path) == "" {
		t.Errorf("warnings = %q, want one naming %s", warned.all(), path)
	}
	if got := len(warned.all()); got != 1 {
		t.Errorf("warnings = %d, want 1", got)
	}

	fake.ResetCalls()
	again, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup after the rewrite: %v", err)
	}
	if again.Source != SourceCache || totalCalls(fake) != 0 {
		t.Errorf("Source = %q with %d AWS calls, want the rewritten cache and none", again.Source, totalCalls(fake))
	}
}

func TestCacheEntryForOtherClusterIgnored(t *testing.T) {
	startFake(t, fakeOptions())
	req, warned := newRequest(t, "ci", "us-east-1")
	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("warming Lookup: %v", err)
	}
	path := onlyCacheFile(t, req.CacheDir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	swapped := strings.ReplaceAll(string(data), `"cluster": "ci"`, `"cluster": "other"`)
	if err := os.WriteFile(path, []byte(swapped), 0o600); err != nil {
		t.Fatal(err)
	}

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.Source != SourceEKS || facts.Cluster != "ci" {
		t.Errorf("facts for %q from %q, want ci from AWS", facts.Cluster, facts.Source)
	}
	if warned.containing("ignoring the facts cache file") == "" {
		t.Errorf("warnings = %q, want one about the mismatched entry", warned.all())
	}
}

func TestCacheConcurrentGoroutinesCallOnce(t *testing.T) {
	fake := startFake(t, fakeOptions())
	fake.SetDelay(150 * time.Millisecond)
	req, _ := newRequest(t, "ci", "us-east-1")

	const lookups = 20
	sources := make([]string, lookups)
	errs := make([]error, lookups)
	var wg sync.WaitGroup
	for i := range lookups {
		wg.Go(func() {
			facts, err := Lookup(context.Background(), req)
			errs[i] = err
			if err == nil {
				sources[i] = facts.Source
			}
		})
	}
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Errorf("lookup %d: %v", i, err)
		}
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 1 {
		t.Errorf("DescribeCluster calls = %d, want 1 for %d concurrent lookups", got, lookups)
	}
	if got := fake.Calls(awsfake.OpGetCallerIdentity); got != 1 {
		t.Errorf("GetCallerIdentity calls = %d, want 1", got)
	}
	fromAWS := 0
	for _, source := range sources {
		if source == SourceEKS {
			fromAWS++
		}
	}
	if fromAWS != 1 {
		t.Errorf("lookups answered from AWS = %d, want 1 (sources %v)", fromAWS, sources)
	}
}

func TestCacheConcurrentProcessesCallOnce(t *testing.T) {
	fake := startFake(t, fakeOptions())
	fake.SetDelay(300 * time.Millisecond)
	req, _ := newRequest(t, "ci", "us-east-1")
	executable, err := os.Executable()
	if err != nil {
		t.Skipf("cannot re-execute the test binary: %v", err)
	}

	const processes, goroutines = 6, 14
	childEnvironment := append(os.Environ(),
		childEnv+"=1",
		"IRSA_FACTS_TEST_CLUSTER=ci",
		"IRSA_FACTS_TEST_REGION=us-east-1",
		"IRSA_FACTS_TEST_CACHE_DIR="+req.CacheDir,
	)
	var wg sync.WaitGroup
	processErrs := make([]error, processes)
	outputs := make([]string, processes)
	for i := range processes {
		wg.Go(func() {
			cmd := exec.Command(executable)
			cmd.Env = childEnvironment
			out, err := cmd.Output()
			outputs[i] = string(out)
			if exitErr, ok := err.(*exec.ExitError); ok {
				err = errors.New(string(exitErr.Stderr))
			}
			processErrs[i] = err
		})
	}
	goroutineErrs := make([]error, goroutines)
	for i := range goroutines {
		wg.Go(func() {
			_, goroutineErrs[i] = Lookup(context.Background(), req)
		})
	}
	wg.Wait()

	for i, err := range processErrs {
		if err != nil {
			t.Errorf("process %d: %v", i, err)
		} else if !strings.Contains(outputs[i], `"cluster":"ci"`) {
			t.Errorf("process %d printed %q, want facts for ci", i, outputs[i])
		}
	}
	for i, err := range goroutineErrs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 1 {
		t.Errorf("DescribeCluster calls = %d, want 1 for %d processes and %d goroutines", got, processes, goroutines)
	}
}

func TestCacheLockWaitBoundedByDeadline(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")
	req.Timeout = 500 * time.Millisecond
	holder := newCache(req.CacheDir, Target{Cluster: "ci", Region: "us-east-1"}, identityHint(""))
	unlock, err := holder.lock(context.Background())
	if err != nil {
		t.Fatalf("take the cache lock: %v", err)
	}
	defer unlock()

	start := time.Now()
	_, err = Lookup(context.Background(), req)
	elapsed := time.Since(start)

	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error = %v, want ErrTimeout while another holder keeps the lock", err)
	}
	if !strings.Contains(err.Error(), "waiting for another irsa-render process") {
		t.Errorf("message = %q", err)
	}
	if elapsed > req.Timeout+time.Second {
		t.Errorf("Lookup took %v, want at most the deadline plus 1s", elapsed)
	}
	if got := totalCalls(fake); got != 0 {
		t.Errorf("AWS calls = %d, want 0", got)
	}
}

func TestIsFresh(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		lookedUpAt time.Time
		want       bool
	}{
		{"just now", now, true},
		{"within TTL", now.Add(-59 * time.Minute), true},
		{"at TTL", now.Add(-time.Hour), false},
		{"slightly in the future", now.Add(30 * time.Second), true},
		{"far in the future", now.Add(2 * time.Hour), false},
	}
	for _, tc := range cases {
		if got := isFresh(tc.lookedUpAt, now, time.Hour); got != tc.want {
			t.Errorf("isFresh(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
