package awsfake

import (
	"context"
	"encoding/xml"
	"errors"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	testIssuer   = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	testCNIssuer = "https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/FEDCBA9876543210FEDCBA9876543210"
)

func testOptions() Options {
	return Options{
		CallerAccount: "111122223333",
		Clusters: []Cluster{
			{Name: "ci", Region: "us-east-1", Version: "1.32", PlatformVersion: "eks.12", Issuer: testIssuer,
				CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
			{Name: "build", Region: "us-east-1", Status: "CREATING"},
			{Name: "cn", Region: "cn-northwest-1", Account: "444455556666", Issuer: testCNIssuer},
		},
		OIDCProviders: []OIDCProvider{
			{URL: testIssuer, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}},
		},
		Roles: []Role{
			{Name: "runner", Path: "/ci/", MaxSessionDuration: 7200,
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity"}]}`},
		},
		PodIdentityAssociations: []PodIdentityAssociation{
			{Cluster: "ci", Region: "us-east-1", Namespace: "runners", ServiceAccount: "runner"},
			{Cluster: "ci", Region: "us-east-1", Namespace: "runners", ServiceAccount: "builder"},
			{Cluster: "ci", Region: "us-east-1", Namespace: "other", ServiceAccount: "runner"},
		},
	}
}

// startFake starts a fake and points this test's SDK environment at it.
func startFake(t *testing.T, opts Options) *Server {
	t.Helper()
	s := New(opts)
	t.Cleanup(s.Close)
	setEnv(t, s.Env())
	return s
}

func setEnv(t *testing.T, env []string) {
	t.Helper()
	for _, entry := range env {
		key, value, _ := strings.Cut(entry, "=")
		t.Setenv(key, value)
	}
}

func loadConfig(t *testing.T, region string, maxAttempts int) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = 50 * time.Millisecond
			})
		}),
	)
	if err != nil {
		t.Fatalf("load AWS config: %v", err)
	}
	return cfg
}

func TestDescribeClusterThroughSDK(t *testing.T) {
	startFake(t, testOptions())
	client := eks.NewFromConfig(loadConfig(t, "us-east-1", 1))

	out, err := client.DescribeCluster(context.Background(), &eks.DescribeClusterInput{Name: aws.String("ci")})
	if err != nil {
		t.Fatalf("DescribeCluster: %v", err)
	}
	c := out.Cluster
	if got := aws.ToString(c.Name); got != "ci" {
		t.Errorf("name = %q, want ci", got)
	}
	if got := aws.ToString(c.Arn); got != "arn:aws:eks:us-east-1:111122223333:cluster/ci" {
		t.Errorf("arn = %q", got)
	}
	if got := aws.ToString(c.Version); got != "1.32" {
		t.Errorf("version = %q, want 1.32", got)
	}
	if got := aws.ToString(c.PlatformVersion); got != "eks.12" {
		t.Errorf("platformVersion = %q, want eks.12", got)
	}
	if c.Status != ekstypes.ClusterStatusActive {
		t.Errorf("status = %q, want ACTIVE", c.Status)
	}
	if c.Identity == nil || c.Identity.Oidc == nil || aws.ToString(c.Identity.Oidc.Issuer) != testIssuer {
		t.Errorf("identity = %+v, want issuer %s", c.Identity, testIssuer)
	}
	if got := aws.ToString(c.Endpoint); !strings.HasSuffix(got, ".gr7.us-east-1.eks.amazonaws.com") {
		t.Errorf("endpoint = %q, want a .gr7.us-east-1.eks.amazonaws.com host", got)
	}
	if c.CreatedAt == nil || !c.CreatedAt.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("createdAt = %v", c.CreatedAt)
	}
}

