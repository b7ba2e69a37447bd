package facts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// describeClusterOutput is shaped like "aws eks describe-cluster --output
// json" from AWS CLI v2, shortened.
const describeClusterOutput = `{
    "cluster": {
        "name": "ci",
        "arn": "arn:aws:eks:us-east-1:111122223333:cluster/ci",
        "createdAt": "2024-05-01T12:00:00.123000+00:00",
        "version": "1.32",
        "endpoint": "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com",
        "roleArn": "arn:aws:iam::111122223333:role/eks-cluster-role",
        "resourcesVpcConfig": {"endpointPublicAccess": true},
        "identity": {
            "oidc": {
                "issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
            }
        },
        "status": "ACTIVE",
        "certificateAuthority": {"data": "AAAA"},
        "platformVersion": "eks.12",
        "tags": {}
    }
}`

func writeFactsFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "facts.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadFileDescribeClusterOutput(t *testing.T) {
	path := writeFactsFile(t, describeClusterOutput)
	modTime := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(path, modTime, modTime); err != nil {
		t.Fatal(err)
	}

	facts, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	checks := []struct{ field, got, want string }{
		{"Cluster", facts.Cluster, "ci"},
		{"ARN", facts.ARN, "arn:aws:eks:us-east-1:111122223333:cluster/ci"},
		{"Partition", facts.Partition, "aws"},
		{"Account", facts.Account, "111122223333"},
		{"Region", facts.Region, "us-east-1"},
		{"KubernetesVersion", facts.KubernetesVersion, "1.32"},
		{"PlatformVersion", facts.PlatformVersion, "eks.12"},
		{"Status", facts.Status, "ACTIVE"},
		{"OIDCIssuer", facts.OIDCIssuer, issuerUS},
		{"OIDCProviderARN", facts.OIDCProviderARN, "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"},
		{"CallerAccount", facts.CallerAccount, ""},
		{"Source", facts.Source, SourceFile},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if facts.OIDCProviderExists != nil {
		t.Errorf("OIDCProviderExists = %v, want nil (unknown offline)", *facts.OIDCProviderExists)
	}
	if facts.OIDCProviderHasSTSAudience != nil {
		t.Errorf("OIDCProviderHasSTSAudience = %v, want nil", *facts.OIDCProviderHasSTSAudience)
	}
	if !facts.LookedUpAt.Equal(modTime) {
		t.Errorf("LookedUpAt = %v, want the file's modification time %v", facts.LookedUpAt, modTime)
	}
}

func TestReadFileDescribeClusterChina(t *testing.T) {
	content := strings.NewReplacer(
		"arn:aws:eks:us-east-1:111122223333", "arn:aws-cn:eks:cn-northwest-1:444455556666",
		issuerUS, issuerCN,
	).Replace(describeClusterOutput)
	path := writeFactsFile(t, content)

	facts, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if facts.Partition != "aws-cn" || facts.Region != "cn-northwest-1" || facts.Account != "444455556666" {
		t.Errorf("partition, region, account = %s, %s, %s; want aws-cn, cn-northwest-1, 444455556666",
			facts.Partition, facts.Region, facts.Account)
	}
	want := "arn:aws-cn:iam::444455556666:oidc-provider/oidc.eks.cn-northwest-1.amazonaws.com.cn/id/FEDCBA9876543210FEDCBA9876543210"
	if facts.OIDCProviderARN != want {
		t.Errorf("OIDCProviderARN = %q, want %q", facts.OIDCProviderARN, want)
	}
}

func TestReadFileFactsJSON(t *testing.T) {
	path := writeFactsFile(t, `{
  "cluster": "ci",
  "arn": "arn:aws:eks:us-east-1:111122223333:cluster/ci",
  "partition": "aws",
  "account": "111122223333",
  "region": "us-east-1",
  "kubernetesVersion": "1.32",
  "status": "ACTIVE",
  "oidcIssuer": "`+issuerUS+`",
  "oidcProviderExists": true,
  "oidcProviderHasStsAudience": false,
  "callerAccount": "111122223333",
  "lookedUpAt": "2025-01-02T03:04:05Z",
  "source": "eks"
}`)

	facts, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if facts.Source != SourceFile {
		t.Errorf("Source = %q, want %q", facts.Source, SourceFile)
	}
	if facts.OIDCProviderExists == nil || !*facts.OIDCProviderExists {
		t.Errorf("OIDCProviderExists = %v, want true from the file", facts.OIDCProviderExists)
	}
	if facts.OIDCProviderHasSTSAudience == nil || *facts.OIDCProviderHasSTSAudience {
		t.Errorf("OIDCProviderHasSTSAudience = %v, want false from the file", facts.OIDCProviderHasSTSAudience)
	}
	if !strings.HasPrefix(facts.OIDCProviderARN, "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1") {
		t.Errorf("OIDCProviderARN = %q, want it derived from the issuer", facts.OIDCProviderARN)
	}
	if want := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC); !facts.LookedUpAt.Equal(want) {
		t.Errorf("LookedUpAt = %v, want %v from the file", facts.LookedUpAt, want)
	}
}

