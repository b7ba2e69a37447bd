package facts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
)

const (
	issuerUS = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	issuerCN = "https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/FEDCBA9876543210FEDCBA9876543210"
)

// fakeOptions returns a fake AWS with an IRSA-ready cluster "ci" in
// us-east-1, two that are not ready, and one in the aws-cn partition.
func fakeOptions() awsfake.Options {
	return awsfake.Options{
		CallerAccount: "111122223333",
		Clusters: []awsfake.Cluster{
			{Name: "ci", Region: "us-east-1", Version: "1.32", PlatformVersion: "eks.12", Issuer: issuerUS},
			{Name: "build", Region: "us-east-1", Status: "CREATING", Issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/BUILD"},
			{Name: "bare", Region: "us-east-1"},
			{Name: "cn", Region: "cn-northwest-1", Version: "1.31", PlatformVersion: "eks.20", Issuer: issuerCN},
		},
		OIDCProviders: []awsfake.OIDCProvider{
			{URL: issuerUS, ClientIDs: []string{"sts.amazonaws.com"}},
			{URL: issuerCN, ClientIDs: []string{"sts.amazonaws.com"}},
		},
	}
}

// startFake starts a fake AWS and points the SDK environment of this test
// at it.
func startFake(t *testing.T, opts awsfake.Options) *awsfake.Server {
	t.Helper()
	fake := awsfake.New(opts)
	t.Cleanup(fake.Close)
	setEnv(t, fake.Env())
	return fake
}

// newRequest returns a request for cluster in region with a cache of its
// own, a short deadline and a warning collector.
func newRequest(t *testing.T, cluster, region string) (Request, *warnings) {
	t.Helper()
	collected := &warnings{}
	return Request{
		Cluster:  cluster,
		Region:   region,
		CacheDir: t.TempDir() + "/cache",
		Timeout:  3 * time.Second,
		Warn:     collected.add,
	}, collected
}

// totalCalls counts the calls of every operation the fake serves.
func totalCalls(fake *awsfake.Server) int {
	total := 0
	for _, op := range []string{
		awsfake.OpDescribeCluster, awsfake.OpListClusters, awsfake.OpListPodIdentityAssociations,
		awsfake.OpListOpenIDConnectProviders, awsfake.OpGetOpenIDConnectProvider, awsfake.OpGetRole,
		awsfake.OpGetCallerIdentity,
	} {
		total += fake.Calls(op)
	}
	return total
}

func TestLookupFillsEveryField(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")

	before := time.Now().Add(-time.Second)
	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
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
		{"CallerAccount", facts.CallerAccount, "111122223333"},
		{"Source", facts.Source, SourceEKS},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if facts.OIDCProviderExists == nil || !*facts.OIDCProviderExists {
		t.Errorf("OIDCProviderExists = %v, want true", facts.OIDCProviderExists)
	}
	if facts.OIDCProviderHasSTSAudience == nil || !*facts.OIDCProviderHasSTSAudience {
		t.Errorf("OIDCProviderHasSTSAudience = %v, want true", facts.OIDCProviderHasSTSAudience)
	}
	if facts.LookedUpAt.Before(before) || facts.LookedUpAt.After(time.Now()) {
		t.Errorf("LookedUpAt = %v, want the time of the lookup", facts.LookedUpAt)
	}

	for op, want := range map[string]int{
		awsfake.OpDescribeCluster:            1,
		awsfake.OpGetCallerIdentity:          1,
		awsfake.OpListOpenIDConnectProviders: 1,
		awsfake.OpGetOpenIDConnectProvider:   1,
		awsfake.OpListClusters:               0,
	} {
		if got := fake.Calls(op); got != want {
			t.Errorf("%s calls = %d, want %d", op, got, want)
		}
	}
}

func TestLookupChinaPartition(t *testing.T) {
	opts := fakeOptions()
	opts.CallerAccount = "444455556666"
	startFake(t, opts)
	req, _ := newRequest(t, "cn", "cn-northwest-1")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	checks := []struct{ field, got, want string }{
		{"ARN", facts.ARN, "arn:aws-cn:eks:cn-northwest-1:444455556666:cluster/cn"},
		{"Partition", facts.Partition, "aws-cn"},
		{"Account", facts.Account, "444455556666"},
		{"Region", facts.Region, "cn-northwest-1"},
		{"KubernetesVersion", facts.KubernetesVersion, "1.31"},
		{"PlatformVersion", facts.PlatformVersion, "eks.20"},
		{"OIDCIssuer", facts.OIDCIssuer, issuerCN},
		{"OIDCProviderARN", facts.OIDCProviderARN, "arn:aws-cn:iam::444455556666:oidc-provider/oidc.eks.cn-northwest-1.amazonaws.com.cn/id/FEDCBA9876543210FEDCBA9876543210"},
		{"CallerAccount", facts.CallerAccount, "444455556666"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if facts.OIDCProviderExists == nil || !*facts.OIDCProviderExists {
		t.Errorf("OIDCProviderExists = %v, want true", facts.OIDCProviderExists)
	}
}

func TestLookupClusterARNInRequest(t *testing.T) {
	startFake(t, fakeOptions())
	req, _ := newRequest(t, "arn:aws:eks:us-east-1:111122223333:cluster/ci", "")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.Cluster != "ci" || facts.Region != "us-east-1" {
		t.Errorf("facts for %q in %q, want ci in us-east-1", facts.Cluster, facts.Region)
	}
}

func TestLookupRegionFromAWSConfig(t *testing.T) {
	startFake(t, fakeOptions())
	t.Setenv("AWS_REGION", "us-east-1")
	req, _ := newRequest(t, "ci", "")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.Region != "us-east-1" {
		t.Errorf("Region = %q, want us-east-1 from AWS_REGION", facts.Region)
	}
}

func TestLookupWithoutRegion(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "")

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrNoRegion) {
		t.Fatalf("error = %v, want ErrNoRegion", err)
	}
	if !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("message = %q, want it to say how to set the region", err)
	}
	if got := totalCalls(fake); got != 0 {
		t.Errorf("AWS calls = %d, want 0", got)
	}
}

