// Package awsfake runs a fake AWS endpoint on 127.0.0.1 for tests of the
// real AWS SDK for Go v2 without network access. It speaks the wire
// protocols of the EKS (REST-JSON), IAM and STS (query protocol, XML)
// operations that irsa-render uses.
//
// Point the SDK at the fake with the environment from [Server.Env]. It sets
// the standard AWS_ENDPOINT_URL_* variables, fake static credentials and
// empty shared config files. It also sets a proxy that refuses every host
// but the loopback address, so a request that misses the fake fails on this
// machine instead of reaching AWS.
package awsfake

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Fake credentials that Env exports. They are not valid anywhere.
const (
	FakeAccessKeyID     = "AKIAFAKEFAKEFAKEFAKE"
	FakeSecretAccessKey = "fake/secret/access/key/for/tests/only00"
)

// Operation names accepted by Calls and SetFault.
const (
	OpDescribeCluster             = "DescribeCluster"
	OpListClusters                = "ListClusters"
	OpListPodIdentityAssociations = "ListPodIdentityAssociations"
	OpListOpenIDConnectProviders  = "ListOpenIDConnectProviders"
	OpGetOpenIDConnectProvider    = "GetOpenIDConnectProvider"
	OpGetRole                     = "GetRole"
	OpGetCallerIdentity           = "GetCallerIdentity"
)

// Cluster is an EKS cluster served by DescribeCluster and ListClusters.
type Cluster struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	// Account owns the cluster; it defaults to Options.CallerAccount.
	Account string `json:"account,omitempty"`
	// Partition defaults to the partition of Region (aws, aws-cn or aws-us-gov).
	Partition string `json:"partition,omitempty"`
	// Version defaults to "1.33" and PlatformVersion to "eks.9".
	Version         string `json:"version,omitempty"`
	PlatformVersion string `json:"platformVersion,omitempty"`
	// Status defaults to ACTIVE.
	Status string `json:"status,omitempty"`
	// Issuer is the OIDC issuer URL; empty means the cluster has none.
	Issuer string `json:"issuer,omitempty"`
	// Endpoint defaults to https://<hex id>.gr7.<region>.eks.amazonaws.com.
	Endpoint  string    `json:"endpoint,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitempty"`
}

// OIDCProvider is an IAM OpenID Connect identity provider.
type OIDCProvider struct {
	// URL is the issuer URL, with or without the https:// prefix.
	URL         string   `json:"url"`
	ClientIDs   []string `json:"clientIds,omitempty"`
	Thumbprints []string `json:"thumbprints,omitempty"`
	// Account defaults to Options.CallerAccount.
	Account string `json:"account,omitempty"`
}

// Role is an IAM role served by GetRole.
type Role struct {
	Name string `json:"name"`
	// Path defaults to "/".
	Path string `json:"path,omitempty"`
	// TrustPolicy is the assume role policy document as plain JSON; GetRole
	// returns it URL-encoded, as IAM does.
	TrustPolicy string `json:"trustPolicy,omitempty"`
	// MaxSessionDuration is in seconds and defaults to 3600.
	MaxSessionDuration int32 `json:"maxSessionDuration,omitempty"`
	// Account defaults to Options.CallerAccount.
	Account string `json:"account,omitempty"`
}

// PodIdentityAssociation is an EKS Pod Identity association of a cluster.
type PodIdentityAssociation struct {
	Cluster        string `json:"cluster"`
	Region         string `json:"region"`
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	RoleARN        string `json:"roleArn,omitempty"`
	// ID defaults to a value derived from the position in Options.
	ID string `json:"id,omitempty"`
}

// Options configures the fake.
type Options struct {
	Clusters                []Cluster                `json:"clusters,omitempty"`
	OIDCProviders           []OIDCProvider           `json:"oidcProviders,omitempty"`
	Roles                   []Role                   `json:"roles,omitempty"`
	PodIdentityAssociations []PodIdentityAssociation `json:"podIdentityAssociations,omitempty"`
	// CallerAccount is the account GetCallerIdentity returns; it defaults
	// to 111122223333.
	CallerAccount string `json:"callerAccount,omitempty"`
	// CallerName is the IAM user in the caller ARN; it defaults to "ci".
	CallerName string `json:"callerName,omitempty"`
	// Delay is added before every response.
	Delay time.Duration `json:"delay,omitempty"`
	// Faults maps an operation name to the fault it returns.
	Faults map[string]Fault `json:"faults,omitempty"`
	// ListenAddr is the address to listen on; it must be on 127.0.0.1 and
	// defaults to 127.0.0.1:0 (a free port).
	ListenAddr string `json:"listenAddr,omitempty"`
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	httpSrv *httptest.Server
	closing chan struct{}
	once    sync.Once
	tempDir string

	mu     sync.Mutex
	calls  map[string]int
	faults map[string]*faultState
	delay  time.Duration
}

