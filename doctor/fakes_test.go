package doctor

import (
	"context"
	"net/url"
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
	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/trust"
)

const (
	testAccount  = "111122223333"
	testRoleARN  = "arn:aws:iam::111122223333:role/firefly-runner"
	testIssuer   = "https://oidc.eks.eu-central-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	testProvider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	testSubject  = "system:serviceaccount:firefly:ci-runner-worker"
)

// issuerKey is the issuer without https://, the prefix of condition keys.
var issuerKey = strings.TrimPrefix(testIssuer, "https://")

// denied is the error IAM returns for a call that policies deny.
func denied(action string) error {
	return &smithy.GenericAPIError{Code: "AccessDenied", Message: "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: " + action}
}

func noSuchEntity() error {
	return &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "The role cannot be found."}
}

// fakeIAM returns fixed IAM responses and counts GetRole calls.
type fakeIAM struct {
	role         *iamtypes.Role
	roleErr      error
	providers    []string
	listErr      error
	clientIDs    map[string][]string
	getErr       error
	getRoleCalls int
}

func (f *fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	f.getRoleCalls++
	if f.roleErr != nil {
		return nil, f.roleErr
	}
	if f.role == nil || aws.ToString(f.role.RoleName) != aws.ToString(in.RoleName) {
		return nil, noSuchEntity()
	}
	return &iam.GetRoleOutput{Role: f.role}, nil
}

func (f *fakeIAM) ListOpenIDConnectProviders(context.Context, *iam.ListOpenIDConnectProvidersInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := &iam.ListOpenIDConnectProvidersOutput{}
	for _, arn := range f.providers {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamtypes.OpenIDConnectProviderListEntry{Arn: aws.String(arn)})
	}
	return out, nil
}

func (f *fakeIAM) GetOpenIDConnectProvider(_ context.Context, in *iam.GetOpenIDConnectProviderInput, _ ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	ids, ok := f.clientIDs[aws.ToString(in.OpenIDConnectProviderArn)]
	if !ok {
		return nil, noSuchEntity()
	}
	return &iam.GetOpenIDConnectProviderOutput{ClientIDList: ids}, nil
}

// fakeEKS serves fixed Pod Identity associations.
type fakeEKS struct {
	associations []ekstypes.PodIdentityAssociationSummary
	roles        map[string]string
	listErr      error
	describeErr  error
	listCalls    int
	lastList     *eks.ListPodIdentityAssociationsInput
}

func (f *fakeEKS) ListPodIdentityAssociations(_ context.Context, in *eks.ListPodIdentityAssociationsInput, _ ...func(*eks.Options)) (*eks.ListPodIdentityAssociationsOutput, error) {
	f.listCalls++
	f.lastList = in
	if f.listErr != nil {
		return nil, f.listErr
	}
	return &eks.ListPodIdentityAssociationsOutput{Associations: f.associations}, nil
}

func (f *fakeEKS) DescribePodIdentityAssociation(_ context.Context, in *eks.DescribePodIdentityAssociationInput, _ ...func(*eks.Options)) (*eks.DescribePodIdentityAssociationOutput, error) {
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	role, ok := f.roles[aws.ToString(in.AssociationId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException"}
	}
	return &eks.DescribePodIdentityAssociationOutput{Association: &ekstypes.PodIdentityAssociation{
		AssociationId: in.AssociationId, RoleArn: aws.String(role),
	}}, nil
}

// fakeSTS returns a fixed caller account.
type fakeSTS struct {
	account string
	err     error
	calls   int
}

func (f *fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String(f.account)}, nil
}

// fixture is one doctor run with fakes in which everything IRSA needs is
// in place; a test changes what it checks and calls run.
type fixture struct {
	in  Input
	iam *fakeIAM
	eks *fakeEKS
	sts *fakeSTS
}

// trustPolicy returns a trust policy that allows subject through the test
// cluster's provider.
func trustPolicy(subject string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + testProvider + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + issuerKey + `:sub":"` + subject + `",` +
		`"` + issuerKey + `:aud":"sts.amazonaws.com"}}}]}`
}

