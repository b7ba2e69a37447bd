// Package awsarn parses the IAM role ARNs that IRSA annotations carry.
package awsarn

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/firefly-oss/irsa-render/internal/pattern"
)

// Role is a parsed IAM role ARN: arn:<partition>:iam::<account>:role/<path/><name>.
type Role struct {
	Partition string
	Account   string
	// Path is "/" or "/segment/.../" as IAM writes it.
	Path string
	Name string
}

// Partitions lists the partitions whose role ARNs are accepted.
var Partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	namePattern    = pattern.MustBounded(`^[\w+=,.@-]+$`, 64)
	segmentPattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
)

// ParseRole parses an IAM role ARN and checks each part the way IAM does
// for names and paths.
func ParseRole(arn string) (Role, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return Role{}, fmt.Errorf("%q is not an ARN: expected arn:<partition>:iam::<account>:role/<name>", arn)
	}
	r := Role{Partition: parts[1], Account: parts[4]}
	switch {
	case !knownPartition(r.Partition):
		return Role{}, fmt.Errorf("%q: unknown partition %q", arn, r.Partition)
	case parts[2] != "iam":
		return Role{}, fmt.Errorf("%q: service is %q, not iam", arn, parts[2])
	case parts[3] != "":
		return Role{}, fmt.Errorf("%q: IAM ARNs have no region, got %q", arn, parts[3])
	case !accountPattern.MatchString(r.Account):
		return Role{}, fmt.Errorf("%q: account %q is not 12 digits", arn, r.Account)
	}
	resource, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return Role{}, fmt.Errorf("%q names %q, which is not a role: use arn:%s:iam::%s:role/<name>", arn, parts[5], r.Partition, r.Account)
	}
	segments := strings.Split(resource, "/")
	r.Name = segments[len(segments)-1]
	if !namePattern.MatchString(r.Name) {
		return Role{}, fmt.Errorf("%q: role name %q must be 1 to 64 letters, digits or +=,.@_-", arn, r.Name)
	}
	r.Path = "/"
	for _, segment := range segments[:len(segments)-1] {
		if !segmentPattern.MatchString(segment) {
			return Role{}, fmt.Errorf("%q: role path segment %q is empty or has characters IAM rejects", arn, segment)
		}
		r.Path += segment + "/"
	}
	if len(r.Path) > 512 {
		return Role{}, fmt.Errorf("%q: role path is longer than 512 characters", arn)
	}
	return r, nil
}

func knownPartition(p string) bool {
	for _, known := range Partitions {
		if p == known {
			return true
		}
	}
	return false
}

// String formats the role back into its ARN.
func (r Role) String() string {
	return "arn:" + r.Partition + ":iam::" + r.Account + ":role" + r.Path + r.Name
}
