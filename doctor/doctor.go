package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/firefly-oss/irsa-render/facts"
)

// IAMAPI is the part of the IAM client that doctor uses.
type IAMAPI interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, optFns ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
	GetOpenIDConnectProvider(ctx context.Context, in *iam.GetOpenIDConnectProviderInput, optFns ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error)
}

// EKSAPI is the part of the EKS client that doctor uses.
type EKSAPI interface {
	ListPodIdentityAssociations(ctx context.Context, in *eks.ListPodIdentityAssociationsInput, optFns ...func(*eks.Options)) (*eks.ListPodIdentityAssociationsOutput, error)
	DescribePodIdentityAssociation(ctx context.Context, in *eks.DescribePodIdentityAssociationInput, optFns ...func(*eks.Options)) (*eks.DescribePodIdentityAssociationOutput, error)
}

// STSAPI is the part of the STS client that doctor uses.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Clients holds the AWS clients that Run calls.
type Clients struct {
	IAM IAMAPI
	EKS EKSAPI
	STS STSAPI
	// Registry, when set, compares pinned digests with their tags.
	Registry DigestResolver
	// CheckCredentials, when set, loads the AWS credentials once before
	// any call. When it fails, doctor makes no AWS call, and every check
	// that needed one reports the reason.
	CheckCredentials func(ctx context.Context) error
}

// credentialsFix is the fix of every check that failed for want of AWS
// credentials.
const credentialsFix = "give irsa-render doctor AWS credentials: set AWS_PROFILE (or --profile) to a configured profile, " +
	"run \"aws sso login\" for an SSO profile, export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run it in a pod whose ServiceAccount has an IAM role"

// NewClients builds the IAM, EKS and STS clients from cfg.
func NewClients(cfg aws.Config) Clients {
	return Clients{IAM: iam.NewFromConfig(cfg), EKS: eks.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg)}
}

// Run makes every check and returns their results in the order of the
// Check constants. It never stops early: a check whose AWS call fails or is
// denied reports that, and the checks after it still run.
func Run(ctx context.Context, in Input, clients Clients) Report {
	r := &run{in: in, clients: clients, timeout: in.CallTimeout}
	if r.timeout <= 0 {
		r.timeout = facts.DefaultTimeout
	}
	if in.Facts != nil && in.Facts.Source == facts.SourceEKS {
		r.allowed = append(r.allowed, "eks:DescribeCluster")
	}
	var denied *facts.AccessDeniedError
	if errors.As(in.FactsErr, &denied) {
		r.denied = append(r.denied, denial{action: denied.Action, resource: "*"})
	}
	if clients.CheckCredentials != nil {
		r.credentialsErr = clients.CheckCredentials(ctx)
	}
	r.resolveCaller(ctx)
	r.fetchRole(ctx)

	report := Report{Results: []Result{
		r.checkCluster(),
		r.checkOIDCProvider(ctx),
		r.checkTrustPolicy(),
		r.checkCredentialLifetime(),
		r.checkPodIdentity(ctx),
		r.checkStaticCredentials(),
		r.checkRunnerImage(),
		r.checkImageDigest(ctx),
		r.checkPermissions(),
	}}
	if r.credentialsErr != nil {
		for i := range report.Results {
			if report.Results[i].Status == Failed && report.Results[i].Fix == "" {
				report.Results[i].Fix = credentialsFix
			}
		}
	}
	return report
}

// run is the state of one Run call.
type run struct {
	in      Input
	clients Clients
	timeout time.Duration
	// allowed lists the IAM actions of the AWS calls that succeeded,
	// without repeats.
	allowed []string
	denied  []denial
	// credentialsErr is the error of loading the AWS credentials, or nil.
	credentialsErr error
	// caller is the account of the AWS credentials, empty when unknown.
	caller string
	role   roleState
}

// denial is one AWS call that IAM denied.
type denial struct {
	action string
	// resource is the ARN the action needs, or "*".
	resource string
}

// call runs one AWS call under the per-call deadline. A denied call is
// recorded for the permissions check and returned as a
// *facts.AccessDeniedError; other failures name the action.
func (r *run) call(ctx context.Context, action, resource string, do func(ctx context.Context) error) error {
	if r.credentialsErr != nil {
		return fmt.Errorf("%s was not called: %w", action, r.credentialsErr)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	err := do(ctx)
	switch {
	case err == nil:
		if !containsString(r.allowed, action) {
			r.allowed = append(r.allowed, action)
		}
		return nil
	case accessDeniedCodes[apiErrorCode(err)]:
		r.denied = append(r.denied, denial{action: action, resource: resource})
		return &facts.AccessDeniedError{Action: action, Resource: resource, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s timed out after %s; check network access to AWS, or raise --aws-timeout", action, r.timeout)
	case isConnectionError(err):
		return fmt.Errorf("%s failed because AWS could not be reached: %w; check network access, proxy settings and any AWS_ENDPOINT_URL_* variables",
			action, err)
	}
	return fmt.Errorf("%s on %s failed: %w", action, resource, err)
}

// accessDeniedCodes are the error codes AWS uses for a call that the
// caller's policies deny.
var accessDeniedCodes = map[string]bool{
	"AccessDeniedException": true,
	"AccessDenied":          true,
	"UnauthorizedOperation": true,
}

func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// isConnectionError reports refused or reset connections and DNS failures.
func isConnectionError(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.As(err, &dnsErr) || errors.As(err, &opErr)
}

// isNotFound reports the IAM and EKS errors for a missing resource.
func isNotFound(err error) bool {
	code := apiErrorCode(err)
	return code == "NoSuchEntity" || code == "ResourceNotFoundException"
}

func isDenied(err error) bool {
	return errors.Is(err, facts.ErrAccessDenied)
}

// resolveCaller finds the account of the AWS credentials: from the facts
// lookup, or else from sts:GetCallerIdentity. It stays empty when STS
// fails, and the checks then trust the ARNs that IAM returns.
func (r *run) resolveCaller(ctx context.Context) {
	if r.in.Facts != nil && r.in.Facts.CallerAccount != "" {
		r.caller = r.in.Facts.CallerAccount
		return
	}
	var out *sts.GetCallerIdentityOutput
	err := r.call(ctx, "sts:GetCallerIdentity", "*", func(ctx context.Context) error {
		var err error
		out, err = r.clients.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	if err == nil && accountPattern.MatchString(aws.ToString(out.Account)) {
		r.caller = aws.ToString(out.Account)
	}
}

var accountPattern = regexp.MustCompile(`^[0-9]{12}$`)

// partition returns the partition of the role, or else of the cluster, or
// else "aws".
func (r *run) partition() string {
	switch {
	case r.role.parsed != nil:
		return r.role.parsed.Partition
	case r.in.Facts != nil && r.in.Facts.Partition != "":
		return r.in.Facts.Partition
	}
	return "aws"
}

// crossAccountFix returns the step that checks IAM of an account which the
// caller's credentials cannot read.
func crossAccountFix(account, actions string) string {
	return fmt.Sprintf("run irsa-render doctor with credentials of account %s that allow %s, for example --profile with a profile of that account",
		account, actions)
}

func containsString(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// shellWord quotes s for a POSIX shell when it holds characters that the
// shell would interpret.
func shellWord(s string) string {
	if s != "" && safeShellWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var safeShellWord = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)