func TestDescribeClusterChinaPartition(t *testing.T) {
	startFake(t, testOptions())
	client := eks.NewFromConfig(loadConfig(t, "cn-northwest-1", 1))

	out, err := client.DescribeCluster(context.Background(), &eks.DescribeClusterInput{Name: aws.String("cn")})
	if err != nil {
		t.Fatalf("DescribeCluster: %v", err)
	}
	if got := aws.ToString(out.Cluster.Arn); got != "arn:aws-cn:eks:cn-northwest-1:444455556666:cluster/cn" {
		t.Errorf("arn = %q", got)
	}
	if got := aws.ToString(out.Cluster.Endpoint); !strings.HasSuffix(got, ".cn-northwest-1.eks.amazonaws.com.cn") {
		t.Errorf("endpoint = %q, want a .eks.amazonaws.com.cn host", got)
	}
}

func TestDescribeClusterWithoutIssuer(t *testing.T) {
	startFake(t, testOptions())
	client := eks.NewFromConfig(loadConfig(t, "us-east-1", 1))

	out, err := client.DescribeCluster(context.Background(), &eks.DescribeClusterInput{Name: aws.String("build")})
	if err != nil {
		t.Fatalf("DescribeCluster: %v", err)
	}
	if out.Cluster.Identity != nil {
		t.Errorf("identity = %+v, want none", out.Cluster.Identity)
	}
	if out.Cluster.Status != ekstypes.ClusterStatusCreating {
		t.Errorf("status = %q, want CREATING", out.Cluster.Status)
	}
}

func TestDescribeClusterRegionScoped(t *testing.T) {
	startFake(t, testOptions())
	client := eks.NewFromConfig(loadConfig(t, "eu-west-1", 1))

	_, err := client.DescribeCluster(context.Background(), &eks.DescribeClusterInput{Name: aws.String("ci")})
	var notFound *ekstypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("error = %v, want ResourceNotFoundException for a cluster of another region", err)
	}
	if !strings.Contains(notFound.ErrorMessage(), "No cluster found for name: ci.") {
		t.Errorf("message = %q", notFound.ErrorMessage())
	}
}

func TestListClustersPaginates(t *testing.T) {
	s := startFake(t, testOptions())
	client := eks.NewFromConfig(loadConfig(t, "us-east-1", 1))

	var names []string
	pages := eks.NewListClustersPaginator(client, &eks.ListClustersInput{MaxResults: aws.Int32(1)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListClusters: %v", err)
		}
		names = append(names, page.Clusters...)
	}
	if !slices.Equal(names, []string{"build", "ci"}) {
		t.Errorf("clusters = %v, want [build ci]", names)
	}
	if got := s.Calls(OpListClusters); got != 2 {
		t.Errorf("ListClusters calls = %d, want 2 pages", got)
	}
}

func TestListPodIdentityAssociationsFilters(t *testing.T) {
	startFake(t, testOptions())
	client := eks.NewFromConfig(loadConfig(t, "us-east-1", 1))

	out, err := client.ListPodIdentityAssociations(context.Background(), &eks.ListPodIdentityAssociationsInput{
		ClusterName:    aws.String("ci"),
		Namespace:      aws.String("runners"),
		ServiceAccount: aws.String("runner"),
	})
	if err != nil {
		t.Fatalf("ListPodIdentityAssociations: %v", err)
	}
	if len(out.Associations) != 1 {
		t.Fatalf("associations = %d, want 1", len(out.Associations))
	}
	a := out.Associations[0]
	if aws.ToString(a.Namespace) != "runners" || aws.ToString(a.ServiceAccount) != "runner" {
		t.Errorf("association = %s/%s, want runners/runner", aws.ToString(a.Namespace), aws.ToString(a.ServiceAccount))
	}
	if !strings.HasPrefix(aws.ToString(a.AssociationArn), "arn:aws:eks:us-east-1:111122223333:podidentityassociation/ci/a-") {
		t.Errorf("associationArn = %q", aws.ToString(a.AssociationArn))
	}

	all, err := client.ListPodIdentityAssociations(context.Background(), &eks.ListPodIdentityAssociationsInput{
		ClusterName: aws.String("ci"),
		Namespace:   aws.String("runners"),
	})
	if err != nil {
		t.Fatalf("ListPodIdentityAssociations by namespace: %v", err)
	}
	if len(all.Associations) != 2 {
		t.Errorf("associations in runners = %d, want 2", len(all.Associations))
	}
}

