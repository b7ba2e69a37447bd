package facts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// EKSAPI is the part of the EKS client that facts uses.
type EKSAPI interface {
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
	ListClusters(ctx context.Context, in *eks.ListClustersInput, optFns ...func(*eks.Options)) (*eks.ListClustersOutput, error)
}

// IAMAPI is the part of the IAM client that facts uses.
type IAMAPI interface {
	ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, optFns ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
	GetOpenIDConnectProvider(ctx context.Context, in *iam.GetOpenIDConnectProviderInput, optFns ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error)
}

// STSAPI is the part of the STS client that facts uses.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Clients holds the three AWS clients a lookup calls.
type Clients struct {
	EKS EKSAPI
	IAM IAMAPI
	STS STSAPI
}

// ClientOptions configures LoadConfig.
type ClientOptions struct {
	// Region overrides the region of the AWS config.
	Region string
	// Profile selects a shared config profile.
	Profile string
	// Timeout sizes the retry backoff so that retries fit in it; the
	// caller still bounds each call with a context deadline.
	Timeout time.Duration
	// MaxAttempts bounds the attempts per call; zero means DefaultMaxAttempts.
	MaxAttempts int
}

// LoadConfig loads the AWS config through the SDK's standard chain
// (environment, shared profiles, SSO, web identity) without calling AWS,
// and replaces its retryer with one bounded by opts. Endpoints come from
// the SDK's own AWS_ENDPOINT_URL_* handling.
func LoadConfig(ctx context.Context, opts ClientOptions) (aws.Config, error) {
	var loadOpts []func(*config.LoadOptions) error
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(opts.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config (profile %q): %w; check AWS_PROFILE, AWS_CONFIG_FILE and ~/.aws/config", opts.Profile, err)
	}

	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	backoff := backoffLimit(opts.Timeout)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = backoff
			// The token bucket only matters across many calls of a
			// long-lived client; a lookup makes a handful.
			o.RateLimiter = ratelimit.None
		})
	}
	// AWS_MAX_ATTEMPTS and max_attempts in the shared config would wrap
	// the retryer above and lift its bound.
	cfg.RetryMaxAttempts = 0
	cfg.RetryMode = ""
	return cfg, nil
}

// backoffLimit returns the longest wait between two attempts: a tenth of
// the deadline, between 10ms and 1s, so retries leave time for a response.
func backoffLimit(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return min(max(timeout/10, 10*time.Millisecond), time.Second)
}

// NewClients builds the EKS, IAM and STS clients from cfg.
func NewClients(cfg aws.Config) *Clients {
	return &Clients{
		EKS: eks.NewFromConfig(cfg),
		IAM: iam.NewFromConfig(cfg),
		STS: sts.NewFromConfig(cfg),
	}
}

// CheckCredentials loads the credentials of cfg within timeout and returns
// a *CredentialsError or *TimeoutError when none can be had, so that a
// caller can report that once instead of as every call's failure.
func CheckCredentials(ctx context.Context, cfg aws.Config, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return retrieveCredentials(ctx, cfg, timeout)
}

// retrieveCredentials loads the credentials once, so a missing or broken
// credential source is reported as such instead of as a failed call. The
// SDK caches them for the calls that follow.
func retrieveCredentials(ctx context.Context, cfg aws.Config, timeout time.Duration) error {
	if cfg.Credentials == nil {
		return &CredentialsError{Err: errors.New("the AWS config has no credential provider")}
	}
	_, err := cfg.Credentials.Retrieve(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return &TimeoutError{Action: "loading AWS credentials", Timeout: timeout, Err: err}
	case isRejectedCredentials(err):
		return &CredentialsError{Rejected: true, Err: err}
	default:
		return &CredentialsError{Err: err}
	}
}