// New starts a fake on 127.0.0.1. It panics when it cannot listen or
// create its empty AWS config files, like httptest.NewServer.
func New(opts Options) *Server {
	opts = withDefaults(opts)
	listener, err := listenLoopback(opts.ListenAddr)
	if err != nil {
		panic(fmt.Sprintf("awsfake: %v", err))
	}
	tempDir, err := writeEmptyConfigFiles()
	if err != nil {
		listener.Close()
		panic(fmt.Sprintf("awsfake: %v", err))
	}

	s := &Server{
		opts:    opts,
		closing: make(chan struct{}),
		tempDir: tempDir,
		calls:   map[string]int{},
		faults:  map[string]*faultState{},
		delay:   opts.Delay,
	}
	for op, fault := range opts.Faults {
		s.faults[op] = &faultState{fault: fault}
	}

	s.httpSrv = httptest.NewUnstartedServer(s.routes())
	s.httpSrv.Listener.Close()
	s.httpSrv.Listener = listener
	s.httpSrv.Start()
	return s
}

func withDefaults(opts Options) Options {
	if opts.CallerAccount == "" {
		opts.CallerAccount = "111122223333"
	}
	if opts.CallerName == "" {
		opts.CallerName = "ci"
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = "127.0.0.1:0"
	}
	return opts
}

// listenLoopback listens on addr and rejects any host but 127.0.0.1, so the
// fake can never be exposed beyond this machine.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid listen address %q: %w", addr, err)
	}
	if host != "127.0.0.1" {
		return nil, fmt.Errorf("listen address %q is not on 127.0.0.1; the fake listens on the loopback address only", addr)
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return listener, nil
}

// writeEmptyConfigFiles creates the empty shared config and credentials
// files that Env points the SDK at, so no profile of the developer is read.
func writeEmptyConfigFiles() (string, error) {
	dir, err := os.MkdirTemp("", "awsfake-")
	if err != nil {
		return "", fmt.Errorf("create temporary directory for empty AWS config files: %w", err)
	}
	for _, name := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("write empty AWS %s file: %w", name, err)
		}
	}
	return dir, nil
}

// URL returns the base URL of the fake, http://127.0.0.1:<port>.
func (s *Server) URL() string {
	return s.httpSrv.URL
}

// Close stops the fake. Requests that wait on a no-answer fault or a delay
// are ended first, so Close does not block on them.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.httpSrv.CloseClientConnections()
		s.httpSrv.Close()
		os.RemoveAll(s.tempDir)
	})
}

// Env returns the environment, as KEY=VALUE entries, that points the AWS
// SDK at this fake with fake static credentials and no IMDS access.
func (s *Server) Env() []string {
	env := EnvForEndpoint(s.URL())
	return append(env,
		"AWS_CONFIG_FILE="+filepath.Join(s.tempDir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(s.tempDir, "credentials"),
	)
}

// EnvForEndpoint returns the environment that points the AWS SDK at
// endpoint, which must be on 127.0.0.1, with fake static credentials and no
// IMDS access. It lacks the AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE
// entries that [Server.Env] adds, so a caller that uses it with a refused
// URL sets those itself.
//
// HTTP_PROXY and HTTPS_PROXY point at a closed port on 127.0.0.1 while
// NO_PROXY exempts the loopback address: any request to another host fails
// locally. Go reads the proxy variables once per process, so set them before
// the first HTTP request of the process for this guard to hold.
func EnvForEndpoint(endpoint string) []string {
	guard := proxyGuardURL()
	return []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_ENDPOINT_URL_EKS=" + endpoint,
		"AWS_ENDPOINT_URL_IAM=" + endpoint,
		"AWS_ENDPOINT_URL_STS=" + endpoint,
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false",
		"AWS_USE_FIPS_ENDPOINT=false",
		"AWS_USE_DUALSTACK_ENDPOINT=false",
		"AWS_ACCESS_KEY_ID=" + FakeAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + FakeSecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_DEFAULT_PROFILE=",
		"AWS_ROLE_ARN=",
		"AWS_WEB_IDENTITY_TOKEN_FILE=",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=",
		"AWS_EC2_METADATA_DISABLED=true",
		"HTTP_PROXY=" + guard,
		"HTTPS_PROXY=" + guard,
		"NO_PROXY=127.0.0.1,localhost",
	}
}

var (
	guardOnce sync.Once
	guardURL  string
)

// proxyGuardURL returns one refused URL per process, because Go caches the
// proxy environment at the first request and the value must stay the same.
func proxyGuardURL() string {
	guardOnce.Do(func() { guardURL = RefusedURL() })
	return guardURL
}

// RefusedURL returns http://127.0.0.1:<port> for a port that was free a
// moment ago, so connecting to it is refused.
//
// NOTE: another process may take the port between this call and its use;
// the chance is small on a test machine but not zero.
func RefusedURL() string {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("awsfake: listen on 127.0.0.1 to pick a closed port: %v", err))
	}
	addr := listener.Addr().String()
	listener.Close()
	return "http://" + addr
}

// Calls returns how many requests reached the operation op, faulted ones
// included.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// ResetCalls sets every call counter back to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

// SetDelay sets the delay added before every response.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetFault makes operation op return fault, replacing any earlier one.
func (s *Server) SetFault(op string, fault Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = &faultState{fault: fault}
}

// ClearFaults removes every fault, so all operations respond normally.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*faultState{}
}

// beginCall counts a call to op and returns the fault to respond with, if
// any, and the delay to wait first.
func (s *Server) beginCall(op string) (*Fault, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	state := s.faults[op]
	if state == nil || !state.take() {
		return nil, s.delay
	}
	fault := state.fault
	return &fault, s.delay
}

// wait blocks for d, or until the request ends or the server closes; it
// reports whether the full delay passed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}
