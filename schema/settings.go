package schema

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/firefly-oss/irsa-render/facts"
)

// Settings are the inputs of the generated schema.
type Settings struct {
	// Facts describe the target cluster. Partition and Region are required.
	// An empty Cluster means the region came from --region and no cluster
	// was looked up. Account is optional: without it the cross-account warning is
	// off.
	Facts *facts.Facts
	// RunnerImageRepository is the runner's image repository without tag or
	// digest, such as "ghcr.io/acme/runner", compared literally (docker.io
	// names are not normalized). Empty selects every image whose repository
	// ends in the path element "ci-runner-worker", with or without a registry
	// host and port.
	RunnerImageRepository string
}

// Partitions that IAM role ARNs may name, with the prefix of their regions'
// names. Regions of the aws partition have no common prefix.
var partitionRegionPrefixes = map[string][]string{
	"aws":        nil,
	"aws-cn":     {"cn-"},
	"aws-us-gov": {"us-gov-"},
}

var (
	regionName     = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-[0-9]+$`)
	accountID      = regexp.MustCompile(`^[0-9]{12}$`)
	repositoryPart = regexp.MustCompile(`^[A-Za-z0-9._-]+(?::[0-9]+)?$`)
)

// check reports the first setting that cannot produce a schema.
func (s Settings) check() error {
	f := s.Facts
	if f == nil {
		return errors.New("schema settings: facts are missing")
	}
	prefixes, known := partitionRegionPrefixes[f.Partition]
	if !known {
		return fmt.Errorf("schema settings: partition %q of cluster %s is not aws, aws-cn or aws-us-gov", f.Partition, f.Cluster)
	}
	if !regionName.MatchString(f.Region) {
		return fmt.Errorf("schema settings: region %q of cluster %s is not a region name such as eu-west-1", f.Region, f.Cluster)
	}
	if err := checkRegionPartition(f.Cluster, f.Region, f.Partition, prefixes); err != nil {
		return err
	}
	if f.Account != "" && !accountID.MatchString(f.Account) {
		return fmt.Errorf("schema settings: account %q of cluster %s is not a 12-digit AWS account ID", f.Account, f.Cluster)
	}
	return checkRepository(s.RunnerImageRepository)
}

func checkRegionPartition(cluster, region, partition string, prefixes []string) error {
	regionPartition := "aws"
	for name, candidates := range partitionRegionPrefixes {
		for _, prefix := range candidates {
			if strings.HasPrefix(region, prefix) {
				regionPartition = name
			}
		}
	}
	if regionPartition != partition {
		return fmt.Errorf("schema settings: region %s of cluster %s belongs to partition %s, not %s", region, cluster, regionPartition, partition)
	}
	return nil
}

// checkRepository accepts "" or a repository such as
// "registry.example.com:5000/ci/runner": path elements separated by "/", a
// port only on the first element, no tag and no digest.
func checkRepository(repository string) error {
	if repository == "" {
		return nil
	}
	if strings.Contains(repository, "@") {
		return fmt.Errorf("schema settings: runner image repository %q contains a digest: give the repository alone, such as ghcr.io/acme/runner", repository)
	}
	elements := strings.Split(repository, "/")
	for i, element := range elements {
		valid := repositoryPart.MatchString(element)
		if strings.Contains(element, ":") && (i != 0 || len(elements) == 1) {
			// A colon after the registry host starts a tag.
			valid = false
		}
		if !valid {
			return fmt.Errorf("schema settings: runner image repository %q is not a repository without tag or digest, such as ghcr.io/acme/runner", repository)
		}
	}
	return nil
}
