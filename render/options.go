package render

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/firefly-oss/irsa-render/internal/awsarn"
	"github.com/firefly-oss/irsa-render/internal/imageref"
)

// Annotation keys read by the EKS pod identity webhook.
const (
	AnnotationRoleARN              = "eks.amazonaws.com/role-arn"
	AnnotationSTSRegionalEndpoints = "eks.amazonaws.com/sts-regional-endpoints"
	AnnotationTokenExpiration      = "eks.amazonaws.com/token-expiration"
	AnnotationAudience             = "eks.amazonaws.com/audience"
	AnnotationSkipContainers       = "eks.amazonaws.com/skip-containers"
)

// AnnotationRoleHash is set on runner pod templates. Its value changes with
// the IRSA settings, so a new role rolls the pods: the EKS webhook injects
// credentials only when a pod is created.
const AnnotationRoleHash = "irsa-render.firefly.ai/role-hash"

// DefaultRunnerImageName is the last path element that marks the runner
// image when no repository is configured.
const DefaultRunnerImageName = "ci-runner-worker"

// Region variables set in every container of a runner pod.
var regionVariables = []string{"AWS_REGION", "AWS_DEFAULT_REGION"}

// Options are the settings of one post-render run.
type Options struct {
	// RoleARN is the IAM role the runner assumes. Required.
	RoleARN string
	// ImageTag pins the runner image: a tag, or a digest "sha256:<hex>".
	// Empty leaves pinned images alone and rejects unpinned ones.
	ImageTag string
	// ImageRepository selects the runner image by repository. Empty selects
	// every image whose last path element is DefaultRunnerImageName.
	ImageRepository string
	// Region is the AWS region set in AWS_REGION and AWS_DEFAULT_REGION. Required.
	Region string
	// RegionSource names where Region came from, for messages: "--region",
	// "cluster demo" and so on.
	RegionSource string
	// Namespace is used for objects without metadata.namespace.
	Namespace string
	// ServiceAccounts names the ServiceAccounts to annotate, as "name" or
	// "namespace/name". Empty means those the runner workloads use.
	ServiceAccounts []string
	// STSRegionalEndpoints sets eks.amazonaws.com/sts-regional-endpoints: "true".
	STSRegionalEndpoints bool
	// TokenExpiration sets eks.amazonaws.com/token-expiration, in seconds; 0 leaves it unset.
	TokenExpiration int64
	// Audience sets eks.amazonaws.com/audience; empty leaves it unset.
	Audience string
	// Overwrite replaces conflicting role ARNs, image tags and region values
	// instead of reporting them.
	Overwrite bool
	// AllowDefaultServiceAccount lets runner workloads use the namespace's
	// "default" ServiceAccount, which the stream does not contain.
	AllowDefaultServiceAccount bool
	// AllowMissingServiceAccount turns a ServiceAccount that the runner
	// workloads use but the stream lacks into a warning: the user manages it
	// outside the chart and annotates it there.
	AllowMissingServiceAccount bool
	// ImageDigests maps "repository:tag" to the digest that tag resolved
	// to. When set, every runner image is pinned to its tag and digest, and
	// a runner image without an entry is a problem: a render never falls
	// back to the tag alone. See RunnerImages.
	ImageDigests map[string]string
	// DigestOnly drops the tag when a digest from ImageDigests is pinned.
	DigestOnly bool
	// Validator, when set, checks every output document before any is written.
	Validator Validator
	// MaxInputBytes caps the stream size; 0 means DefaultMaxInputBytes.
	MaxInputBytes int64
	// MaxDocumentBytes caps one document's size; 0 means DefaultMaxDocumentBytes.
	MaxDocumentBytes int64
}

// Input caps. etcd rejects objects above 1.5 MiB by default, so a larger
// document cannot be installed anyway.
const (
	DefaultMaxInputBytes    = 256 << 20
	DefaultMaxDocumentBytes = 16 << 20
)