func TestLookupProviderMissing(t *testing.T) {
	opts := fakeOptions()
	opts.OIDCProviders = nil
	fake := startFake(t, opts)
	req, _ := newRequest(t, "ci", "us-east-1")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.OIDCProviderExists == nil || *facts.OIDCProviderExists {
		t.Errorf("OIDCProviderExists = %v, want false", facts.OIDCProviderExists)
	}
	if facts.OIDCProviderHasSTSAudience != nil {
		t.Errorf("OIDCProviderHasSTSAudience = %v, want nil for a missing provider", *facts.OIDCProviderHasSTSAudience)
	}
	if got := fake.Calls(awsfake.OpGetOpenIDConnectProvider); got != 0 {
		t.Errorf("GetOpenIDConnectProvider calls = %d, want 0", got)
	}
}

func TestLookupProviderWithoutSTSAudience(t *testing.T) {
	opts := fakeOptions()
	opts.OIDCProviders = []awsfake.OIDCProvider{{URL: issuerUS, ClientIDs: []string{"example.com"}}}
	startFake(t, opts)
	req, _ := newRequest(t, "ci", "us-east-1")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.OIDCProviderHasSTSAudience == nil || *facts.OIDCProviderHasSTSAudience {
		t.Errorf("OIDCProviderHasSTSAudience = %v, want false", facts.OIDCProviderHasSTSAudience)
	}
}

func TestLookupCrossAccountSkipsProvider(t *testing.T) {
	opts := fakeOptions()
	opts.Clusters[0].Account = "999988887777"
	fake := startFake(t, opts)
	req, warned := newRequest(t, "ci", "us-east-1")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.Account != "999988887777" || facts.CallerAccount != "111122223333" {
		t.Errorf("Account = %s, CallerAccount = %s, want 999988887777 and 111122223333", facts.Account, facts.CallerAccount)
	}
	if facts.OIDCProviderExists != nil {
		t.Errorf("OIDCProviderExists = %v, want nil", *facts.OIDCProviderExists)
	}
	if warned.containing("account 999988887777") == "" {
		t.Errorf("warnings = %q, want one naming the cluster's account", warned.all())
	}
	if got := fake.Calls(awsfake.OpListOpenIDConnectProviders); got != 0 {
		t.Errorf("ListOpenIDConnectProviders calls = %d, want 0", got)
	}
}

