package facts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// fixedEKS, fixedIAM and fixedSTS return values from their fields, without
// the SDK's transport, to test Lookup's logic in isolation.
type fixedEKS struct {
	cluster  *ekstypes.Cluster
	err      error
	describe int
}

func (f *fixedEKS) DescribeCluster(context.Context, *eks.DescribeClusterInput, ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	f.describe++
	if f.err != nil {
		return nil, f.err
	}
	return &eks.DescribeClusterOutput{Cluster: f.cluster}, nil
}

func (f *fixedEKS) ListClusters(context.Context, *eks.ListClustersInput, ...func(*eks.Options)) (*eks.ListClustersOutput, error) {
	return &eks.ListClustersOutput{Clusters: []string{aws.ToString(f.cluster.Name)}}, nil
}

type fixedIAM struct{ providers []string }

func (f *fixedIAM) ListOpenIDConnectProviders(context.Context, *iam.ListOpenIDConnectProvidersInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	out := &iam.ListOpenIDConnectProvidersOutput{}
	for _, arn := range f.providers {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamtypes.OpenIDConnectProviderListEntry{Arn: aws.String(arn)})
	}
	return out, nil
}

func (f *fixedIAM) GetOpenIDConnectProvider(context.Context, *iam.GetOpenIDConnectProviderInput, ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error) {
	return &iam.GetOpenIDConnectProviderOutput{ClientIDList: []string{"sts.amazonaws.com"}}, nil
}

type fixedSTS struct{ account string }

func (f *fixedSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Account: aws.String(f.account)}, nil
}

func fixedClients() (*Clients, *fixedEKS) {
	eksClient := &fixedEKS{cluster: &ekstypes.Cluster{
		Name:     aws.String("ci"),
		Arn:      aws.String("arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/ci"),
		Version:  aws.String("1.33"),
		Status:   ekstypes.ClusterStatusActive,
		Identity: &ekstypes.Identity{Oidc: &ekstypes.OIDC{Issuer: aws.String("https://oidc.eks.us-gov-west-1.amazonaws.com/id/ABC")}},
	}}
	return &Clients{
		EKS: eksClient,
		IAM: &fixedIAM{providers: []string{"arn:aws-us-gov:iam::111122223333:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/ABC"}},
		STS: &fixedSTS{account: "111122223333"},
	}, eksClient
}

func TestLookupWithFixedClients(t *testing.T) {
	clients, eksClient := fixedClients()
	req := Request{Cluster: "ci", Region: "us-gov-west-1", Clients: clients, CacheDir: t.TempDir()}

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.Partition != "aws-us-gov" {
		t.Errorf("Partition = %q, want aws-us-gov", facts.Partition)
	}
	if facts.OIDCProviderExists == nil || !*facts.OIDCProviderExists {
		t.Errorf("OIDCProviderExists = %v, want true", facts.OIDCProviderExists)
	}
	if eksClient.describe != 1 {
		t.Errorf("DescribeCluster calls = %d, want 1", eksClient.describe)
	}

	if _, err := Lookup(context.Background(), req); err != nil {
		t.Fatalf("second Lookup: %v", err)
	}
	if eksClient.describe != 1 {
		t.Errorf("DescribeCluster calls after a warm lookup = %d, want 1", eksClient.describe)
	}
}

func TestLookupRejectsClusterFromOtherRegion(t *testing.T) {
	clients, _ := fixedClients()
	req := Request{Cluster: "ci", Region: "us-gov-east-1", Clients: clients, NoCache: true}

	_, err := Lookup(context.Background(), req)
	if err == nil {
		t.Fatal("Lookup succeeded, want an error for an answer about another region")
	}
}

func TestLookupPassesUnknownErrorsThrough(t *testing.T) {
	clients, eksClient := fixedClients()
	cause := errors.New("something unexpected")
	eksClient.err = cause
	req := Request{Cluster: "ci", Region: "us-gov-west-1", Clients: clients, NoCache: true}

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, cause) {
		t.Fatalf("error = %v, want it to wrap the cause", err)
	}
	if want := `eks:DescribeCluster on cluster "ci" in us-gov-west-1 failed: something unexpected`; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

func TestLoadConfigBoundsRetries(t *testing.T) {
	t.Setenv("AWS_MAX_ATTEMPTS", "25")
	t.Setenv("AWS_RETRY_MODE", "adaptive")

	cfg, err := LoadConfig(context.Background(), ClientOptions{Region: "us-east-1", Timeout: 2 * time.Second, MaxAttempts: 2})
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.RetryMaxAttempts != 0 {
		t.Errorf("RetryMaxAttempts = %d, want 0 so AWS_MAX_ATTEMPTS cannot lift the bound", cfg.RetryMaxAttempts)
	}
	if got := cfg.Retryer().MaxAttempts(); got != 2 {
		t.Errorf("retryer MaxAttempts = %d, want 2", got)
	}
	if cfg.Region != "us-east-1" {
		t.Errorf("Region = %q, want us-east-1", cfg.Region)
	}
}

func TestBackoffLimit(t *testing.T) {
	cases := []struct {
		timeout, want time.Duration
	}{
		{0, time.Second},
		{10 * time.Second, time.Second},
		{time.Minute, time.Second},
		{2 * time.Second, 200 * time.Millisecond},
		{50 * time.Millisecond, 10 * time.Millisecond},
	}
	for _, tc := range cases {
		if got := backoffLimit(tc.timeout); got != tc.want {
			t.Errorf("backoffLimit(%v) = %v, want %v", tc.timeout, got, tc.want)
		}
	}
}

func TestLookupRejectedCredentials(t *testing.T) {
	clients, eksClient := fixedClients()
	eksClient.err = &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
	req := Request{Cluster: "ci", Region: "us-gov-west-1", Clients: clients, NoCache: true}

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("error = %v, want ErrInvalidCredentials", err)
	}
	if !strings.Contains(err.Error(), "AWS rejected the credentials") {
		t.Errorf("message = %q", err)
	}
}
