package awsfake

import (
	"net/http"
)

// FaultKind names a way an operation can fail.
type FaultKind string

// Fault kinds. Each returns its error in the format of the operation's
// protocol.
const (
	// FaultInternalError returns HTTP 500 (ServerException for EKS,
	// ServiceFailure for IAM, InternalFailure for STS).
	FaultInternalError FaultKind = "internal-error"
	// FaultThrottling returns ThrottlingException with HTTP 429 for EKS, as
	// the EKS API model declares, and Throttling with HTTP 400 for IAM and STS.
	FaultThrottling FaultKind = "throttling"
	// FaultAccessDenied returns HTTP 403 (AccessDeniedException for EKS,
	// AccessDenied for IAM and STS) with a message that names the action.
	FaultAccessDenied FaultKind = "access-denied"
	// FaultNotFound returns HTTP 404 (ResourceNotFoundException for EKS,
	// NoSuchEntity for IAM and STS).
	FaultNotFound FaultKind = "not-found"
	// FaultMalformedBody returns HTTP 200 with a truncated body.
	FaultMalformedBody FaultKind = "malformed-body"
	// FaultNoAnswer sends no response: the handler blocks until the
	// request context ends or the server closes, then drops the connection.
	FaultNoAnswer FaultKind = "no-answer"
)

// Fault makes an operation fail.
type Fault struct {
	Kind FaultKind `json:"kind"`
	// Times limits the fault to the next Times calls; 0 means every call.
	Times int `json:"times,omitempty"`
}

type faultState struct {
	fault Fault
	used  int
}

// take reports whether the fault applies to this call and counts it.
func (f *faultState) take() bool {
	if f.fault.Times > 0 && f.used >= f.fault.Times {
		return false
	}
	f.used++
	return true
}

// faultWriter writes the error responses of one protocol.
type faultWriter interface {
	writeError(w http.ResponseWriter, status int, code, message string)
	writeMalformed(w http.ResponseWriter)
}

// errorCodes lists a protocol's error codes for each fault kind.
type errorCodes struct {
	internal, throttling, accessDenied, notFound string
	throttlingStatus                             int
}

var (
	eksCodes = errorCodes{
		internal:         "ServerException",
		throttling:       "ThrottlingException",
		accessDenied:     "AccessDeniedException",
		notFound:         "ResourceNotFoundException",
		throttlingStatus: http.StatusTooManyRequests,
	}
	iamCodes = errorCodes{
		internal:         "ServiceFailure",
		throttling:       "Throttling",
		accessDenied:     "AccessDenied",
		notFound:         "NoSuchEntity",
		throttlingStatus: http.StatusBadRequest,
	}
	stsCodes = errorCodes{
		internal:         "InternalFailure",
		throttling:       "Throttling",
		accessDenied:     "AccessDenied",
		notFound:         "NoSuchEntity",
		throttlingStatus: http.StatusBadRequest,
	}
)

// serveFault responds to call with fault in the protocol of out. A no-answer
// fault waits until the request ends or the server closes, then aborts the
// connection.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, fault Fault, call callInfo, out faultWriter, codes errorCodes) {
	switch fault.Kind {
	case FaultInternalError:
		out.writeError(w, http.StatusInternalServerError, codes.internal, "We encountered an internal error. Please try again.")
	case FaultThrottling:
		out.writeError(w, codes.throttlingStatus, codes.throttling, "Rate exceeded")
	case FaultAccessDenied:
		out.writeError(w, http.StatusForbidden, codes.accessDenied, s.accessDeniedMessage(call))
	case FaultNotFound:
		out.writeError(w, http.StatusNotFound, codes.notFound, "The requested resource was not found (fault injected for "+call.op+").")
	case FaultMalformedBody:
		out.writeMalformed(w)
	case FaultNoAnswer:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		abortConnection()
	default:
		out.writeError(w, http.StatusInternalServerError, codes.internal, "awsfake: unknown fault kind "+string(fault.Kind))
	}
}

// abortConnection ends the handler and closes the connection without a
// response. Returning normally would send an empty 200 response, which the
// query protocol decoder accepts as success.
func abortConnection() {
	panic(http.ErrAbortHandler)
}

// accessDeniedMessage words the message as AWS does, naming the caller,
// the action and the resource.
func (s *Server) accessDeniedMessage(call callInfo) string {
	return "User: " + s.callerARN(call.partition) + " is not authorized to perform: " + call.action +
		" on resource: " + call.resource + " because no identity-based policy allows the " + call.action + " action"
}

// callerARN returns the ARN of the fake caller in partition.
func (s *Server) callerARN(partition string) string {
	return "arn:" + partition + ":iam::" + s.opts.CallerAccount + ":user/" + s.opts.CallerName
}
