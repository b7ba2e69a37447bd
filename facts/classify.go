package facts

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// accessDeniedCodes are the error codes AWS uses for a call that the
// caller's policies deny.
var accessDeniedCodes = map[string]bool{
	"AccessDeniedException": true,
	"AccessDenied":          true,
	"UnauthorizedOperation": true,
}

// rejectedCredentialCodes are the error codes AWS uses for unknown,
// expired or wrongly signed credentials.
var rejectedCredentialCodes = map[string]bool{
	"UnrecognizedClientException": true,
	"InvalidClientTokenId":        true,
	"InvalidSignatureException":   true,
	"SignatureDoesNotMatch":       true,
	"ExpiredToken":                true,
	"ExpiredTokenException":       true,
	"InvalidAccessKeyId":          true,
}

// classify turns an SDK error from action into one of the typed errors of
// this package, or wraps it with the action when none fits.
func classify(action, resource string, timeout time.Duration, err error) error {
	code := apiErrorCode(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &TimeoutError{Action: action, Timeout: timeout, Err: err}
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s was canceled: %w", action, err)
	case accessDeniedCodes[code]:
		return &AccessDeniedError{Action: action, Resource: resource, Err: err}
	case isRejectedCredentials(err):
		return &CredentialsError{Rejected: true, Err: err}
	case isThrottle(code):
		return &ThrottledError{Action: action, Err: err}
	case httpStatus(err) >= 500 || isConnectionError(err):
		return &UnavailableError{Action: action, Err: err}
	case isMalformed(err):
		return &MalformedResponseError{Action: action, Err: err}
	default:
		return fmt.Errorf("%s on %s failed: %w", action, resource, err)
	}
}

func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func isRejectedCredentials(err error) bool {
	return rejectedCredentialCodes[apiErrorCode(err)]
}

func isThrottle(code string) bool {
	_, found := retry.DefaultThrottleErrorCodes[code]
	return found
}

func httpStatus(err error) int {
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		return withStatus.HTTPStatusCode()
	}
	return 0
}

// isConnectionError reports failures to reach the endpoint at all:
// refused or reset connections and DNS failures.
func isConnectionError(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &dnsErr) ||
		errors.As(err, &opErr)
}

// isMalformed reports a response that could not be parsed. The REST-JSON
// decoder wraps such failures in a DeserializationError, while the query
// (XML) decoder returns the syntax error itself.
func isMalformed(err error) bool {
	var deserialization *smithy.DeserializationError
	var xmlSyntax *xml.SyntaxError
	var jsonSyntax *json.SyntaxError
	return errors.As(err, &deserialization) ||
		errors.As(err, &xmlSyntax) ||
		errors.As(err, &jsonSyntax) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// isUnreachable reports the failures after which stale cached facts are
// better than none: AWS timed out, could not be reached, or kept
// throttling.
func isUnreachable(err error) bool {
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrThrottled)
}