// The region pattern accepts every partition's region names, as listed by
// the regionRegex entries of aws-sdk-go-v2's partitions.json: a two-letter
// prefix such as "eu" or "us-gov", or "eusc" for the aws-eusc partition
// ("eusc-de-east-1").
var (
	regionPattern = regexp.MustCompile(`^([a-z]{2}|eusc)(-[a-z]+)+-\d+$`)
	namePattern   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
)

// Token expiration bounds of the EKS pod identity webhook, in seconds.
const (
	MinTokenExpiration = 600
	MaxTokenExpiration = 86400
)

// Check validates the options and returns every problem found, each naming
// the setting by its flag.
func (o *Options) Check() error {
	var errs []error
	if o.Region == "" {
		errs = append(errs, errors.New("--region is required: the AWS region of the runner's target, such as eu-west-1"))
	}
	return errors.Join(append(errs, o.CheckSettings())...)
}

// CheckSettings validates every option but the presence of Region, which a
// caller may still be looking up.
func (o *Options) CheckSettings() error {
	var errs []error
	switch {
	case o.RoleARN == "":
		errs = append(errs, errors.New("--role-arn is required: the IAM role the runner assumes, such as arn:aws:iam::111122223333:role/firefly-runner"))
	default:
		if _, err := awsarn.ParseRole(o.RoleARN); err != nil {
			errs = append(errs, fmt.Errorf("--role-arn is not an IAM role ARN: %w", err))
		}
	}
	switch {
	case o.Region == "":
	case !regionPattern.MatchString(o.Region):
		errs = append(errs, fmt.Errorf("--region %q is not an AWS region name such as eu-west-1", o.Region))
	}
	if o.ImageTag != "" && !imageref.IsSHA256Digest(o.ImageTag) {
		if strings.HasPrefix(o.ImageTag, "sha256:") {
			errs = append(errs, fmt.Errorf("--image-tag %q is not a sha256 digest: expected sha256: and 64 hex digits", o.ImageTag))
		} else if err := imageref.CheckTag(o.ImageTag); err != nil {
			errs = append(errs, fmt.Errorf("--image-tag: %w", err))
		} else if o.ImageTag == "latest" {
			errs = append(errs, errors.New("--image-tag latest does not pin the runner image: name a version, such as v0.6.26, or a digest"))
		}
	}
	if o.ImageRepository != "" {
		if ref, err := imageref.Parse(o.ImageRepository); err != nil || ref.Tag != "" || ref.Digest != "" {
			errs = append(errs, fmt.Errorf("--image-repository %q is not a repository without tag or digest, such as public.ecr.aws/firefly/ci-runner-worker", o.ImageRepository))
		}
	}
	if o.TokenExpiration != 0 && (o.TokenExpiration < MinTokenExpiration || o.TokenExpiration > MaxTokenExpiration) {
		errs = append(errs, fmt.Errorf("--token-expiration %d is out of range: the EKS webhook accepts %d to %d seconds", o.TokenExpiration, MinTokenExpiration, MaxTokenExpiration))
	}
	for _, sa := range o.ServiceAccounts {
		if err := checkServiceAccountRef(sa); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Namespace != "" && !namePattern.MatchString(o.Namespace) {
		errs = append(errs, fmt.Errorf("--namespace %q is not a valid Kubernetes namespace name", o.Namespace))
	}
	return errors.Join(errs...)
}

func checkServiceAccountRef(ref string) error {
	ns, name, found := strings.Cut(ref, "/")
	if !found {
		ns, name = "", ref
	}
	if !namePattern.MatchString(name) || (found && !namePattern.MatchString(ns)) {
		return fmt.Errorf("--service-account %q is not a ServiceAccount name or namespace/name", ref)
	}
	return nil
}

// RoleHash returns a short hash of the settings the EKS webhook reads from a
// ServiceAccount when it admits a pod.
func (o *Options) RoleHash() string {
	return shortHash(o.RoleARN, o.Audience, fmt.Sprint(o.STSRegionalEndpoints), fmt.Sprint(o.TokenExpiration))
}
