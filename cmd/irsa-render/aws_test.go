package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
)

const (
	demoIssuer = "https://oidc.eks.eu-central-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	cnIssuer   = "https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/FEDCBA9876543210FEDCBA9876543210"
)

// newFakeAWS starts a fake AWS with the cluster demo in eu-central-1 and
// the cluster china in cn-northwest-1, both with their OIDC providers.
func newFakeAWS(t *testing.T) *awsfake.Server {
	t.Helper()
	fake := awsfake.New(awsfake.Options{
		Clusters: []awsfake.Cluster{
			{Name: "demo", Region: "eu-central-1", Issuer: demoIssuer},
			{Name: "china", Region: "cn-northwest-1", Issuer: cnIssuer},
		},
		OIDCProviders: []awsfake.OIDCProvider{
			{URL: demoIssuer, ClientIDs: []string{"sts.amazonaws.com"}},
			{URL: cnIssuer, ClientIDs: []string{"sts.amazonaws.com"}},
		},
	})
	t.Cleanup(fake.Close)
	return fake
}

// fakeEnv is the environment of a child that talks to fake, with its own
// cache folder.
func fakeEnv(t *testing.T, fake *awsfake.Server) []string {
	return append(fake.Env(), "IRSA_RENDER_CACHE_DIR="+filepath.Join(t.TempDir(), "cache"))
}

var clusterArgs = []string{"--role-arn=" + testRole, "--image-tag=v0.6.26", "--cluster=demo", "--region=eu-central-1"}

func TestHelm3TemplateWithClusterFacts(t *testing.T) {
	fake := newFakeAWS(t)
	// The cluster is found in the AWS config's region, as a user's shell
	// or CI job sets it; irsa-render gets no --region.
	env := append(fakeEnv(t, fake), "AWS_REGION=eu-central-1")
	args := append([]string{"template", "runner", "charts/ci-runner-worker", "--namespace", "firefly", "--post-renderer", binary},
		postRendererArgs("--role-arn="+testRole, "--image-tag=v0.6.26", "--cluster=demo", "--aws-timeout=5s")...)
	got := helmWithEnv(t, "helm3", env, args...)
	if got.code != 0 {
		t.Fatalf("helm template exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	if n := strings.Count(got.stdout, "value: eu-central-1\n"); n != 4 {
		t.Errorf("region values from the cluster = %d, want 4 (2 variables in 2 containers)", n)
	}
	if calls := fake.Calls(awsfake.OpDescribeCluster); calls != 1 {
		t.Errorf("DescribeCluster calls on a cold cache = %d, want 1", calls)
	}
	warm := helmWithEnv(t, "helm3", env, args...)
	if warm.code != 0 {
		t.Fatalf("warm helm template exit code = %d; stderr:\n%s", warm.code, warm.stderr)
	}
	if calls := fake.Calls(awsfake.OpDescribeCluster); calls != 1 {
		t.Errorf("DescribeCluster calls after a warm render = %d, want still 1", calls)
	}
	if warm.stdout != got.stdout {
		t.Error("warm render differs from the cold one")
	}
}

func TestRegionComesFromCluster(t *testing.T) {
	fake := newFakeAWS(t)
	input := readFile(t, caseFile(t, "default.yaml"))
	got := runBinary(t, input, append(fakeEnv(t, fake), "AWS_REGION=eu-central-1"), "--role-arn="+testRole, "--image-tag=v0.6.26", "--cluster=demo")
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stdout, "value: eu-central-1\n") {
		t.Error("output lacks the cluster's region eu-central-1")
	}
}

func TestPartitionViolationNamesFact(t *testing.T) {
	fake := newFakeAWS(t)
	input := readFile(t, caseFile(t, "default.yaml"))
	got := runBinary(t, input, fakeEnv(t, fake), "--role-arn="+testRole, "--image-tag=v0.6.26", "--cluster=china", "--region=cn-northwest-1")
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	if got.stdout != "" {
		t.Errorf("stdout has %d bytes on failure, want none", len(got.stdout))
	}
	want := "ci-runner-worker/templates/serviceaccount.yaml: ServiceAccount firefly/ci-runner-worker: " +
		"/metadata/annotations/eks.amazonaws.com~1role-arn: partition aws does not match the cluster's partition aws-cn (cluster china, cn-northwest-1)"
	if !strings.Contains(got.stderr, want) {
		t.Errorf("stderr = %q, want it to contain %q", got.stderr, want)
	}
	if fix := "pass a --role-arn in the cluster's partition"; !strings.Contains(got.stderr, fix) {
		t.Errorf("stderr = %q, want the fix %q", got.stderr, fix)
	}
}

