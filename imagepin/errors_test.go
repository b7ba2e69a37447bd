package imagepin

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestClassify(t *testing.T) {
	dialRefused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tt := range []struct {
		name       string
		err        error
		wantKind   error
		wantStatus int
	}{
		{name: "DNS failure", err: &net.DNSError{Err: "no such host", Name: "registry.invalid", IsNotFound: true}, wantKind: ErrUnreachable},
		{name: "connection refused", err: fmt.Errorf("ping: %w", dialRefused), wantKind: ErrUnreachable},
		{name: "deadline", err: fmt.Errorf("head: %w", context.DeadlineExceeded), wantKind: ErrTimeout},
		{name: "401", err: &transport.Error{StatusCode: http.StatusUnauthorized}, wantKind: ErrAuthRequired, wantStatus: 401},
		{name: "403", err: &transport.Error{StatusCode: http.StatusForbidden}, wantKind: ErrAuthRequired, wantStatus: 403},
		{name: "404", err: &transport.Error{StatusCode: http.StatusNotFound}, wantKind: ErrTagNotFound, wantStatus: 404},
		{name: "429", err: &transport.Error{StatusCode: http.StatusTooManyRequests}, wantKind: ErrRateLimited, wantStatus: 429},
		{
			name:       "denied code",
			err:        &transport.Error{StatusCode: http.StatusBadRequest, Errors: []transport.Diagnostic{{Code: transport.DeniedErrorCode}}},
			wantKind:   ErrAuthRequired,
			wantStatus: 400,
		},
		{name: "500", err: &transport.Error{StatusCode: http.StatusInternalServerError}, wantStatus: 500},
		{name: "other", err: fmt.Errorf("HEAD: response did not include Docker-Content-Digest header")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kind, status := classify(tt.err)
			if kind != tt.wantKind {
				t.Errorf("kind = %v, want %v", kind, tt.wantKind)
			}
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		value string
		want  time.Duration
	}{
		{value: "", want: 0},
		{value: "30", want: 30 * time.Second},
		{value: " 7 ", want: 7 * time.Second},
		{value: "-5", want: 0},
		{value: "Fri, 04 Dec 2026 10:01:30 GMT", want: 90 * time.Second},
		{value: "Fri, 04 Dec 2026 09:00:00 GMT", want: 0},
		{value: "soon", want: 0},
		{value: "99999999999", want: 0},
	} {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for _, tt := range []struct {
		registry string
		want     bool
	}{
		{registry: "localhost", want: true},
		{registry: "localhost:5000", want: true},
		{registry: "registry.localhost:5000", want: true},
		{registry: "127.0.0.1", want: true},
		{registry: "127.0.0.2:5000", want: true},
		{registry: "[::1]:5000", want: true},
		{registry: "public.ecr.aws", want: false},
		{registry: "10.0.0.1:5000", want: false},
		{registry: "", want: false},
	} {
		if got := isLoopback(tt.registry); got != tt.want {
			t.Errorf("isLoopback(%q) = %v, want %v", tt.registry, got, tt.want)
		}
	}
}
