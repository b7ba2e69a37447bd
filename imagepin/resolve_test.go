package imagepin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

const runnerRepository = "ci/ci-runner-worker"

func TestResolveTag(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	image := reg.image(runnerRepository, "v0.6.26")
	want := reg.pushImage(t, image)

	got, err := newTestResolver(0).Resolve(context.Background(), image)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.String() {
		t.Errorf("Digest = %s, want %s", got.Digest, want)
	}
	if got.Image != reg.host+"/"+runnerRepository {
		t.Errorf("Image = %q, want %q", got.Image, reg.host+"/"+runnerRepository)
	}
	if got.Tag != "v0.6.26" {
		t.Errorf("Tag = %q, want v0.6.26", got.Tag)
	}
	if got.Credential != CredentialAnonymous {
		t.Errorf("Credential = %q, want %q", got.Credential, CredentialAnonymous)
	}
	if wantTime := time.Date(2026, 12, 4, 9, 30, 15, 0, time.UTC); !got.ResolvedAt.Equal(wantTime) || got.ResolvedAt.Location() != time.UTC {
		t.Errorf("ResolvedAt = %v, want %v", got.ResolvedAt, wantTime)
	}
}

func TestResolveMultiPlatformIndex(t *testing.T) {
	isolateCredentials(t)
	amd64, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	arm64, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	platformIndex := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	randomIndex, err := random.Index(512, 1, 3)
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name  string
		index v1.ImageIndex
	}{
		{name: "platform index", index: platformIndex},
		{name: "random index", index: randomIndex},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg := newTestRegistry(t, nil)
			image := reg.image(runnerRepository, "v1")
			want := reg.pushIndex(t, image, tt.index)

			got, err := newTestResolver(0).Resolve(context.Background(), image)
			if err != nil {
				t.Fatal(err)
			}
			if got.Digest != want.String() {
				t.Errorf("Digest = %s, want the index digest %s", got.Digest, want)
			}
			manifest, err := tt.index.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			if len(manifest.Manifests) < 2 {
				t.Fatalf("index has %d manifests, want at least 2", len(manifest.Manifests))
			}
			for _, child := range manifest.Manifests {
				if got.Digest == child.Digest.String() {
					t.Errorf("Digest = %s, the digest of the manifest for platform %v", got.Digest, child.Platform)
				}
			}
		})
	}
}

func TestResolveRegistryWithPort(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	_, port, err := net.SplitHostPort(reg.host)
	if err != nil {
		t.Fatal(err)
	}
	want := reg.pushImage(t, reg.image(runnerRepository, "v1"))

	for _, registryHost := range []string{"127.0.0.1:" + port, "localhost:" + port} {
		t.Run(registryHost, func(t *testing.T) {
			got, err := newTestResolver(0).Resolve(context.Background(), registryHost+"/"+runnerRepository+":v1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Digest != want.String() {
				t.Errorf("Digest = %s, want %s", got.Digest, want)
			}
			if got.Image != registryHost+"/"+runnerRepository {
				t.Errorf("Image = %q, want the repository as written, %q", got.Image, registryHost+"/"+runnerRepository)
			}
		})
	}
}

func TestResolveMissingTag(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	reg.pushImage(t, reg.image(runnerRepository, "v1"))

	for _, tt := range []struct {
		name, repository, tag string
	}{
		{name: "tag", repository: runnerRepository, tag: "v2"},
		{name: "repository", repository: "ci/absent", tag: "v1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newTestResolver(0).Resolve(context.Background(), reg.image(tt.repository, tt.tag))
			if !errors.Is(err, ErrTagNotFound) {
				t.Fatalf("error = %v, want ErrTagNotFound", err)
			}
			want := fmt.Sprintf("tag %s not found in repository %s/%s (HTTP 404)", tt.tag, reg.host, tt.repository)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error = %q, want it to contain %q", err, want)
			}
			var resolveErr *ResolveError
			if !errors.As(err, &resolveErr) {
				t.Fatalf("error is %T, want *ResolveError", err)
			}
			if resolveErr.StatusCode != http.StatusNotFound {
				t.Errorf("StatusCode = %d, want 404", resolveErr.StatusCode)
			}
		})
	}
}

