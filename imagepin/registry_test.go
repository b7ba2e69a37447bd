package imagepin

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// testNow is the clock of every test Resolver.
var testNow = time.Date(2026, 12, 4, 10, 30, 15, 500, time.FixedZone("CET", 3600))

// testRegistry is go-containerregistry's in-memory registry, served on
// 127.0.0.1 behind an optional middleware, with a count of the requests
// that reach it.
type testRegistry struct {
	server *httptest.Server
	// host is "127.0.0.1:<port>".
	host string
	// auth, when set, is sent with every push.
	auth authn.Authenticator

	mu       sync.Mutex
	requests map[string]int // "METHOD path" -> count
}

// newTestRegistry starts a registry. When wrap is not nil, it wraps the
// registry's handler, so it receives every request after the count.
func newTestRegistry(t *testing.T, wrap func(http.Handler) http.Handler) *testRegistry {
	t.Helper()
	reg := &testRegistry{requests: map[string]int{}}
	var handler http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		handler = wrap(handler)
	}
	reg.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		reg.mu.Lock()
		reg.requests[req.Method+" "+req.URL.Path]++
		reg.mu.Unlock()
		handler.ServeHTTP(w, req)
	}))
	t.Cleanup(reg.server.Close)
	reg.host = strings.TrimPrefix(reg.server.URL, "http://")
	if !strings.HasPrefix(reg.host, "127.0.0.1:") {
		t.Fatalf("test registry listens on %s, want 127.0.0.1", reg.host)
	}
	return reg
}

// image returns "<host>/<repository>:<tag>".
func (r *testRegistry) image(repository, tag string) string {
	return r.host + "/" + repository + ":" + tag
}

func (r *testRegistry) pushOptions() []remote.Option {
	if r.auth == nil {
		return nil
	}
	return []remote.Option{remote.WithAuth(r.auth)}
}

// pushImage pushes a random image to image and returns its digest.
func (r *testRegistry) pushImage(t *testing.T, image string) v1.Hash {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(image)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, r.pushOptions()...); err != nil {
		t.Fatalf("push %s: %v", image, err)
	}
	return mustDigest(t, img)
}

// pushIndex pushes index, with its images, to image and returns its digest.
func (r *testRegistry) pushIndex(t *testing.T, image string, index v1.ImageIndex) v1.Hash {
	t.Helper()
	ref, err := name.NewTag(image)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, index, r.pushOptions()...); err != nil {
		t.Fatalf("push index %s: %v", image, err)
	}
	digest, err := index.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest
}

// count returns how often "METHOD path" was requested since the last reset.
func (r *testRegistry) count(method, path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests[method+" "+path]
}

// total returns the number of requests since the last reset.
func (r *testRegistry) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.requests {
		n += c
	}
	return n
}

func (r *testRegistry) resetCounts() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = map[string]int{}
}

func mustDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest
}

// isolateCredentials points every credential lookup at empty temporary
// folders, so that no test reads the credentials of the machine it runs
// on. It returns the DOCKER_CONFIG folder, which has no config.json yet.
func isolateCredentials(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	dockerConfig := filepath.Join(t.TempDir(), "docker")
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", dockerConfig)
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(home, "run"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("REGISTRY_AUTH_FILE", "")
	return dockerConfig
}

// writeDockerConfig writes config as config.json in dir and returns its path.
func writeDockerConfig(t *testing.T, dir string, config any) string {
	t.Helper()
	data, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// basicAuthConfig returns a Docker config that stores a user and password
// for host in its auths section, as "docker login" does without a helper.
func basicAuthConfig(host, user, password string) map[string]any {
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	return map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}}}
}

// requireBasicAuth returns 401 with a Basic challenge to every request
// without the given user and password.
func requireBasicAuth(user, password string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if u, p, ok := req.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="irsa-render test registry"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, req)
		})
	}
}

func newTestResolver(timeout time.Duration) *Resolver {
	return NewResolver(Options{Timeout: timeout, Now: func() time.Time { return testNow }})
}

// requireBearerToken puts the registry behind the Docker token flow: every
// request without the bearer token gets a 401 whose Bearer challenge names
// the /token endpoint, which hands out the token for the given user and
// password.
func requireBearerToken(user, password, token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.URL.Path == "/token" {
				if u, p, ok := req.BasicAuth(); !ok || u != user || p != password {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]string{"token": token, "access_token": token})
				return
			}
			if req.Header.Get("Authorization") != "Bearer "+token {
				w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+req.Host+`/token",service="irsa-render-test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, req)
		})
	}
}
