// Package trust builds and checks the IAM role trust policies that EKS IRSA
// (IAM Roles for Service Accounts) needs.
//
// A pod that runs under an annotated ServiceAccount receives a projected OIDC
// token whose sub claim is system:serviceaccount:<namespace>:<name> and whose
// aud claim is sts.amazonaws.com unless the ServiceAccount's
// eks.amazonaws.com/audience annotation sets another one. The AWS SDK exchanges that token through
// sts:AssumeRoleWithWebIdentity, and STS issues credentials only when the
// role's trust policy allows the call.
//
// Generating a policy: Policy turns an OIDC provider ARN, the cluster's issuer
// and a list of Subjects into a Document with one Allow statement. JSON writes
// the Document as policy JSON, Terraform as an aws_iam_role resource and CLI as
// a POSIX shell script of AWS CLI calls.
//
// Checking a policy: ParseDocument reads an existing trust policy, either plain
// or URL-encoded as IAM's GetRole returns it. Evaluate applies IAM's
// evaluation logic to one web identity Request and returns a Decision that
// names the statement that allowed or denied the request and describes near
// misses in plain sentences. Fix returns a statement that allows the request.
package trust

import "errors"

// Errors that callers can test for with errors.Is.
var (
	// ErrInvalidSubject reports a namespace or ServiceAccount name that
	// Kubernetes would reject.
	ErrInvalidSubject = errors.New("invalid subject")
	// ErrInvalidInput reports a missing or malformed field of Input or of the
	// Terraform and CLI options.
	ErrInvalidInput = errors.New("invalid policy input")
	// ErrProviderMismatch reports an OIDC provider ARN that names another
	// issuer or partition than the cluster's.
	ErrProviderMismatch = errors.New("OIDC provider ARN does not match the issuer")
	// ErrInvalidPolicy reports a trust policy that ParseDocument cannot read.
	ErrInvalidPolicy = errors.New("invalid trust policy")
)