func TestResolveAuthDockerConfig(t *testing.T) {
	reg := newTestRegistry(t, requireBasicAuth("runner", "s3cret"))
	reg.auth = &authn.Basic{Username: "runner", Password: "s3cret"}
	image := reg.image(runnerRepository, "v1")
	want := reg.pushImage(t, image)

	t.Run("no config", func(t *testing.T) {
		dockerConfig := isolateCredentials(t)
		_, err := newTestResolver(0).Resolve(context.Background(), image)
		if !errors.Is(err, ErrAuthRequired) {
			t.Fatalf("error = %v, want ErrAuthRequired", err)
		}
		path := filepath.Join(dockerConfig, "config.json")
		for _, want := range []string{
			"registry " + reg.host + " requires authentication",
			"Tried anonymous (HTTP 401), docker config at " + path + " (file not found)",
			`docker login ` + reg.host,
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error = %q, want it to contain %q", err, want)
			}
		}
	})

	t.Run("no entry for the registry", func(t *testing.T) {
		dockerConfig := isolateCredentials(t)
		path := writeDockerConfig(t, dockerConfig, basicAuthConfig("registry.example.com", "runner", "s3cret"))
		_, err := newTestResolver(0).Resolve(context.Background(), image)
		if !errors.Is(err, ErrAuthRequired) {
			t.Fatalf("error = %v, want ErrAuthRequired", err)
		}
		want := "Tried anonymous (HTTP 401), docker config at " + path + " (no credentials for " + reg.host + ")"
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err, want)
		}
	})

	t.Run("malformed config", func(t *testing.T) {
		dockerConfig := isolateCredentials(t)
		path := filepath.Join(dockerConfig, "config.json")
		if err := os.MkdirAll(dockerConfig, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := newTestResolver(0).Resolve(context.Background(), image)
		if !errors.Is(err, ErrAuthRequired) {
			t.Fatalf("error = %v, want ErrAuthRequired", err)
		}
		want := "docker config at " + path + " (failed: "
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err, want)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		dockerConfig := isolateCredentials(t)
		path := writeDockerConfig(t, dockerConfig, basicAuthConfig(reg.host, "runner", "wrong"))
		_, err := newTestResolver(0).Resolve(context.Background(), image)
		if !errors.Is(err, ErrAuthRequired) {
			t.Fatalf("error = %v, want ErrAuthRequired", err)
		}
		want := "Tried anonymous (HTTP 401), docker config at " + path + " (HTTP 401)"
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err, want)
		}
	})

	t.Run("credentials", func(t *testing.T) {
		dockerConfig := isolateCredentials(t)
		path := writeDockerConfig(t, dockerConfig, basicAuthConfig(reg.host, "runner", "s3cret"))
		got, err := newTestResolver(0).Resolve(context.Background(), image)
		if err != nil {
			t.Fatal(err)
		}
		if got.Digest != want.String() {
			t.Errorf("Digest = %s, want %s", got.Digest, want)
		}
		if got.Credential != "docker config at "+path {
			t.Errorf("Credential = %q, want %q", got.Credential, "docker config at "+path)
		}
	})
}

func TestResolveAuthCredentialHelper(t *testing.T) {
	reg := newTestRegistry(t, requireBasicAuth("runner", "s3cret"))
	reg.auth = &authn.Basic{Username: "runner", Password: "s3cret"}
	image := reg.image(runnerRepository, "v1")
	want := reg.pushImage(t, image)

	dockerConfig := isolateCredentials(t)
	helpers := t.TempDir()
	script := "#!/bin/sh\ncat >/dev/null\necho '{\"Username\":\"runner\",\"Secret\":\"s3cret\"}'\n"
	if err := os.WriteFile(filepath.Join(helpers, "docker-credential-irsatest"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", helpers+string(os.PathListSeparator)+os.Getenv("PATH"))
	path := writeDockerConfig(t, dockerConfig, map[string]any{"credHelpers": map[string]string{reg.host: "irsatest"}})

	got, err := newTestResolver(0).Resolve(context.Background(), image)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.String() {
		t.Errorf("Digest = %s, want %s", got.Digest, want)
	}
	wantCredential := "credential helper docker-credential-irsatest (from docker config at " + path + ")"
	if got.Credential != wantCredential {
		t.Errorf("Credential = %q, want %q", got.Credential, wantCredential)
	}
}

// staticHelper is an authn.Helper that returns one user and password.
type staticHelper struct{ user, password string }

func (h staticHelper) Get(string) (string, string, error) { return h.user, h.password, nil }

func TestResolveExtraKeychain(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, requireBasicAuth("runner", "s3cret"))
	reg.auth = &authn.Basic{Username: "runner", Password: "s3cret"}
	image := reg.image(runnerRepository, "v1")
	want := reg.pushImage(t, image)

	resolver := NewResolver(Options{ExtraKeychains: []NamedKeychain{
		{Name: "credential helper test", Keychain: authn.NewKeychainFromHelper(staticHelper{"runner", "s3cret"})},
	}})
	got, err := resolver.Resolve(context.Background(), image)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.String() {
		t.Errorf("Digest = %s, want %s", got.Digest, want)
	}
	if got.Credential != "credential helper test" {
		t.Errorf("Credential = %q, want %q", got.Credential, "credential helper test")
	}
}

func TestResolveTimeout(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			<-req.Context().Done()
		})
	})
	const timeout = 300 * time.Millisecond
	const slack = 2 * time.Second

	start := time.Now()
	_, err := newTestResolver(timeout).Resolve(context.Background(), reg.image(runnerRepository, "v1"))
	elapsed := time.Since(start)

	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error = %v, want ErrTimeout", err)
	}
	if elapsed > timeout+slack {
		t.Errorf("Resolve returned after %v, want at most %v", elapsed, timeout+slack)
	}
	want := "registry " + reg.host + " did not respond within 300ms"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err, want)
	}
}