func TestRegionFlagConflictsWithCluster(t *testing.T) {
	fake := newFakeAWS(t)
	input := readFile(t, caseFile(t, "default.yaml"))
	got := runBinary(t, input, fakeEnv(t, fake), "--role-arn="+testRole, "--image-tag=v0.6.26", "--cluster=demo", "--region=eu-west-1")
	if got.code == 0 {
		t.Fatal("render succeeded with a region the cluster is not in")
	}
	if !strings.Contains(got.stderr, "eu-west-1") {
		t.Errorf("stderr = %q, want it to name the region", got.stderr)
	}
}

func TestFactsCommandPrintsJSON(t *testing.T) {
	fake := newFakeAWS(t)
	got := runBinary(t, nil, fakeEnv(t, fake), "facts", "--cluster=demo", "--region=eu-central-1")
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	var f map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &f); err != nil {
		t.Fatalf("facts output is not JSON: %v\n%s", err, got.stdout)
	}
	want := map[string]any{
		"cluster":         "demo",
		"region":          "eu-central-1",
		"partition":       "aws",
		"account":         "111122223333",
		"oidcIssuer":      demoIssuer,
		"oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/" + strings.TrimPrefix(demoIssuer, "https://"),
	}
	for key, value := range want {
		if f[key] != value {
			t.Errorf("facts %s = %v, want %v", key, f[key], value)
		}
	}
	if f["oidcProviderExists"] != true {
		t.Errorf("facts oidcProviderExists = %v, want true", f["oidcProviderExists"])
	}
}

func TestFactsFileRendersOffline(t *testing.T) {
	dir := t.TempDir()
	describe := filepath.Join(dir, "describe-cluster.json")
	writeFile(t, describe, `{"cluster": {"name": "demo", "arn": "arn:aws:eks:eu-central-1:111122223333:cluster/demo",
  "version": "1.33", "status": "ACTIVE", "platformVersion": "eks.9",
  "identity": {"oidc": {"issuer": "`+demoIssuer+`"}}}}`)
	input := readFile(t, caseFile(t, "default.yaml"))
	got := runBinary(t, input, nil, "--role-arn="+testRole, "--image-tag=v0.6.26", "--facts="+describe)
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stdout, "value: eu-central-1\n") {
		t.Error("output lacks the region of the facts file")
	}
	missing := runBinary(t, input, nil, "--role-arn="+testRole, "--facts="+filepath.Join(dir, "none.json"))
	if missing.code != 2 || !strings.Contains(missing.stderr, "--facts") {
		t.Errorf("missing facts file: exit %d, stderr %q; want 2 naming --facts", missing.code, missing.stderr)
	}
}

func TestConcurrentRendersShareOneLookup(t *testing.T) {
	fake := newFakeAWS(t)
	env := fakeEnv(t, fake)
	input := readFile(t, caseFile(t, "default.yaml"))
	const processes = 50
	outputs := make([]result, processes)
	var wg sync.WaitGroup
	for i := range outputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outputs[i] = runBinary(t, input, env, clusterArgs...)
		}()
	}
	wg.Wait()
	for i, got := range outputs {
		if got.code != 0 {
			t.Fatalf("process %d exit code = %d; stderr:\n%s", i, got.code, got.stderr)
		}
		if got.stdout != outputs[0].stdout {
			t.Errorf("process %d output differs from process 0", i)
		}
	}
	if calls := fake.Calls(awsfake.OpDescribeCluster); calls != 1 {
		t.Errorf("DescribeCluster calls from %d processes on a cold cache = %d, want 1", processes, calls)
	}
	assertCacheParses(t, env)
}

// assertCacheParses checks that every cache file of a run holds JSON facts.
func assertCacheParses(t *testing.T, env []string) {
	t.Helper()
	var dir string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "IRSA_RENDER_CACHE_DIR="); ok {
			dir = v
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cache file in %s: %v", dir, err)
	}
	for _, file := range files {
		var f map[string]any
		data := readFile(t, file)
		recordFile(t.Name(), file, data)
		if err := json.Unmarshal(data, &f); err != nil {
			t.Errorf("cache file %s does not parse: %v", file, err)
		}
		info, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("cache file mode = %o, want 600", mode)
		}
	}
}