func TestIAMOpenIDConnectProviders(t *testing.T) {
	startFake(t, testOptions())
	client := iam.NewFromConfig(loadConfig(t, "us-east-1", 1))
	wantARN := "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"

	list, err := client.ListOpenIDConnectProviders(context.Background(), &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		t.Fatalf("ListOpenIDConnectProviders: %v", err)
	}
	if len(list.OpenIDConnectProviderList) != 1 || aws.ToString(list.OpenIDConnectProviderList[0].Arn) != wantARN {
		t.Fatalf("providers = %+v, want one with ARN %s", list.OpenIDConnectProviderList, wantARN)
	}

	got, err := client.GetOpenIDConnectProvider(context.Background(), &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(wantARN),
	})
	if err != nil {
		t.Fatalf("GetOpenIDConnectProvider: %v", err)
	}
	if !slices.Equal(got.ClientIDList, []string{"sts.amazonaws.com"}) {
		t.Errorf("ClientIDList = %v", got.ClientIDList)
	}
	if !slices.Equal(got.ThumbprintList, []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}) {
		t.Errorf("ThumbprintList = %v", got.ThumbprintList)
	}
	if aws.ToString(got.Url) != strings.TrimPrefix(testIssuer, "https://") {
		t.Errorf("Url = %q", aws.ToString(got.Url))
	}
}

func TestIAMMissingProviderIsNoSuchEntity(t *testing.T) {
	startFake(t, testOptions())
	client := iam.NewFromConfig(loadConfig(t, "us-east-1", 1))

	_, err := client.GetOpenIDConnectProvider(context.Background(), &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String("arn:aws:iam::111122223333:oidc-provider/example.com"),
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("error = %v, want NoSuchEntity", err)
	}
}

func TestIAMChinaPartitionARNs(t *testing.T) {
	opts := testOptions()
	opts.OIDCProviders = []OIDCProvider{{URL: testCNIssuer, ClientIDs: []string{"sts.amazonaws.com"}}}
	startFake(t, opts)
	client := iam.NewFromConfig(loadConfig(t, "cn-northwest-1", 1))

	list, err := client.ListOpenIDConnectProviders(context.Background(), &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		t.Fatalf("ListOpenIDConnectProviders: %v", err)
	}
	want := "arn:aws-cn:iam::111122223333:oidc-provider/" + strings.TrimPrefix(testCNIssuer, "https://")
	if len(list.OpenIDConnectProviderList) != 1 || aws.ToString(list.OpenIDConnectProviderList[0].Arn) != want {
		t.Errorf("providers = %+v, want %s", list.OpenIDConnectProviderList, want)
	}
}

func TestGetRoleEncodesTrustPolicy(t *testing.T) {
	opts := testOptions()
	startFake(t, opts)
	client := iam.NewFromConfig(loadConfig(t, "us-east-1", 1))

	out, err := client.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("runner")})
	if err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	role := out.Role
	if got := aws.ToString(role.Arn); got != "arn:aws:iam::111122223333:role/ci/runner" {
		t.Errorf("Arn = %q", got)
	}
	if got := aws.ToString(role.Path); got != "/ci/" {
		t.Errorf("Path = %q", got)
	}
	if got := aws.ToInt32(role.MaxSessionDuration); got != 7200 {
		t.Errorf("MaxSessionDuration = %d, want 7200", got)
	}
	encoded := aws.ToString(role.AssumeRolePolicyDocument)
	if !strings.HasPrefix(encoded, "%7B%22Version%22%3A") {
		t.Errorf("AssumeRolePolicyDocument = %q, want it URL-encoded", encoded)
	}
	decoded, err := url.QueryUnescape(encoded)
	if err != nil {
		t.Fatalf("decode AssumeRolePolicyDocument: %v", err)
	}
	if decoded != opts.Roles[0].TrustPolicy {
		t.Errorf("decoded trust policy = %s, want %s", decoded, opts.Roles[0].TrustPolicy)
	}
}