func TestLookupIAMDeniedWarns(t *testing.T) {
	cases := []struct {
		op         string
		wantExists *bool
	}{
		{awsfake.OpListOpenIDConnectProviders, nil},
		{awsfake.OpGetOpenIDConnectProvider, boolPointer(true)},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			fake := startFake(t, fakeOptions())
			fake.SetFault(tc.op, awsfake.Fault{Kind: awsfake.FaultAccessDenied})
			req, warned := newRequest(t, "ci", "us-east-1")

			facts, err := Lookup(context.Background(), req)
			if err != nil {
				t.Fatalf("Lookup: %v, want success with a warning", err)
			}
			if !equalBoolPointers(facts.OIDCProviderExists, tc.wantExists) {
				t.Errorf("OIDCProviderExists = %v, want %v", facts.OIDCProviderExists, tc.wantExists)
			}
			if facts.OIDCProviderHasSTSAudience != nil {
				t.Errorf("OIDCProviderHasSTSAudience = %v, want nil", *facts.OIDCProviderHasSTSAudience)
			}
			if warned.containing("iam:"+tc.op+" was denied") == "" {
				t.Errorf("warnings = %q, want one naming iam:%s", warned.all(), tc.op)
			}
		})
	}
}

func boolPointer(b bool) *bool { return &b }

func equalBoolPointers(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestLookupFaults(t *testing.T) {
	cases := []struct {
		name       string
		op         string
		kind       awsfake.FaultKind
		wantIs     error
		wantCalls  int
		wantInText []string
	}{
		{"internal error", awsfake.OpDescribeCluster, awsfake.FaultInternalError, ErrUnavailable, 3,
			[]string{"eks:DescribeCluster failed because AWS could not be reached", "ServerException"}},
		{"throttling", awsfake.OpDescribeCluster, awsfake.FaultThrottling, ErrThrottled, 3,
			[]string{"AWS throttled eks:DescribeCluster", "wait a minute"}},
		{"access denied", awsfake.OpDescribeCluster, awsfake.FaultAccessDenied, ErrAccessDenied, 1,
			[]string{"access denied to eks:DescribeCluster on cluster \"ci\" in us-east-1", "allow eks:DescribeCluster"}},
		{"malformed body", awsfake.OpDescribeCluster, awsfake.FaultMalformedBody, ErrMalformedResponse, 1,
			[]string{"eks:DescribeCluster returned a response that could not be parsed"}},
		{"caller denied", awsfake.OpGetCallerIdentity, awsfake.FaultAccessDenied, ErrAccessDenied, 1,
			[]string{"access denied to sts:GetCallerIdentity"}},
		{"caller malformed", awsfake.OpGetCallerIdentity, awsfake.FaultMalformedBody, ErrMalformedResponse, 1,
			[]string{"sts:GetCallerIdentity returned a response that could not be parsed"}},
		{"IAM internal error", awsfake.OpListOpenIDConnectProviders, awsfake.FaultInternalError, ErrUnavailable, 3,
			[]string{"iam:ListOpenIDConnectProviders failed because AWS could not be reached"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := startFake(t, fakeOptions())
			fake.SetFault(tc.op, awsfake.Fault{Kind: tc.kind})
			req, _ := newRequest(t, "ci", "us-east-1")

			_, err := Lookup(context.Background(), req)
			if !errors.Is(err, tc.wantIs) {
				t.Fatalf("error = %v, want %v", err, tc.wantIs)
			}
			for _, text := range tc.wantInText {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("message = %q, want it to contain %q", err, text)
				}
			}
			if got := fake.Calls(tc.op); got != tc.wantCalls {
				t.Errorf("%s calls = %d, want %d", tc.op, got, tc.wantCalls)
			}
		})
	}
}

func TestLookupAccessDeniedNamesAction(t *testing.T) {
	fake := startFake(t, fakeOptions())
	fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultAccessDenied})
	req, _ := newRequest(t, "ci", "us-east-1")

	_, err := Lookup(context.Background(), req)
	var denied *AccessDeniedError
	if !errors.As(err, &denied) {
		t.Fatalf("error = %v, want *AccessDeniedError", err)
	}
	if denied.Action != "eks:DescribeCluster" {
		t.Errorf("Action = %q, want eks:DescribeCluster", denied.Action)
	}
}

