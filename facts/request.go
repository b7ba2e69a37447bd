package facts

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"time"
)

// Defaults for the zero values of Request.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultTTL         = time.Hour
	DefaultMaxAttempts = 3
)

// CacheDirEnv names the environment variable that overrides the cache
// directory when Request.CacheDir is empty.
const CacheDirEnv = "IRSA_RENDER_CACHE_DIR"

// Request names the cluster to look up and sets the lookup options.
type Request struct {
	// Cluster is the EKS cluster name or ARN. Empty means the cluster of
	// the current kubeconfig context.
	Cluster string
	// Region is the cluster's region. Empty means the region of the
	// cluster ARN or API server host, or else of the AWS config.
	Region string
	// Profile is the AWS shared config profile; empty means the SDK's
	// default chain (AWS_PROFILE, then "default").
	Profile string

	// Kubeconfig is a kubeconfig path, or a list joined like $KUBECONFIG.
	// Empty means $KUBECONFIG, or else ~/.kube/config.
	Kubeconfig string
	// Context overrides the kubeconfig's current-context.
	Context string

	// Timeout bounds the whole lookup: waiting for the cache lock, loading
	// credentials and every AWS call with its retries. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the SDK's attempts per AWS call. Zero means
	// DefaultMaxAttempts.
	MaxAttempts int

	// TTL is how long cached facts are reused. Zero means DefaultTTL.
	TTL time.Duration
	// Refresh skips fresh cached facts and calls AWS; the result is cached.
	Refresh bool
	// NoCache neither reads nor writes the cache.
	NoCache bool
	// CacheDir overrides $IRSA_RENDER_CACHE_DIR and the default,
	// os.UserCacheDir()/irsa-render/facts.
	CacheDir string

	// Warn receives warnings, one message per call; nil drops them.
	Warn func(message string)

	// Clients replaces the SDK clients built from the AWS config, so tests
	// can use fixed fakes. Region must then come from Cluster, Region or
	// the kubeconfig.
	Clients *Clients
}

func (r Request) withDefaults() Request {
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.TTL <= 0 {
		r.TTL = DefaultTTL
	}
	if r.Warn == nil {
		r.Warn = func(string) {}
	}
	return r
}

// identityEnv lists the variables that select which AWS identity and which
// endpoints the SDK uses, for identityHint.
var identityEnv = []string{
	"AWS_PROFILE",
	"AWS_DEFAULT_PROFILE",
	"AWS_ACCESS_KEY_ID",
	"AWS_ROLE_ARN",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE",
	"AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_EKS",
	"AWS_ENDPOINT_URL_IAM",
	"AWS_ENDPOINT_URL_STS",
}

// identityHint returns a hash of what selects the AWS identity: the
// profile, the access key ID, the web identity role and the endpoints. It
// replaces the caller account in the cache key, because only STS returns
// that account, so a warm cache needs no AWS call. The cache stores the
// hash and never the values.
//
// NOTE: a profile whose content changes keeps its hint, so cached facts
// may name the old caller account until they expire.
func identityHint(profile string) string {
	h := sha256.New()
	h.Write([]byte("irsa-render identity v1\x00profile=" + profile + "\x00"))
	for _, name := range identityEnv {
		h.Write([]byte(name + "=" + strings.TrimSpace(os.Getenv(name)) + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