func TestGetRoleMissing(t *testing.T) {
	startFake(t, testOptions())
	client := iam.NewFromConfig(loadConfig(t, "us-east-1", 1))

	_, err := client.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("absent")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("error = %v, want NoSuchEntity", err)
	}
	if !strings.Contains(apiErr.ErrorMessage(), "absent") {
		t.Errorf("message = %q, want the role name", apiErr.ErrorMessage())
	}
}

func TestGetCallerIdentity(t *testing.T) {
	startFake(t, testOptions())
	client := sts.NewFromConfig(loadConfig(t, "cn-north-1", 1))

	out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := aws.ToString(out.Account); got != "111122223333" {
		t.Errorf("Account = %q", got)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws-cn:iam::111122223333:user/ci" {
		t.Errorf("Arn = %q, want the aws-cn partition of the signing region", got)
	}
	if got := aws.ToString(out.UserId); !strings.HasPrefix(got, "AIDA") {
		t.Errorf("UserId = %q", got)
	}
}

// callFunc calls one operation through the SDK and returns its error.
type callFunc func(ctx context.Context, cfg aws.Config) error

var operations = map[string]callFunc{
	OpDescribeCluster: func(ctx context.Context, cfg aws.Config) error {
		_, err := eks.NewFromConfig(cfg).DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("ci")})
		return err
	},
	OpListClusters: func(ctx context.Context, cfg aws.Config) error {
		_, err := eks.NewFromConfig(cfg).ListClusters(ctx, &eks.ListClustersInput{})
		return err
	},
	OpListPodIdentityAssociations: func(ctx context.Context, cfg aws.Config) error {
		_, err := eks.NewFromConfig(cfg).ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("ci")})
		return err
	},
	OpListOpenIDConnectProviders: func(ctx context.Context, cfg aws.Config) error {
		_, err := iam.NewFromConfig(cfg).ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
		return err
	},
	OpGetOpenIDConnectProvider: func(ctx context.Context, cfg aws.Config) error {
		_, err := iam.NewFromConfig(cfg).GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{
			OpenIDConnectProviderArn: aws.String("arn:aws:iam::111122223333:oidc-provider/" + strings.TrimPrefix(testIssuer, "https://")),
		})
		return err
	},
	OpGetRole: func(ctx context.Context, cfg aws.Config) error {
		_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("runner")})
		return err
	},
	OpGetCallerIdentity: func(ctx context.Context, cfg aws.Config) error {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	},
}

// wantCodes lists the error code the SDK reports for each fault kind, by
// protocol: EKS first, then IAM, then STS.
var wantCodes = map[FaultKind][3]string{
	FaultInternalError: {"ServerException", "ServiceFailure", "InternalFailure"},
	FaultThrottling:    {"ThrottlingException", "Throttling", "Throttling"},
	FaultAccessDenied:  {"AccessDeniedException", "AccessDenied", "AccessDenied"},
	FaultNotFound:      {"ResourceNotFoundException", "NoSuchEntity", "NoSuchEntity"},
}

func protocolIndex(op string) int {
	switch op {
	case OpDescribeCluster, OpListClusters, OpListPodIdentityAssociations:
		return 0
	case OpGetCallerIdentity:
		return 2
	default:
		return 1
	}
}

func TestFaultsReachSDKAsErrorCodes(t *testing.T) {
	s := startFake(t, testOptions())
	cfg := loadConfig(t, "us-east-1", 1)

	for op, call := range operations {
		for kind, codes := range wantCodes {
			t.Run(op+"/"+string(kind), func(t *testing.T) {
				s.SetFault(op, Fault{Kind: kind})
				defer s.ClearFaults()

				err := call(context.Background(), cfg)
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error = %v, want an API error", err)
				}
				if want := codes[protocolIndex(op)]; apiErr.ErrorCode() != want {
					t.Errorf("code = %q, want %q", apiErr.ErrorCode(), want)
				}
				if kind == FaultAccessDenied && !strings.Contains(apiErr.ErrorMessage(), ":"+op+" ") {
					t.Errorf("message = %q, want the action %s named", apiErr.ErrorMessage(), op)
				}
			})
		}
	}
}

