package facts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// maxFactsFileSize bounds what ReadFile reads; describe-cluster output is
// a few KiB.
const maxFactsFileSize = 1 << 20

// fileFormatHint names the files ReadFile accepts, for error messages.
const fileFormatHint = "pass an irsa-render facts file or the output of \"aws eks describe-cluster --output json\""

// ReadFile reads facts offline from path, which holds either Facts as
// JSON or the output of "aws eks describe-cluster --output json". For the
// latter, the caller account and the IAM OIDC provider are unknown. Facts
// without a lookup time get the file's modification time, and Source is
// always "file". Clusters that IRSA cannot use are rejected as in Lookup.
func ReadFile(path string) (*Facts, error) {
	data, modTime, err := readFileCapped(path)
	if err != nil {
		return nil, err
	}
	return parseFacts(data, path, modTime)
}

// parseFacts reads facts from the content of the file at path; modTime
// replaces a missing lookup time.
func parseFacts(data []byte, path string, modTime time.Time) (*Facts, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("facts file %s is not a JSON object: %w; %s", path, err, fileFormatHint)
	}
	cluster, found := top["cluster"]
	if !found {
		return nil, fmt.Errorf("facts file %s has no \"cluster\" field; %s", path, fileFormatHint)
	}

	var facts *Facts
	var err error
	if bytes.HasPrefix(bytes.TrimSpace(cluster), []byte("{")) {
		facts, err = factsFromDescribeOutput(data)
	} else {
		facts, err = factsFromFactsJSON(data)
	}
	if err != nil {
		return nil, fmt.Errorf("facts file %s: %w; %s", path, err, fileFormatHint)
	}

	if facts.LookedUpAt.IsZero() {
		facts.LookedUpAt = modTime.UTC().Truncate(time.Second)
	}
	facts.Source = SourceFile
	if err := checkUsable(facts, func(string) {}); err != nil {
		return nil, fmt.Errorf("facts file %s: %w", path, err)
	}
	return facts, nil
}

func readFileCapped(path string) ([]byte, time.Time, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("open facts file: %w; check the path", err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read facts file %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("facts file %s is not a regular file; %s", path, fileFormatHint)
	}
	data, err := io.ReadAll(io.LimitReader(file, maxFactsFileSize+1))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read facts file %s: %w", path, err)
	}
	if len(data) > maxFactsFileSize {
		return nil, time.Time{}, fmt.Errorf("facts file %s is larger than %d KiB; %s", path, maxFactsFileSize>>10, fileFormatHint)
	}
	return data, info.ModTime(), nil
}

// describeOutput holds the fields of "aws eks describe-cluster" output
// that facts uses.
type describeOutput struct {
	Cluster struct {
		Name            string `json:"name"`
		Arn             string `json:"arn"`
		Version         string `json:"version"`
		PlatformVersion string `json:"platformVersion"`
		Status          string `json:"status"`
		Identity        *struct {
			OIDC *struct {
				Issuer string `json:"issuer"`
			} `json:"oidc"`
		} `json:"identity"`
	} `json:"cluster"`
}

func factsFromDescribeOutput(data []byte) (*Facts, error) {
	var out describeOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("invalid describe-cluster output: %w", err)
	}
	c := out.Cluster
	if c.Arn == "" || c.Name == "" {
		return nil, errors.New("describe-cluster output lacks cluster.name or cluster.arn")
	}
	cluster := &ekstypes.Cluster{
		Name:            aws.String(c.Name),
		Arn:             aws.String(c.Arn),
		Version:         aws.String(c.Version),
		PlatformVersion: aws.String(c.PlatformVersion),
		Status:          ekstypes.ClusterStatus(c.Status),
	}
	if c.Identity != nil && c.Identity.OIDC != nil {
		cluster.Identity = &ekstypes.Identity{Oidc: &ekstypes.OIDC{Issuer: aws.String(c.Identity.OIDC.Issuer)}}
	}
	return factsFromCluster(cluster)
}

// factsFromFactsJSON decodes Facts and checks them against the cluster
// ARN, filling the fields the ARN implies when they are empty.
func factsFromFactsJSON(data []byte) (*Facts, error) {
	var facts Facts
	if err := json.Unmarshal(data, &facts); err != nil {
		return nil, fmt.Errorf("invalid facts JSON: %w", err)
	}
	if facts.ARN == "" {
		return nil, errors.New("facts lack the cluster ARN (\"arn\")")
	}
	arn, err := ParseClusterARN(facts.ARN)
	if err != nil {
		return nil, err
	}
	fields := []struct {
		name  string
		value *string
		want  string
	}{
		{"cluster", &facts.Cluster, arn.Name},
		{"partition", &facts.Partition, arn.Partition},
		{"account", &facts.Account, arn.Account},
		{"region", &facts.Region, arn.Region},
	}
	for _, field := range fields {
		if *field.value == "" {
			*field.value = field.want
		} else if *field.value != field.want {
			return nil, fmt.Errorf("%s %q does not match the cluster ARN %s", field.name, *field.value, facts.ARN)
		}
	}
	if facts.OIDCIssuer != "" {
		derived := OIDCProviderARN(facts.Partition, facts.Account, facts.OIDCIssuer)
		if facts.OIDCProviderARN == "" {
			facts.OIDCProviderARN = derived
		} else if facts.OIDCProviderARN != derived {
			return nil, fmt.Errorf("oidcProviderArn %q does not match the issuer, want %s", facts.OIDCProviderARN, derived)
		}
	}
	return &facts, nil
}