func TestResolveCanceledContext(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			<-req.Context().Done()
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)

	_, err := newTestResolver(time.Minute).Resolve(ctx, reg.image(runnerRepository, "v1"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrTimeout) {
		t.Errorf("error = %v, want no ErrTimeout for a canceled caller", err)
	}
}

// rateLimitManifests returns 429 to every manifest request, with
// Retry-After when retryAfter is not empty.
func rateLimitManifests(retryAfter string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if !strings.Contains(req.URL.Path, "/manifests/") {
				next.ServeHTTP(w, req)
				return
			}
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(http.StatusTooManyRequests)
		})
	}
}

func TestResolveRateLimited(t *testing.T) {
	for _, tt := range []struct {
		name, retryAfter string
		wantDelay        time.Duration
		wantText         string
	}{
		{name: "with Retry-After", retryAfter: "120", wantDelay: 2 * time.Minute, wantText: "Retry after 2m0s"},
		{name: "without Retry-After", wantText: "Retry later"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			isolateCredentials(t)
			reg := newTestRegistry(t, rateLimitManifests(tt.retryAfter))

			_, err := newTestResolver(0).Resolve(context.Background(), reg.image(runnerRepository, "v1"))
			if !errors.Is(err, ErrRateLimited) {
				t.Fatalf("error = %v, want ErrRateLimited", err)
			}
			var resolveErr *ResolveError
			if !errors.As(err, &resolveErr) {
				t.Fatalf("error is %T, want *ResolveError", err)
			}
			if resolveErr.RetryAfter != tt.wantDelay {
				t.Errorf("RetryAfter = %v, want %v", resolveErr.RetryAfter, tt.wantDelay)
			}
			for _, want := range []string{"registry " + reg.host + " rate limited the request (HTTP 429)", tt.wantText} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error = %q, want it to contain %q", err, want)
				}
			}
			if n := reg.count(http.MethodHead, "/v2/"+runnerRepository+"/manifests/v1"); n != 1 {
				t.Errorf("HEAD requests for the manifest = %d, want 1: a 429 is not retried", n)
			}
		})
	}
}

func TestResolveConnectionRefused(t *testing.T) {
	isolateCredentials(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := listener.Addr().String()
	listener.Close()

	_, err = newTestResolver(0).Resolve(context.Background(), host+"/"+runnerRepository+":v1")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("error = %v, want ErrUnreachable", err)
	}
	for _, want := range []string{"registry " + host + " is unreachable", "connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err, want)
		}
	}
}

// dropHeadDigest removes Docker-Content-Digest from the responses to HEAD
// requests, as some registries do.
func dropHeadDigest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodHead {
			w = &headerDropper{ResponseWriter: w, header: "Docker-Content-Digest"}
		}
		next.ServeHTTP(w, req)
	})
}

type headerDropper struct {
	http.ResponseWriter
	header string
}

func (d *headerDropper) WriteHeader(status int) {
	d.Header().Del(d.header)
	d.ResponseWriter.WriteHeader(status)
}