func TestReadFileFactsJSONFillsFromARN(t *testing.T) {
	path := writeFactsFile(t, `{"cluster": "cn", "arn": "arn:aws-cn:eks:cn-northwest-1:444455556666:cluster/cn", "oidcIssuer": "`+issuerCN+`"}`)

	facts, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if facts.Partition != "aws-cn" || facts.Account != "444455556666" || facts.Region != "cn-northwest-1" {
		t.Errorf("facts = %+v, want partition, account and region from the ARN", facts)
	}
}

func TestReadFileRejectsMalformed(t *testing.T) {
	cases := []struct {
		name    string
		content string
		wantErr string
	}{
		{"empty", "", "is not a JSON object"},
		{"not JSON", "cluster: ci\n", "is not a JSON object"},
		{"JSON array", `[{"cluster": "ci"}]`, "is not a JSON object"},
		{"trailing garbage", describeClusterOutput + "}", "is not a JSON object"},
		{"no cluster field", `{"clusters": ["ci"]}`, `has no "cluster" field`},
		{"describe output without ARN", `{"cluster": {"name": "ci"}}`, "lacks cluster.name or cluster.arn"},
		{"describe output with bad ARN", `{"cluster": {"name": "ci", "arn": "arn:aws:iam::111122223333:role/ci"}}`, "invalid EKS cluster ARN"},
		{"describe output name mismatch", `{"cluster": {"name": "other", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/ci"}}`,
			`cluster name "other" differs`},
		{"describe output wrong type", `{"cluster": {"name": 5}}`, "invalid describe-cluster output"},
		{"facts without ARN", `{"cluster": "ci", "region": "us-east-1"}`, `lack the cluster ARN`},
		{"facts with mismatched account", `{"cluster": "ci", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/ci", "account": "999988887777", "oidcIssuer": "` + issuerUS + `"}`,
			`account "999988887777" does not match`},
		{"facts with mismatched provider", `{"cluster": "ci", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/ci", "oidcIssuer": "` + issuerUS + `", "oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/example.com"}`,
			"oidcProviderArn"},
		{"facts with wrong time", `{"cluster": "ci", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/ci", "lookedUpAt": "yesterday"}`, "invalid facts JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFactsFile(t, tc.content)
			_, err := ReadFile(path)
			if err == nil {
				t.Fatal("ReadFile succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("message = %q, want it to contain %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message = %q, want it to name the file", err)
			}
		})
	}
}

func TestReadFileRejectsUnusableCluster(t *testing.T) {
	noIssuer := writeFactsFile(t, `{"cluster": {"name": "ci", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/ci", "status": "ACTIVE"}}`)
	if _, err := ReadFile(noIssuer); !errors.Is(err, ErrNoOIDCIssuer) {
		t.Errorf("error = %v, want ErrNoOIDCIssuer", err)
	}

	creating := writeFactsFile(t, strings.Replace(describeClusterOutput, `"ACTIVE"`, `"CREATING"`, 1))
	if _, err := ReadFile(creating); !errors.Is(err, ErrClusterNotActive) {
		t.Errorf("error = %v, want ErrClusterNotActive", err)
	}
}

func TestReadFileSizeLimit(t *testing.T) {
	padding := strings.Repeat(" ", maxFactsFileSize)
	path := writeFactsFile(t, describeClusterOutput+padding)

	_, err := ReadFile(path)
	if err == nil || !strings.Contains(err.Error(), "is larger than 1024 KiB") {
		t.Errorf("error = %v, want the size limit reported", err)
	}
}

func TestReadFileMissingOrDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.json")
	if _, err := ReadFile(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("error = %v, want the missing file named", err)
	}

	dir := t.TempDir()
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("error = %v, want a directory rejected", err)
	}
}