func TestLookupFaultFirstCallRetried(t *testing.T) {
	fake := startFake(t, fakeOptions())
	fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultThrottling, Times: 1})
	req, _ := newRequest(t, "ci", "us-east-1")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v, want the SDK to retry past one throttling answer", err)
	}
	if facts.Cluster != "ci" {
		t.Errorf("Cluster = %q", facts.Cluster)
	}
	if got := fake.Calls(awsfake.OpDescribeCluster); got != 2 {
		t.Errorf("DescribeCluster calls = %d, want 2", got)
	}
}

func TestLookupClusterNotFoundListsClusters(t *testing.T) {
	startFake(t, fakeOptions())
	req, _ := newRequest(t, "missing", "us-east-1")

	_, err := Lookup(context.Background(), req)
	var notFound *ClusterNotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("error = %v, want *ClusterNotFoundError", err)
	}
	if !slices.Equal(notFound.Existing, []string{"bare", "build", "ci"}) {
		t.Errorf("Existing = %v, want [bare build ci]", notFound.Existing)
	}
	want := `EKS cluster "missing" not found in region us-east-1; clusters there: bare, build, ci`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message = %q, want it to contain %q", err, want)
	}
}

func TestLookupClusterNotFoundListDenied(t *testing.T) {
	fake := startFake(t, fakeOptions())
	fake.SetFault(awsfake.OpListClusters, awsfake.Fault{Kind: awsfake.FaultAccessDenied})
	req, _ := newRequest(t, "missing", "eu-west-1")

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrClusterNotFound) {
		t.Fatalf("error = %v, want ErrClusterNotFound", err)
	}
	if !strings.Contains(err.Error(), "listing the clusters there failed too: access denied to eks:ListClusters") {
		t.Errorf("message = %q, want it to name the denied eks:ListClusters", err)
	}
}

func TestLookupClusterNotFoundNoneInRegion(t *testing.T) {
	startFake(t, fakeOptions())
	req, _ := newRequest(t, "missing", "eu-west-1")

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrClusterNotFound) {
		t.Fatalf("error = %v, want ErrClusterNotFound", err)
	}
	if !strings.Contains(err.Error(), "sees no clusters in that region") {
		t.Errorf("message = %q", err)
	}
}

func TestLookupNoAnswerTimesOut(t *testing.T) {
	fake := startFake(t, fakeOptions())
	fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultNoAnswer})
	req, _ := newRequest(t, "ci", "us-east-1")
	req.Timeout = time.Second

	start := time.Now()
	_, err := Lookup(context.Background(), req)
	elapsed := time.Since(start)

	var timedOut *TimeoutError
	if !errors.As(err, &timedOut) {
		t.Fatalf("error = %v, want *TimeoutError", err)
	}
	if elapsed > req.Timeout+time.Second {
		t.Errorf("Lookup took %v, want at most the 1s deadline plus 1s", elapsed)
	}
	for _, text := range []string{"eks:DescribeCluster timed out", "1s AWS deadline", "--aws-timeout"} {
		if !strings.Contains(err.Error(), text) {
			t.Errorf("message = %q, want it to contain %q", err, text)
		}
	}
}

func TestLookupSlowRetriesStayInDeadline(t *testing.T) {
	fake := startFake(t, fakeOptions())
	fake.SetFault(awsfake.OpDescribeCluster, awsfake.Fault{Kind: awsfake.FaultInternalError})
	fake.SetDelay(400 * time.Millisecond)
	req, _ := newRequest(t, "ci", "us-east-1")
	req.Timeout = time.Second
	req.MaxAttempts = 10

	start := time.Now()
	_, err := Lookup(context.Background(), req)
	elapsed := time.Since(start)

	if !errors.Is(err, ErrTimeout) {
		t.Errorf("error = %v, want ErrTimeout once retries reach the deadline", err)
	}
	if elapsed > req.Timeout+time.Second {
		t.Errorf("Lookup took %v, want at most the 1s deadline plus 1s", elapsed)
	}
}

func TestLookupConnectionRefused(t *testing.T) {
	fake := startFake(t, fakeOptions())
	setEnv(t, awsfake.EnvForEndpoint(awsfake.RefusedURL()))
	req, _ := newRequest(t, "ci", "us-east-1")

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error = %v, want it to wrap ECONNREFUSED", err)
	}
	if !strings.Contains(err.Error(), "eks:DescribeCluster failed because AWS could not be reached") {
		t.Errorf("message = %q", err)
	}
	if got := totalCalls(fake); got != 0 {
		t.Errorf("calls to the fake = %d, want 0", got)
	}
}