// encodePolicy percent-encodes a policy as IAM's GetRole returns it.
func encodePolicy(policy string) string {
	return strings.ReplaceAll(url.QueryEscape(policy), "+", "%20")
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	in, err := NewInput(Settings{RoleARN: testRoleARN, Namespace: "firefly"}, []byte(testStream))
	if err != nil {
		t.Fatalf("NewInput: %v", err)
	}
	in.Facts = &facts.Facts{
		Cluster: "demo", ARN: "arn:aws:eks:eu-central-1:111122223333:cluster/demo", Partition: "aws",
		Account: testAccount, Region: "eu-central-1", Status: "ACTIVE", OIDCIssuer: testIssuer,
		OIDCProviderARN: testProvider, CallerAccount: testAccount, Source: facts.SourceEKS,
	}
	in.CallTimeout = time.Second
	return &fixture{
		in: in,
		iam: &fakeIAM{
			role: &iamtypes.Role{
				RoleName:                 aws.String("firefly-runner"),
				Arn:                      aws.String(testRoleARN),
				AssumeRolePolicyDocument: aws.String(encodePolicy(trustPolicy(testSubject))),
				MaxSessionDuration:       aws.Int32(43200),
			},
			providers: []string{testProvider},
			clientIDs: map[string][]string{testProvider: {trust.DefaultAudience}},
		},
		eks: &fakeEKS{},
		sts: &fakeSTS{account: testAccount},
	}
}

func (f *fixture) run(t *testing.T) Report {
	t.Helper()
	report := Run(context.Background(), f.in, Clients{IAM: f.iam, EKS: f.eks, STS: f.sts})
	if len(report.Results) != 9 {
		t.Fatalf("results = %d, want 9", len(report.Results))
	}
	return report
}

// result returns the result of one check.
func result(t *testing.T, r Report, check string) Result {
	t.Helper()
	for _, res := range r.Results {
		if res.Check == check {
			return res
		}
	}
	t.Fatalf("report has no %s check", check)
	return Result{}
}

// expect checks a result's status and that its message and fix contain
// the given texts.
func expect(t *testing.T, r Report, check string, status Status, message []string, fix []string) Result {
	t.Helper()
	res := result(t, r, check)
	if res.Status != status {
		t.Errorf("%s status = %s, want %s; message:\n%s", check, res.Status, status, res.Message)
	}
	for _, want := range message {
		if !strings.Contains(res.Message, want) {
			t.Errorf("%s message lacks %q:\n%s", check, want, res.Message)
		}
	}
	for _, want := range fix {
		if !strings.Contains(res.Fix, want) {
			t.Errorf("%s fix lacks %q:\n%s", check, want, res.Fix)
		}
	}
	return res
}

// testStream is a rendered stream in the shape of the public chart: a
// ServiceAccount, a Secret and a ConfigMap read through envFrom, and a
// Deployment whose first container is the runner.
const testStream = `---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ci-runner-worker
  namespace: firefly
---
apiVersion: v1
kind: Secret
metadata:
  name: ci-runner-worker-secrets
  namespace: firefly
type: Opaque
data:
  FIREFLY_JWT_TOKEN:
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ci-runner-worker
  namespace: firefly
data:
  WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT: "90m"
  WORKER_CHILD_EXECUTION_TIMEOUT: "12h"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner-ci-runner-worker
  namespace: firefly
spec:
  template:
    spec:
      serviceAccountName: ci-runner-worker
      containers:
        - name: ci-runner-worker
          image: public.ecr.aws/firefly/ci-runner-worker:v0.6.26
          envFrom:
            - configMapRef:
                name: ci-runner-worker
            - secretRef:
                name: ci-runner-worker-secrets
          env:
            - name: WORKFLOW_REMOTE_BACKEND_EXTERNAL_HOSTNAME
              value: api.firefly.ai
        - name: docker
          image: docker:dind
          env:
            - name: AWS_ACCESS_KEY_ID
              value: not-the-runner
`
