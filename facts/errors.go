package facts

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. Each typed error below matches one of them
// and carries the details for errors.As.
var (
	ErrNoCredentials      = errors.New("no AWS credentials found")
	ErrInvalidCredentials = errors.New("AWS rejected the credentials")
	ErrAccessDenied       = errors.New("access denied")
	ErrClusterNotFound    = errors.New("EKS cluster not found")
	ErrThrottled          = errors.New("throttled by AWS")
	ErrTimeout            = errors.New("AWS call timed out")
	ErrUnavailable        = errors.New("AWS could not be reached")
	ErrMalformedResponse  = errors.New("malformed AWS response")
	ErrClusterNotActive   = errors.New("EKS cluster is not active")
	ErrNoOIDCIssuer       = errors.New("EKS cluster has no OIDC issuer")
	ErrNotEKS             = errors.New("kubeconfig context is not an EKS cluster")
	ErrNoRegion           = errors.New("no AWS region")
)

// CredentialsError reports credentials that are missing, or that AWS
// rejected when Rejected is true.
type CredentialsError struct {
	Rejected bool
	Err      error
}

func (e *CredentialsError) Error() string {
	if e.Rejected {
		return fmt.Sprintf("AWS rejected the credentials: %v; check that the access key is active and the session has not expired "+
			"(for an SSO profile run \"aws sso login\"), then retry", e.Err)
	}
	return fmt.Sprintf("no AWS credentials found: %v; set AWS_PROFILE to a configured profile, export AWS_ACCESS_KEY_ID and "+
		"AWS_SECRET_ACCESS_KEY, run \"aws sso login\" for an SSO profile, or run in a pod whose service account has an IAM role", e.Err)
}

func (e *CredentialsError) Unwrap() error { return e.Err }

func (e *CredentialsError) Is(target error) bool {
	if e.Rejected {
		return target == ErrInvalidCredentials
	}
	return target == ErrNoCredentials
}

// AccessDeniedError reports an AWS call that the caller's IAM policies deny.
type AccessDeniedError struct {
	// Action is the IAM action that was denied, such as eks:DescribeCluster.
	Action string
	// Resource names what the action was called on, for the message.
	Resource string
	Err      error
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("access denied to %s on %s: %v; allow %s for the AWS identity in use, or use credentials that have it",
		e.Action, e.Resource, e.Err, e.Action)
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

func (e *AccessDeniedError) Is(target error) bool { return target == ErrAccessDenied }

// ClusterNotFoundError reports a cluster name that EKS does not know in
// the region.
type ClusterNotFoundError struct {
	Cluster string
	Region  string
	// Existing lists the clusters in Region, when eks:ListClusters worked.
	Existing []string
	// ListErr is why the clusters could not be listed, or nil.
	ListErr error
	Err     error
}

// maxListedClusters bounds how many cluster names the message shows.
const maxListedClusters = 20

func (e *ClusterNotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "EKS cluster %q not found in region %s", e.Cluster, e.Region)
	switch {
	case e.ListErr != nil:
		fmt.Fprintf(&b, " (listing the clusters there failed too: %v)", e.ListErr)
	case len(e.Existing) == 0:
		b.WriteString("; this AWS identity sees no clusters in that region")
	case len(e.Existing) > maxListedClusters:
		fmt.Fprintf(&b, "; clusters there: %s and %d more", strings.Join(e.Existing[:maxListedClusters], ", "),
			len(e.Existing)-maxListedClusters)
	default:
		fmt.Fprintf(&b, "; clusters there: %s", strings.Join(e.Existing, ", "))
	}
	b.WriteString("; check the cluster name and region (--cluster, --region) and the AWS account of the credentials")
	return b.String()
}

func (e *ClusterNotFoundError) Unwrap() error { return e.Err }

func (e *ClusterNotFoundError) Is(target error) bool { return target == ErrClusterNotFound }

// ThrottledError reports an AWS call that was still throttled after the
// SDK's retries.
type ThrottledError struct {
	Action string
	Err    error
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("AWS throttled %s and retries did not help: %v; wait a minute and retry", e.Action, e.Err)
}

func (e *ThrottledError) Unwrap() error { return e.Err }

func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// TimeoutError reports a lookup step that did not finish within the
// deadline of Request.Timeout.
type TimeoutError struct {
	// Action is the AWS action or the step that timed out.
	Action  string
	Timeout time.Duration
	Err     error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s timed out: no result within the %s AWS deadline; check network access to AWS, "+
		"or raise the deadline with --aws-timeout", e.Action, e.Timeout)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// UnavailableError reports an AWS endpoint that refused the connection,
// could not be resolved, or returned a server error after retries.
type UnavailableError struct {
	Action string
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s failed because AWS could not be reached: %v; check network access, proxy settings "+
		"and any AWS_ENDPOINT_URL_* variables, then retry", e.Action, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// MalformedResponseError reports a response that the SDK could not parse,
// as when a proxy responds in place of AWS.
type MalformedResponseError struct {
	Action string
	Err    error
}

func (e *MalformedResponseError) Error() string {
	return fmt.Sprintf("%s returned a response that could not be parsed: %v; check proxy settings and any "+
		"AWS_ENDPOINT_URL_* variables, then retry", e.Action, e.Err)
}

func (e *MalformedResponseError) Unwrap() error { return e.Err }

func (e *MalformedResponseError) Is(target error) bool { return target == ErrMalformedResponse }

// ClusterNotActiveError reports a cluster whose status rules out a lookup,
// such as CREATING, DELETING or FAILED.
type ClusterNotActiveError struct {
	Cluster string
	Region  string
	Status  string
}

func (e *ClusterNotActiveError) Error() string {
	return fmt.Sprintf("EKS cluster %q in %s is %s, not ACTIVE; wait until "+
		"\"aws eks describe-cluster --name %s --region %s --query cluster.status\" prints ACTIVE, then retry",
		e.Cluster, e.Region, e.Status, e.Cluster, e.Region)
}

func (e *ClusterNotActiveError) Is(target error) bool { return target == ErrClusterNotActive }

// NoOIDCIssuerError reports a cluster without an OIDC issuer URL.
type NoOIDCIssuerError struct {
	Cluster string
	Region  string
}

func (e *NoOIDCIssuerError) Error() string {
	return fmt.Sprintf("EKS cluster %q in %s has no OIDC issuer, and IRSA cannot work until the cluster has an OIDC issuer; "+
		"check \"aws eks describe-cluster --name %s --region %s --query cluster.identity\", then create the IAM OIDC provider "+
		"for the issuer with \"eksctl utils associate-iam-oidc-provider --cluster %s --region %s --approve\" "+
		"or \"aws iam create-open-id-connect-provider\"",
		e.Cluster, e.Region, e.Cluster, e.Region, e.Cluster, e.Region)
}

func (e *NoOIDCIssuerError) Is(target error) bool { return target == ErrNoOIDCIssuer }

// NotEKSError reports a kubeconfig context whose cluster is not on EKS.
type NotEKSError struct {
	Context string
	Server  string
}

func (e *NotEKSError) Error() string {
	return fmt.Sprintf("kubeconfig context %q (server %s) is not an EKS cluster: IRSA exists only on EKS; "+
		"on GKE, AKS or other Kubernetes the runner needs static credentials from a Secret instead", e.Context, e.Server)
}

func (e *NotEKSError) Is(target error) bool { return target == ErrNotEKS }