func TestResolveHeadWithoutDigest(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, dropHeadDigest)
	image := reg.image(runnerRepository, "v1")
	want := reg.pushImage(t, image)
	reg.resetCounts()

	got, err := newTestResolver(0).Resolve(context.Background(), image)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.String() {
		t.Errorf("Digest = %s, want %s", got.Digest, want)
	}
	if n := reg.count(http.MethodGet, "/v2/"+runnerRepository+"/manifests/v1"); n != 1 {
		t.Errorf("GET requests for the manifest = %d, want 1", n)
	}
}

func TestResolveAllDedups(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	runner := reg.image(runnerRepository, "v1")
	dind := reg.image("ci/docker", "dind")
	wantRunner := reg.pushImage(t, runner)
	wantDind := reg.pushImage(t, dind)
	reg.resetCounts()

	got, err := newTestResolver(0).ResolveAll(context.Background(), []string{runner, dind, runner, runner, dind})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("ResolveAll returned %d resolutions, want 2", len(got))
	}
	if got[runner].Digest != wantRunner.String() {
		t.Errorf("runner digest = %s, want %s", got[runner].Digest, wantRunner)
	}
	if got[dind].Digest != wantDind.String() {
		t.Errorf("dind digest = %s, want %s", got[dind].Digest, wantDind)
	}
	for _, path := range []string{"/v2/" + runnerRepository + "/manifests/v1", "/v2/ci/docker/manifests/dind"} {
		if n := reg.count(http.MethodHead, path); n != 1 {
			t.Errorf("HEAD %s requests = %d, want 1", path, n)
		}
	}
}

func TestResolveAllReportsEveryFailure(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	runner := reg.image(runnerRepository, "v1")
	reg.pushImage(t, runner)
	missingA := reg.image(runnerRepository, "v2")
	missingB := reg.image(runnerRepository, "v3")

	got, err := newTestResolver(0).ResolveAll(context.Background(), []string{runner, missingA, missingB})
	if !errors.Is(err, ErrTagNotFound) {
		t.Fatalf("error = %v, want ErrTagNotFound", err)
	}
	for _, tag := range []string{"tag v2 not found", "tag v3 not found"} {
		if !strings.Contains(err.Error(), tag) {
			t.Errorf("error = %q, want it to contain %q", err, tag)
		}
	}
	if _, ok := got[runner]; !ok {
		t.Errorf("resolutions lack %s, which resolved", runner)
	}
	if len(got) != 1 {
		t.Errorf("ResolveAll returned %d resolutions, want 1", len(got))
	}
}

func TestResolveRejectsReference(t *testing.T) {
	for _, tt := range []struct {
		name, image, want string
	}{
		{name: "no tag", image: "127.0.0.1:5000/ci/ci-runner-worker", want: "the image has no tag"},
		{name: "digest", image: "127.0.0.1:5000/ci/ci-runner-worker@sha256:" + strings.Repeat("a", 64), want: "already names a digest"},
		{name: "invalid", image: "127.0.0.1:5000/CI/ci-runner-worker:v1", want: "invalid repository path component"},
		{name: "empty", image: "", want: "image reference is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newTestResolver(0).Resolve(context.Background(), tt.image)
			if err == nil {
				t.Fatal("Resolve returned no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestResolveAuthBearerToken(t *testing.T) {
	reg := newTestRegistry(t, requireBearerToken("runner", "s3cret", "t0ken"))
	reg.auth = &authn.Basic{Username: "runner", Password: "s3cret"}
	image := reg.image(runnerRepository, "v1")
	want := reg.pushImage(t, image)

	t.Run("no credentials", func(t *testing.T) {
		isolateCredentials(t)
		_, err := newTestResolver(0).Resolve(context.Background(), image)
		if !errors.Is(err, ErrAuthRequired) {
			t.Fatalf("error = %v, want ErrAuthRequired", err)
		}
		if !strings.Contains(err.Error(), "Tried anonymous") {
			t.Errorf("error = %q, want the credential sources tried", err)
		}
	})

	t.Run("token from docker config credentials", func(t *testing.T) {
		dockerConfig := isolateCredentials(t)
		writeDockerConfig(t, dockerConfig, basicAuthConfig(reg.host, "runner", "s3cret"))
		got, err := newTestResolver(0).Resolve(context.Background(), image)
		if err != nil {
			t.Fatal(err)
		}
		if got.Digest != want.String() {
			t.Errorf("Digest = %s, want %s", got.Digest, want)
		}
		if reg.count("GET", "/token") == 0 {
			t.Error("the token endpoint was never asked, so the bearer flow did not run")
		}
	})
}
