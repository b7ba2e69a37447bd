package facts

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/firefly-oss/irsa-render/internal/pattern"
)

// ClusterARN is a parsed EKS cluster ARN,
// arn:<partition>:eks:<region>:<account>:cluster/<name>.
type ClusterARN struct {
	Partition string
	Region    string
	Account   string
	Name      string
}

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	// clusterNamePattern follows the EKS rule for cluster names.
	clusterNamePattern = pattern.MustBounded(`^[0-9A-Za-z][A-Za-z0-9_-]*$`, 100)
)

// ParseClusterARN parses an EKS cluster ARN and rejects anything else.
func ParseClusterARN(arn string) (ClusterARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "eks" {
		return ClusterARN{}, fmt.Errorf("invalid EKS cluster ARN %q: want arn:<partition>:eks:<region>:<account>:cluster/<name>", arn)
	}
	parsed := ClusterARN{Partition: parts[1], Region: parts[3], Account: parts[4]}
	name, found := strings.CutPrefix(parts[5], "cluster/")
	parsed.Name = name

	switch {
	case !strings.HasPrefix(parsed.Partition, "aws"):
		return ClusterARN{}, fmt.Errorf("invalid EKS cluster ARN %q: partition %q is not an AWS partition", arn, parsed.Partition)
	case !regionPattern.MatchString(parsed.Region):
		return ClusterARN{}, fmt.Errorf("invalid EKS cluster ARN %q: %q is not a region", arn, parsed.Region)
	case !accountPattern.MatchString(parsed.Account):
		return ClusterARN{}, fmt.Errorf("invalid EKS cluster ARN %q: account %q is not 12 digits", arn, parsed.Account)
	case !found || !clusterNamePattern.MatchString(name):
		return ClusterARN{}, fmt.Errorf("invalid EKS cluster ARN %q: resource %q is not cluster/<name>", arn, parts[5])
	}
	return parsed, nil
}

// isClusterARN reports whether s looks like an EKS cluster ARN at all, so
// a malformed one is reported rather than taken as a plain name.
func isClusterARN(s string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Contains(s, ":eks:")
}

// OIDCProviderARN returns the ARN of the IAM OIDC provider for issuer in
// account: arn:<partition>:iam::<account>:oidc-provider/<issuer without https://>.
func OIDCProviderARN(partition, account, issuer string) string {
	return "arn:" + partition + ":iam::" + account + ":oidc-provider/" + strings.TrimPrefix(issuer, "https://")
}