func TestFaultHTTPStatus(t *testing.T) {
	s := startFake(t, testOptions())
	cfg := loadConfig(t, "us-east-1", 1)
	cases := []struct {
		op     string
		kind   FaultKind
		status int
	}{
		{OpDescribeCluster, FaultThrottling, 429},
		{OpGetRole, FaultThrottling, 400},
		{OpGetCallerIdentity, FaultThrottling, 400},
		{OpDescribeCluster, FaultInternalError, 500},
		{OpListOpenIDConnectProviders, FaultAccessDenied, 403},
		{OpDescribeCluster, FaultNotFound, 404},
	}
	for _, tc := range cases {
		t.Run(tc.op+"/"+string(tc.kind), func(t *testing.T) {
			s.SetFault(tc.op, Fault{Kind: tc.kind})
			defer s.ClearFaults()

			err := operations[tc.op](context.Background(), cfg)
			var withStatus interface{ HTTPStatusCode() int }
			if !errors.As(err, &withStatus) {
				t.Fatalf("error = %v, want an HTTP response error", err)
			}
			if withStatus.HTTPStatusCode() != tc.status {
				t.Errorf("status = %d, want %d", withStatus.HTTPStatusCode(), tc.status)
			}
		})
	}
}

func TestMalformedBodyIsDeserializationError(t *testing.T) {
	s := startFake(t, testOptions())
	cfg := loadConfig(t, "us-east-1", 1)

	for _, op := range []string{OpDescribeCluster, OpListOpenIDConnectProviders, OpGetCallerIdentity} {
		t.Run(op, func(t *testing.T) {
			s.SetFault(op, Fault{Kind: FaultMalformedBody})
			defer s.ClearFaults()

			err := operations[op](context.Background(), cfg)
			// The REST-JSON decoder wraps parse failures in a
			// DeserializationError; the query decoder returns the XML
			// syntax error inside the response error.
			var deserialization *smithy.DeserializationError
			var syntax *xml.SyntaxError
			if !errors.As(err, &deserialization) && !errors.As(err, &syntax) {
				t.Errorf("error = %v, want a deserialization or XML syntax error", err)
			}
		})
	}
}

func TestFaultFirstCallsOnly(t *testing.T) {
	s := startFake(t, testOptions())
	s.SetFault(OpDescribeCluster, Fault{Kind: FaultInternalError, Times: 2})
	cfg := loadConfig(t, "us-east-1", 3)

	if err := operations[OpDescribeCluster](context.Background(), cfg); err != nil {
		t.Fatalf("DescribeCluster after two faulted attempts: %v", err)
	}
	if got := s.Calls(OpDescribeCluster); got != 3 {
		t.Errorf("DescribeCluster calls = %d, want 3 (two faults, one answer)", got)
	}
	if err := operations[OpDescribeCluster](context.Background(), cfg); err != nil {
		t.Errorf("DescribeCluster once the fault is used up: %v", err)
	}
}

func TestFaultFromOptions(t *testing.T) {
	opts := testOptions()
	opts.Faults = map[string]Fault{OpGetCallerIdentity: {Kind: FaultAccessDenied}}
	startFake(t, opts)

	err := operations[OpGetCallerIdentity](context.Background(), loadConfig(t, "us-east-1", 1))
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Errorf("error = %v, want AccessDenied", err)
	}
}

func TestNoAnswerEndsWithContext(t *testing.T) {
	s := startFake(t, testOptions())
	s.SetFault(OpDescribeCluster, Fault{Kind: FaultNoAnswer})
	cfg := loadConfig(t, "us-east-1", 1)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := operations[OpDescribeCluster](ctx, cfg)
	elapsed := time.Since(start)

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if elapsed > 2*time.Second {
		t.Errorf("call took %v, want it to end soon after the 300ms deadline", elapsed)
	}
}

