package imagepin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Kinds of resolution failure, for errors.Is. A ResolveError wraps one of
// them, or none when the failure fits no kind.
var (
	ErrUnreachable  = errors.New("registry unreachable")
	ErrTagNotFound  = errors.New("tag not found")
	ErrAuthRequired = errors.New("registry authentication required")
	ErrRateLimited  = errors.New("registry rate limit reached")
	ErrTimeout      = errors.New("registry request timed out")
)

// ResolveError is the error of one failed resolution.
type ResolveError struct {
	// Image is the reference that failed, as passed to Resolve.
	Image string
	// Registry is the registry host, with port when the image names one.
	Registry string
	// Repository is the image's repository, registry included.
	Repository string
	// Tag is the tag that was resolved.
	Tag string
	// Kind is one of ErrUnreachable, ErrTagNotFound, ErrAuthRequired,
	// ErrRateLimited and ErrTimeout, or nil for any other failure.
	Kind error
	// StatusCode is the HTTP status of the registry's response, 0 without one.
	StatusCode int
	// RetryAfter is the delay from the Retry-After header of a 429 response,
	// 0 when the registry sent none.
	RetryAfter time.Duration
	// Timeout is the deadline of the call that timed out.
	Timeout time.Duration
	// Tried lists the credential sources tried, in order, each with its outcome.
	Tried []string
	// DockerConfig is the path of the Docker config file that was consulted.
	DockerConfig string
	// Err is the underlying error from go-containerregistry or the network.
	Err error
}

// Error returns a message that names the image, what failed and what to do.
func (e *ResolveError) Error() string {
	prefix := "resolve " + e.Image + ": "
	switch e.Kind {
	case ErrUnreachable:
		return prefix + fmt.Sprintf("registry %s is unreachable (%v). Check the registry address, DNS and network access, and HTTPS_PROXY if you use a proxy", e.Registry, e.Err)
	case ErrTagNotFound:
		return prefix + fmt.Sprintf("tag %s not found in repository %s%s. Check that the repository exists and publishes this tag", e.Tag, e.Repository, e.status())
	case ErrAuthRequired:
		return prefix + fmt.Sprintf("registry %s requires authentication for %s%s. Tried %s. Run \"docker login %s\" or configure a credential helper for %s in %s",
			e.Registry, e.Repository, e.status(), e.tried(), e.Registry, e.Registry, e.DockerConfig)
	case ErrRateLimited:
		return prefix + fmt.Sprintf("registry %s rate limited the request%s. Tried %s. Retry %s, or log in with \"docker login %s\" because registries allow more requests with credentials",
			e.Registry, e.status(), e.tried(), e.retryWhen(), e.Registry)
	case ErrTimeout:
		return prefix + fmt.Sprintf("registry %s did not respond within %s. Check network access to the registry, or allow a longer timeout", e.Registry, e.Timeout)
	}
	return prefix + e.Err.Error()
}

// Unwrap returns the kind and the underlying error.
func (e *ResolveError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func (e *ResolveError) status() string {
	if e.StatusCode == 0 {
		return ""
	}
	return fmt.Sprintf(" (HTTP %d)", e.StatusCode)
}

func (e *ResolveError) tried() string {
	if len(e.Tried) == 0 {
		return "no credential source"
	}
	return strings.Join(e.Tried, ", ")
}

func (e *ResolveError) retryWhen() string {
	if e.RetryAfter <= 0 {
		return "later"
	}
	return "after " + e.RetryAfter.String()
}

// classify returns the kind of a registry or network error and the HTTP
// status behind it, or a nil kind for any other error.
func classify(err error) (kind error, status int) {
	var statusErr *transport.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout, 0
	case isUnreachable(err):
		return ErrUnreachable, 0
	case isNetTimeout(err):
		return ErrTimeout, 0
	case errors.As(err, &statusErr):
		return classifyStatus(statusErr), statusErr.StatusCode
	}
	return nil, 0
}

func classifyStatus(err *transport.Error) error {
	switch err.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrAuthRequired
	case http.StatusNotFound:
		return ErrTagNotFound
	case http.StatusTooManyRequests:
		return ErrRateLimited
	}
	for _, diagnostic := range err.Errors {
		switch diagnostic.Code {
		case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
			return ErrAuthRequired
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
			return ErrTagNotFound
		case transport.TooManyRequestsErrorCode:
			return ErrRateLimited
		}
	}
	return nil
}

// isUnreachable reports whether err means that no connection to the
// registry could be opened: a failed DNS lookup or a failed dial.
func isUnreachable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" && !opErr.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

func isNetTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// tryNextSource reports whether the next credential source may succeed
// where one failed. Registries return 401 or 403 without credentials, some
// return 404 to hide private repositories, and most allow more requests with
// credentials than without.
func tryNextSource(kind error) bool {
	return kind == ErrAuthRequired || kind == ErrTagNotFound || kind == ErrRateLimited
}

// parseRetryAfter converts a Retry-After header value, in seconds or as an
// HTTP date, into a delay from now. It returns 0 for an absent or invalid value.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 32); err == nil {
		return time.Duration(max(seconds, 0)) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now).Round(time.Second), 0)
	}
	return 0
}
