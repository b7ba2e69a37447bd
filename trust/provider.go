package trust

import (
	"fmt"
	"regexp"
	"strings"
)

// oidcProviderPrefix starts the resource part of an IAM OIDC provider ARN.
const oidcProviderPrefix = "oidc-provider/"

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// providerARN is a parsed IAM OIDC provider ARN,
// arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>.
type providerARN struct {
	partition string
	account   string
	// issuer is the issuer URL without https://, as IAM names the provider.
	issuer string
}

func parseProviderARN(arn string) (providerARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[3] != "" {
		return providerARN{}, fmt.Errorf("%w: %q is not an IAM ARN of the form "+
			"arn:<partition>:iam::<account>:oidc-provider/<issuer>", ErrInvalidInput, arn)
	}
	if parts[1] == "" {
		return providerARN{}, fmt.Errorf("%w: ARN %q has no partition", ErrInvalidInput, arn)
	}
	if !accountID.MatchString(parts[4]) {
		return providerARN{}, fmt.Errorf("%w: ARN %q has account %q, expected 12 digits", ErrInvalidInput, arn, parts[4])
	}
	issuer, ok := strings.CutPrefix(parts[5], oidcProviderPrefix)
	if !ok || issuer == "" {
		return providerARN{}, fmt.Errorf("%w: ARN %q does not name an OIDC provider (oidc-provider/<issuer>)",
			ErrInvalidInput, arn)
	}
	return providerARN{partition: parts[1], account: parts[4], issuer: issuer}, nil
}

// normalizeIssuer returns the issuer URL without the https:// scheme and
// without a trailing slash. IAM uses that form in provider ARNs and as the
// prefix of the web identity condition keys, such as <issuer>:sub.
func normalizeIssuer(issuer string) (string, error) {
	trimmed := strings.TrimSpace(issuer)
	if len(trimmed) >= len("https://") && strings.EqualFold(trimmed[:len("https://")], "https://") {
		trimmed = trimmed[len("https://"):]
	}
	if strings.Contains(trimmed, "://") {
		return "", fmt.Errorf("%w: issuer %q must be an https URL", ErrInvalidInput, issuer)
	}
	trimmed = strings.TrimRight(trimmed, "/")
	if trimmed == "" {
		return "", fmt.Errorf("%w: missing issuer", ErrInvalidInput)
	}
	if strings.ContainsAny(trimmed, "?# \t\r\n") {
		return "", fmt.Errorf("%w: issuer %q must not contain a query, a fragment or white space", ErrInvalidInput, issuer)
	}
	return trimmed, nil
}

// eksIssuerPartition returns the AWS partition that serves an EKS issuer, such
// as oidc.eks.eu-west-1.amazonaws.com/id/<ID>. It returns false for issuers
// that are not EKS issuers, whose partition it cannot tell.
func eksIssuerPartition(issuer string) (string, bool) {
	host, _, _ := strings.Cut(issuer, "/")
	host = strings.ToLower(host)
	region, ok := strings.CutPrefix(host, "oidc.eks.")
	if !ok {
		return "", false
	}
	if region, ok = strings.CutSuffix(region, ".amazonaws.com.cn"); ok && region != "" {
		return "aws-cn", true
	}
	if region, ok = strings.CutSuffix(region, ".amazonaws.com"); ok && region != "" {
		if strings.HasPrefix(region, "us-gov-") {
			return "aws-us-gov", true
		}
		return "aws", true
	}
	return "", false
}

// checkProviderMatchesIssuer reports ErrProviderMismatch when the provider ARN
// names another issuer, or a partition other than the one that serves an EKS
// issuer.
func checkProviderMatchesIssuer(provider providerARN, arn, issuer string) error {
	if provider.issuer != issuer {
		return fmt.Errorf("%w: %s names the issuer %s, the cluster's issuer is %s",
			ErrProviderMismatch, arn, provider.issuer, issuer)
	}
	partition, ok := eksIssuerPartition(issuer)
	if ok && partition != provider.partition {
		return fmt.Errorf("%w: %s is in partition %s, the issuer %s is served by partition %s",
			ErrProviderMismatch, arn, provider.partition, issuer, partition)
	}
	return nil
}