func TestLookupClusterNotActive(t *testing.T) {
	startFake(t, fakeOptions())
	req, _ := newRequest(t, "build", "us-east-1")

	_, err := Lookup(context.Background(), req)
	var notActive *ClusterNotActiveError
	if !errors.As(err, &notActive) {
		t.Fatalf("error = %v, want *ClusterNotActiveError", err)
	}
	if notActive.Status != "CREATING" {
		t.Errorf("Status = %q, want CREATING", notActive.Status)
	}
	if !strings.Contains(err.Error(), `EKS cluster "build" in us-east-1 is CREATING, not ACTIVE`) {
		t.Errorf("message = %q", err)
	}
}

func TestLookupClusterUpdatingWarns(t *testing.T) {
	opts := fakeOptions()
	opts.Clusters[0].Status = "UPDATING"
	startFake(t, opts)
	req, warned := newRequest(t, "ci", "us-east-1")

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.Status != "UPDATING" {
		t.Errorf("Status = %q, want UPDATING", facts.Status)
	}
	if warned.containing("is UPDATING") == "" {
		t.Errorf("warnings = %q, want one about the update", warned.all())
	}
}

func TestLookupClusterWithoutIssuer(t *testing.T) {
	fake := startFake(t, fakeOptions())
	req, _ := newRequest(t, "bare", "us-east-1")

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrNoOIDCIssuer) {
		t.Fatalf("error = %v, want ErrNoOIDCIssuer", err)
	}
	for _, text := range []string{
		"IRSA cannot work until the cluster has an OIDC issuer",
		"eksctl utils associate-iam-oidc-provider --cluster bare --region us-east-1",
		"aws iam create-open-id-connect-provider",
	} {
		if !strings.Contains(err.Error(), text) {
			t.Errorf("message = %q, want it to contain %q", err, text)
		}
	}
	if got := fake.Calls(awsfake.OpListOpenIDConnectProviders); got != 0 {
		t.Errorf("ListOpenIDConnectProviders calls = %d, want 0", got)
	}
}

func TestLookupWithoutCredentials(t *testing.T) {
	fake := startFake(t, fakeOptions())
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	req, _ := newRequest(t, "ci", "us-east-1")

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("error = %v, want ErrNoCredentials", err)
	}
	for _, text := range []string{"no AWS credentials found", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "aws sso login"} {
		if !strings.Contains(err.Error(), text) {
			t.Errorf("message = %q, want it to contain %q", err, text)
		}
	}
	if got := totalCalls(fake); got != 0 {
		t.Errorf("AWS calls = %d, want 0", got)
	}
}

func TestLookupUnknownProfile(t *testing.T) {
	startFake(t, fakeOptions())
	req, _ := newRequest(t, "ci", "us-east-1")
	req.Profile = "absent"

	_, err := Lookup(context.Background(), req)
	if err == nil {
		t.Fatal("Lookup succeeded with a profile that does not exist")
	}
	if !strings.Contains(err.Error(), `profile "absent"`) {
		t.Errorf("message = %q, want it to name the profile", err)
	}
}

func TestLookupFromKubeconfig(t *testing.T) {
	startFake(t, fakeOptions())
	path := writeKubeconfig(t, kubeconfigFixture)
	req, _ := newRequest(t, "", "")
	req.Kubeconfig = path
	req.Context = "arn:aws:eks:us-east-1:111122223333:cluster/ci"

	facts, err := Lookup(context.Background(), req)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if facts.Cluster != "ci" || facts.Region != "us-east-1" {
		t.Errorf("facts for %q in %q, want ci in us-east-1", facts.Cluster, facts.Region)
	}
}

func TestLookupNotEKSContext(t *testing.T) {
	fake := startFake(t, fakeOptions())
	path := writeKubeconfig(t, kubeconfigFixture)
	req, _ := newRequest(t, "", "")
	req.Kubeconfig = path
	req.Context = "kind-kind"

	_, err := Lookup(context.Background(), req)
	if !errors.Is(err, ErrNotEKS) {
		t.Fatalf("error = %v, want ErrNotEKS", err)
	}
	if got := totalCalls(fake); got != 0 {
		t.Errorf("AWS calls = %d, want 0", got)
	}
}