func TestAWSFaultsFailWithinDeadline(t *testing.T) {
	input := readFile(t, caseFile(t, "default.yaml"))
	tests := []struct {
		name       string
		fault      awsfake.FaultKind
		wantStderr string
	}{
		{name: "internal error", fault: awsfake.FaultInternalError, wantStderr: "eks:DescribeCluster"},
		{name: "throttling", fault: awsfake.FaultThrottling, wantStderr: "throttl"},
		{name: "access denied", fault: awsfake.FaultAccessDenied, wantStderr: "eks:DescribeCluster"},
		{name: "never answers", fault: awsfake.FaultNoAnswer, wantStderr: "--aws-timeout"},
		{name: "malformed body", fault: awsfake.FaultMalformedBody, wantStderr: "DescribeCluster"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAWS(t)
			fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: tc.fault})
			start := time.Now()
			got := runBinary(t, input, fakeEnv(t, fake), append(clusterArgs, "--aws-timeout=2s")...)
			elapsed := time.Since(start)
			if got.code != 1 {
				t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout has %d bytes on failure, want none", len(got.stdout))
			}
			if !strings.Contains(strings.ToLower(got.stderr), strings.ToLower(tc.wantStderr)) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tc.wantStderr)
			}
			if elapsed > 5*time.Second {
				t.Errorf("failure took %v, want it within the 2s deadline plus start-up", elapsed)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		env := append(awsfake.EnvForEndpoint(awsfake.RefusedURL()), "IRSA_RENDER_CACHE_DIR="+t.TempDir())
		got := runBinary(t, input, env, append(clusterArgs, "--aws-timeout=2s")...)
		if got.code != 1 || got.stdout != "" {
			t.Fatalf("exit code = %d with %d bytes of stdout, want 1 and none; stderr:\n%s", got.code, len(got.stdout), got.stderr)
		}
	})
}

func TestStaleCacheUsedWhenAWSFails(t *testing.T) {
	input := readFile(t, caseFile(t, "default.yaml"))
	tests := []struct {
		name      string
		fault     awsfake.FaultKind
		wantStale bool
	}{
		{name: "internal error", fault: awsfake.FaultInternalError, wantStale: true},
		{name: "throttling", fault: awsfake.FaultThrottling, wantStale: true},
		{name: "never answers", fault: awsfake.FaultNoAnswer, wantStale: true},
		// A denial is a configuration problem, not an outage: it fails
		// even with facts in the cache.
		{name: "access denied", fault: awsfake.FaultAccessDenied, wantStale: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAWS(t)
			env := fakeEnv(t, fake)
			fresh := runBinary(t, input, env, clusterArgs...)
			if fresh.code != 0 {
				t.Fatalf("first render exit code = %d; stderr:\n%s", fresh.code, fresh.stderr)
			}
			fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: tc.fault})
			start := time.Now()
			// A 1ns TTL makes the cached entry stale at once.
			got := runBinary(t, input, env, append(clusterArgs, "--facts-ttl=1ns", "--aws-timeout=2s")...)
			if elapsed := time.Since(start); elapsed > 6*time.Second {
				t.Errorf("render took %v, want it within the 2s deadline plus start-up", elapsed)
			}
			if !tc.wantStale {
				if got.code != 1 || got.stdout != "" {
					t.Errorf("exit code = %d with %d bytes of stdout, want 1 and none", got.code, len(got.stdout))
				}
				return
			}
			if got.code != 0 {
				t.Fatalf("render with AWS failing and a stale cache: exit %d; stderr:\n%s", got.code, got.stderr)
			}
			if got.stdout != fresh.stdout {
				t.Error("render from the stale cache differs from the fresh one")
			}
			if !strings.Contains(got.stderr, "warning:") {
				t.Errorf("stderr = %q, want a warning about the stale facts", got.stderr)
			}
		})
	}
}

// helmWithEnv runs Helm with extra environment for its post-renderer.
func helmWithEnv(t *testing.T, version string, env []string, args ...string) result {
	t.Helper()
	saved := extraHelmEnv
	extraHelmEnv = env
	defer func() { extraHelmEnv = saved }()
	return helm(t, version, args...)
}