func TestCloseEndsHangingRequest(t *testing.T) {
	s := New(testOptions())
	setEnv(t, s.Env())
	s.SetFault(OpGetCallerIdentity, Fault{Kind: FaultNoAnswer})
	cfg := loadConfig(t, "us-east-1", 1)

	done := make(chan error, 1)
	go func() { done <- operations[OpGetCallerIdentity](context.Background(), cfg) }()
	deadline := time.Now().Add(2 * time.Second)
	for s.Calls(OpGetCallerIdentity) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}

	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close blocked on a request with a no-answer fault")
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("GetCallerIdentity succeeded, want an error once the server closed")
		}
	case <-time.After(3 * time.Second):
		t.Error("GetCallerIdentity still waiting after Close")
	}
}

func TestRefusedURLRefusesConnections(t *testing.T) {
	s := startFake(t, testOptions())
	refused := RefusedURL()
	setEnv(t, EnvForEndpoint(refused))
	t.Setenv("AWS_CONFIG_FILE", envValue(s.Env(), "AWS_CONFIG_FILE"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", envValue(s.Env(), "AWS_SHARED_CREDENTIALS_FILE"))
	cfg := loadConfig(t, "us-east-1", 1)

	if !strings.HasPrefix(refused, "http://127.0.0.1:") {
		t.Errorf("RefusedURL = %q, want an address on 127.0.0.1", refused)
	}
	err := operations[OpDescribeCluster](context.Background(), cfg)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error = %v, want connection refused", err)
	}
}

func envValue(env []string, key string) string {
	for _, entry := range env {
		if k, v, _ := strings.Cut(entry, "="); k == key {
			return v
		}
	}
	return ""
}

func TestDelayAppliesToEveryCall(t *testing.T) {
	s := startFake(t, testOptions())
	s.SetDelay(200 * time.Millisecond)
	cfg := loadConfig(t, "us-east-1", 1)

	start := time.Now()
	if err := operations[OpGetCallerIdentity](context.Background(), cfg); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Errorf("call took %v, want at least the 200ms delay", elapsed)
	}
}

func TestCallsCountsPerOperation(t *testing.T) {
	s := startFake(t, testOptions())
	cfg := loadConfig(t, "us-east-1", 1)

	for range 3 {
		if err := operations[OpGetCallerIdentity](context.Background(), cfg); err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
	}
	if err := operations[OpGetRole](context.Background(), cfg); err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	if got := s.Calls(OpGetCallerIdentity); got != 3 {
		t.Errorf("GetCallerIdentity calls = %d, want 3", got)
	}
	if got := s.Calls(OpGetRole); got != 1 {
		t.Errorf("GetRole calls = %d, want 1", got)
	}
	if got := s.Calls(OpDescribeCluster); got != 0 {
		t.Errorf("DescribeCluster calls = %d, want 0", got)
	}
	s.ResetCalls()
	if got := s.Calls(OpGetCallerIdentity); got != 0 {
		t.Errorf("GetCallerIdentity calls after ResetCalls = %d, want 0", got)
	}
}

func TestEnvPointsOnlyAtLoopback(t *testing.T) {
	s := startFake(t, testOptions())
	for _, entry := range s.Env() {
		key, value, _ := strings.Cut(entry, "=")
		if !strings.HasPrefix(key, "AWS_ENDPOINT_URL") && !strings.HasSuffix(key, "_PROXY") || key == "NO_PROXY" {
			continue
		}
		if !strings.HasPrefix(value, "http://127.0.0.1:") {
			t.Errorf("%s = %q, want an address on 127.0.0.1", key, value)
		}
	}
	if got := envValue(s.Env(), "AWS_EC2_METADATA_DISABLED"); got != "true" {
		t.Errorf("AWS_EC2_METADATA_DISABLED = %q, want true", got)
	}
	if got := envValue(s.Env(), "AWS_ACCESS_KEY_ID"); got != FakeAccessKeyID {
		t.Errorf("AWS_ACCESS_KEY_ID = %q, want the fake key", got)
	}
}

func TestListenAddrRejectsOtherHosts(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "localhost:0", "[::]:0"} {
		if _, err := listenLoopback(addr); err == nil {
			t.Errorf("listenLoopback(%q) succeeded, want an error for a host other than 127.0.0.1", addr)
		}
	}
}
