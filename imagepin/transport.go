package imagepin

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// retryStatusCodes are the statuses that go-containerregistry retries by
// default, less 429: a rate-limited request fails at once and reports the
// registry's Retry-After instead of adding to the load.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// retryBackoff waits 250 ms, then 500 ms, between three tries.
// NOTE: go-containerregistry sleeps between tries without watching the
// context, so a call can overrun its deadline by up to one such wait.
var retryBackoff = remote.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3}

// newTransport returns an HTTP transport whose dial, TLS handshake and wait
// for response headers each end after timeout. It uses the proxy settings
// of the environment, which Go does not apply to loopback addresses.
func newTransport(timeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
	}
}

// retryAfterRecorder keeps the Retry-After header of the last 429 response,
// which go-containerregistry's errors do not carry.
type retryAfterRecorder struct {
	inner http.RoundTripper
	mu    sync.Mutex
	value string
}

func (t *retryAfterRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		t.mu.Lock()
		t.value = resp.Header.Get("Retry-After")
		t.mu.Unlock()
	}
	return resp, err
}

func (t *retryAfterRecorder) retryAfter() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.value
}
