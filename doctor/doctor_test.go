package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/smithy-go"
	"github.com/firefly-oss/irsa-render/facts"
)

func TestRunHealthySetupPasses(t *testing.T) {
	f := newFixture(t)
	report := f.run(t)
	for _, res := range report.Results {
		want := Passed
		if res.Check == CheckImageDigest {
			// Without a registry the digest check is skipped.
			want = Skipped
		}
		if res.Status != want {
			t.Errorf("%s = %s, want %s: %s", res.Check, res.Status, want, res.Message)
		}
	}
	if report.Failed() {
		t.Error("Failed() = true for a report without failures")
	}
	wantOrder := []string{CheckCluster, CheckOIDCProvider, CheckTrustPolicy, CheckCredentialLifetime,
		CheckPodIdentity, CheckStaticCredentials, CheckRunnerImage, CheckImageDigest, CheckPermissions}
	for i, res := range report.Results {
		if res.Check != wantOrder[i] {
			t.Errorf("result %d = %s, want %s", i, res.Check, wantOrder[i])
		}
	}
	if f.sts.calls != 0 {
		t.Errorf("GetCallerIdentity calls = %d, want 0 when the facts name the caller", f.sts.calls)
	}
	if got := aws.ToString(f.eks.lastList.Namespace) + "/" + aws.ToString(f.eks.lastList.ServiceAccount); got != "firefly/ci-runner-worker" {
		t.Errorf("ListPodIdentityAssociations filters = %s, want firefly/ci-runner-worker", got)
	}
}

func TestClusterCheck(t *testing.T) {
	tests := []struct {
		name    string
		facts   *facts.Facts
		err     error
		status  Status
		message string
		fix     string
	}{
		{name: "updating", facts: &facts.Facts{Cluster: "demo", Region: "eu-central-1", Status: "UPDATING", OIDCIssuer: testIssuer},
			status: Warning, message: "is UPDATING", fix: "prints ACTIVE"},
		{name: "not EKS", err: &facts.NotEKSError{Context: "kind", Server: "https://127.0.0.1:6443"},
			status: Failed, message: `kubeconfig context "kind" (server https://127.0.0.1:6443) is not an EKS cluster`, fix: "--cluster and --region"},
		{name: "not active", err: &facts.ClusterNotActiveError{Cluster: "demo", Region: "eu-central-1", Status: "CREATING"},
			status: Failed, message: "EKS cluster demo in eu-central-1 is CREATING, not ACTIVE",
			fix: "aws eks describe-cluster --name demo --region eu-central-1 --query cluster.status prints ACTIVE"},
		{name: "no issuer", err: fmt.Errorf("facts file x: %w", &facts.NoOIDCIssuerError{Cluster: "demo", Region: "eu-central-1"}),
			status: Failed, message: "has no OIDC issuer", fix: "--query cluster.identity.oidc.issuer"},
		{name: "not found", err: &facts.ClusterNotFoundError{Cluster: "dmeo", Region: "eu-central-1", Existing: []string{"demo"}},
			status: Failed, message: "clusters there: demo", fix: "--cluster and --region"},
		{name: "denied", err: &facts.AccessDeniedError{Action: "eks:DescribeCluster", Resource: `cluster "demo" in eu-central-1`, Err: errors.New("denied")},
			status: Warning, message: "AWS denied eks:DescribeCluster", fix: "--facts"},
		{name: "other", err: errors.New("no kubeconfig found"),
			status: Failed, message: "could not be looked up: no kubeconfig found", fix: "--facts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.in.Facts, f.in.FactsErr = tc.facts, tc.err
			report := f.run(t)
			expect(t, report, CheckCluster, tc.status, []string{tc.message}, []string{tc.fix})
			if tc.facts == nil {
				expect(t, report, CheckOIDCProvider, Skipped, []string{"OIDC issuer is unknown"}, nil)
				expect(t, report, CheckTrustPolicy, Skipped, []string{"role firefly-runner (from --role-arn) exists"}, nil)
				expect(t, report, CheckPodIdentity, Skipped, []string{"cluster is unknown"}, nil)
				expect(t, report, CheckStaticCredentials, Passed, nil, nil)
			}
		})
	}
}

func TestClusterCheckDeniedListsPermission(t *testing.T) {
	f := newFixture(t)
	f.in.Facts = nil
	f.in.FactsErr = &facts.AccessDeniedError{Action: "eks:DescribeCluster", Resource: "cluster", Err: errors.New("denied")}
	report := f.run(t)
	expect(t, report, CheckPermissions, Warning, []string{"eks:DescribeCluster on *"}, []string{`"eks:DescribeCluster"`})
	if f.sts.calls != 1 {
		t.Errorf("GetCallerIdentity calls = %d, want 1 without facts", f.sts.calls)
	}
}

func TestOIDCProviderCheck(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*fixture)
		status  Status
		message string
		fix     string
	}{
		{name: "missing", change: func(f *fixture) { f.iam.providers = nil }, status: Failed,
			message: "IAM in account 111122223333 has no OIDC provider for the cluster's issuer " + testIssuer,
			fix:     "aws iam create-open-id-connect-provider --url " + testIssuer + " --client-id-list sts.amazonaws.com"},
		{name: "lacks client ID", change: func(f *fixture) { f.iam.clientIDs[testProvider] = []string{"other"} }, status: Failed,
			message: "lists the client IDs [other] but not sts.amazonaws.com",
			fix:     "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + testProvider + " --client-id sts.amazonaws.com"},
		{name: "custom audience", change: func(f *fixture) { f.in.Audience = "runner.example" }, status: Failed,
			message: "but not runner.example", fix: "--client-id runner.example"},
		{name: "listed in other case", change: func(f *fixture) {
			lower := strings.ToLower(testProvider)
			f.iam.providers = []string{lower}
			f.iam.clientIDs = map[string][]string{lower: {"sts.amazonaws.com"}}
		}, status: Passed, message: "lists the client ID sts.amazonaws.com"},
		{name: "list denied", change: func(f *fixture) { f.iam.listErr = denied("iam:ListOpenIDConnectProviders") }, status: Warning,
			message: "AWS denied iam:ListOpenIDConnectProviders", fix: "aws iam get-open-id-connect-provider --open-id-connect-provider-arn " + testProvider},
		{name: "get denied", change: func(f *fixture) { f.iam.getErr = denied("iam:GetOpenIDConnectProvider") }, status: Warning,
			message: "exists, but its client IDs were not checked", fix: "allow iam:GetOpenIDConnectProvider on " + testProvider},
		{name: "list fails", change: func(f *fixture) { f.iam.listErr = errors.New("connection refused") }, status: Failed,
			message: "could not be listed: iam:ListOpenIDConnectProviders on * failed: connection refused"},
		{name: "role in another account", change: func(f *fixture) { f.in.RoleARN = "arn:aws:iam::444455556666:role/firefly-runner" }, status: Warning,
			message: "must exist in account 444455556666, the role's account, but the AWS credentials are for account 111122223333",
			fix:     "credentials of account 444455556666"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.change(f)
			expect(t, f.run(t), CheckOIDCProvider, tc.status, []string{tc.message}, []string{tc.fix})
		})
	}
}

func TestTrustPolicyNearMisses(t *testing.T) {
	tests := []struct {
		name      string
		policy    string
		status    Status
		message   []string
		fix       []string
		replaced  bool
		appended  bool
		denyIndex int
	}{
		{name: "namespace", policy: trustPolicy("system:serviceaccount:default:ci-runner-worker"), status: Failed,
			message: []string{"does not let " + testSubject + " assume it",
				"statement 0 allows system:serviceaccount:default:ci-runner-worker, the chart renders namespace firefly"},
			fix: []string{"replace statement 0", `"system:serviceaccount:default:ci-runner-worker",`, `"` + testSubject + `"`,
				"aws iam update-assume-role-policy --role-name firefly-runner --policy-document '"}},
		{name: "release prefix", policy: trustPolicy("system:serviceaccount:firefly:runner-ci-runner-worker"), status: Failed,
			message: []string{"statement 0 allows ServiceAccount runner-ci-runner-worker, the chart renders ci-runner-worker without the release prefix runner-"}},
		{name: "audience", policy: strings.Replace(trustPolicy(testSubject), `:aud":"sts.amazonaws.com"`, `:aud":"vault"`, 1), status: Failed,
			message: []string{"statement 0 requires audience vault, the ServiceAccount requests sts.amazonaws.com"}},
		{name: "other cluster", policy: strings.ReplaceAll(trustPolicy(testSubject), "0123456789ABCDEF0123456789ABCDEF", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"), status: Failed,
			message: []string{"no statement allows"}, fix: []string{"add this statement to the trust policy:", `"Federated": "` + testProvider + `"`}},
		{name: "string like wildcard", policy: strings.Replace(strings.Replace(trustPolicy(testSubject), "StringEquals", "StringLike", 1),
			testSubject, "system:serviceaccount:fire?ly:ci-runner-*", 1), status: Passed, message: []string{"statement 0 allows"}},
		{name: "list of subjects", policy: strings.Replace(trustPolicy(testSubject), `"`+testSubject+`"`,
			`["system:serviceaccount:other:x","`+testSubject+`"]`, 1), status: Passed},
		{name: "explicit deny", policy: `{"Version":"2012-10-17","Statement":[` +
			strings.TrimSuffix(strings.TrimPrefix(trustPolicy(testSubject), `{"Version":"2012-10-17","Statement":[`), "]}") + `,` +
			`{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"` + issuerKey + `:sub":"system:serviceaccount:firefly:*"}}}]}`,
			status: Failed, message: []string{"statement 1 explicitly denies", "overrides the Allow in statement 0"},
			fix: []string{"remove statement 1 or narrow its condition", "explicit Deny overrides every Allow"}},
		{name: "any service account", policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + testProvider + `"},` +
			`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + issuerKey + `:aud":"sts.amazonaws.com"}}}]}`,
			status: Warning, message: []string{"broader than IRSA needs", "so every ServiceAccount in the cluster can assume the role"},
			fix: []string{"restrict it to the runner's ServiceAccount", `"` + issuerKey + `:sub": "` + testSubject + `"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.iam.role.AssumeRolePolicyDocument = aws.String(encodePolicy(tc.policy))
			res := expect(t, f.run(t), CheckTrustPolicy, tc.status, tc.message, tc.fix)
			if tc.status == Failed && strings.Contains(res.Fix, "--policy-document '") {
				assertUpdatedPolicyAllows(t, res.Fix)
			}
		})
	}
}

// assertUpdatedPolicyAllows checks that the policy in the fix's command
// is JSON whose evaluation lets the runner in, by running doctor again on it.
func assertUpdatedPolicyAllows(t *testing.T, fix string) {
	t.Helper()
	start := strings.Index(fix, "--policy-document '") + len("--policy-document '")
	policy := strings.TrimSuffix(strings.TrimSpace(fix[start:]), "'")
	if !json.Valid([]byte(policy)) {
		t.Fatalf("policy in the command is not JSON:\n%s", policy)
	}
	f := newFixture(t)
	f.iam.role.AssumeRolePolicyDocument = aws.String(policy)
	expect(t, f.run(t), CheckTrustPolicy, Passed, nil, nil)
}

func TestTrustPolicyRoleProblems(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*fixture)
		status  Status
		message string
		fix     string
	}{
		{name: "no role", change: func(f *fixture) { f.in.RoleARN = "" }, status: Failed,
			message: "no IAM role is set for " + testSubject, fix: "pass --role-arn"},
		{name: "invalid annotation", change: func(f *fixture) {
			f.in.RoleARN, f.in.RoleSource = "firefly-runner", "annotation eks.amazonaws.com/role-arn"
		}, status: Failed, message: "the role ARN from annotation eks.amazonaws.com/role-arn is invalid", fix: "arn:<partition>:iam::<account>:role/<name>"},
		{name: "missing role", change: func(f *fixture) { f.iam.role = nil }, status: Failed,
			message: "role firefly-runner (from --role-arn) does not exist in account 111122223333",
			fix:     "aws iam create-role --role-name firefly-runner --assume-role-policy-document '{\"Version\":\"2012-10-17\""},
		{name: "missing role with path", change: func(f *fixture) {
			f.iam.role = nil
			f.in.RoleARN = "arn:aws:iam::111122223333:role/ci/firefly-runner"
		}, status: Failed, message: "does not exist", fix: "--role-name firefly-runner --path /ci/ --assume-role-policy-document"},
		{name: "denied", change: func(f *fixture) { f.iam.roleErr = denied("iam:GetRole") }, status: Warning,
			message: "was not checked because AWS denied iam:GetRole", fix: "allow iam:GetRole on " + testRoleARN},
		{name: "fails", change: func(f *fixture) { f.iam.roleErr = errors.New("connection reset") }, status: Failed,
			message: "could not be read: iam:GetRole on " + testRoleARN + " failed: connection reset"},
		{name: "unreachable", change: func(f *fixture) {
			f.iam.roleErr = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
		}, status: Failed,
			message: "iam:GetRole failed because AWS could not be reached"},
		{name: "unreadable policy", change: func(f *fixture) { f.iam.role.AssumeRolePolicyDocument = aws.String("%7B%22Version") }, status: Failed,
			message: "cannot be read", fix: "aws iam update-assume-role-policy --role-name firefly-runner"},
		{name: "other account", change: func(f *fixture) { f.in.RoleARN = "arn:aws:iam::444455556666:role/firefly-runner" }, status: Warning,
			message: "is in account 444455556666, but the AWS credentials are for account 111122223333, and iam:GetRole reads roles of the caller's own account only",
			fix:     "iam:GetRole on arn:aws:iam::444455556666:role/firefly-runner"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.change(f)
			expect(t, f.run(t), CheckTrustPolicy, tc.status, []string{tc.message}, []string{tc.fix})
		})
	}
}

func TestTrustPolicyOtherAccountWithoutCaller(t *testing.T) {
	f := newFixture(t)
	f.in.Facts.CallerAccount = ""
	f.sts.err = errors.New("sts unreachable")
	f.in.RoleARN = "arn:aws:iam::444455556666:role/firefly-runner"
	report := f.run(t)
	expect(t, report, CheckTrustPolicy, Warning, []string{"iam:GetRole returned a role of another account"}, nil)
	if f.iam.getRoleCalls != 1 {
		t.Errorf("GetRole calls = %d, want 1 when the caller is unknown", f.iam.getRoleCalls)
	}
	expect(t, report, CheckCredentialLifetime, Passed, []string{"MaxSessionDuration of unknown"}, nil)
}

func TestTrustPolicyDeniedKeepsOtherChecks(t *testing.T) {
	f := newFixture(t)
	f.iam.roleErr = denied("iam:GetRole")
	report := f.run(t)
	expect(t, report, CheckPermissions, Warning, []string{"iam:GetRole on " + testRoleARN}, []string{`"iam:GetRole"`})
	for _, check := range []string{CheckCluster, CheckOIDCProvider, CheckPodIdentity, CheckStaticCredentials, CheckRunnerImage} {
		expect(t, report, check, Passed, nil, nil)
	}
	if f.eks.listCalls != 1 {
		t.Errorf("ListPodIdentityAssociations calls = %d, want 1", f.eks.listCalls)
	}
	if report.Failed() {
		t.Error("a denied call failed the report; it should only warn")
	}
}

func TestPodIdentityCheck(t *testing.T) {
	f := newFixture(t)
	f.eks.associations = []ekstypes.PodIdentityAssociationSummary{{
		AssociationId: aws.String("a-1"), Namespace: aws.String("firefly"), ServiceAccount: aws.String("ci-runner-worker"),
	}, {
		AssociationId: aws.String("a-2"), Namespace: aws.String("other"), ServiceAccount: aws.String("ci-runner-worker"),
	}}
	f.eks.roles = map[string]string{"a-1": "arn:aws:iam::111122223333:role/pod-identity"}
	report := f.run(t)
	res := expect(t, report, CheckPodIdentity, Warning,
		[]string{"association a-1 (role arn:aws:iam::111122223333:role/pod-identity) also gives firefly/ci-runner-worker a role in cluster demo",
			"two mechanisms compete", "injects only the Pod Identity variables",
			"uses the web identity token of IRSA before the Pod Identity endpoint"},
		[]string{"aws eks delete-pod-identity-association --cluster-name demo --association-id a-1 --region eu-central-1",
			"kubectl rollout restart deployment/runner-ci-runner-worker -n firefly",
			"to use Pod Identity instead, remove the eks.amazonaws.com/role-arn annotation"})
	if strings.Contains(res.Message+res.Fix, "a-2") {
		t.Error("an association of another namespace is reported")
	}
}

func TestPodIdentityCheckDenied(t *testing.T) {
	f := newFixture(t)
	f.eks.listErr = deniedEKS()
	report := f.run(t)
	expect(t, report, CheckPodIdentity, Warning, []string{"AWS denied eks:ListPodIdentityAssociations"},
		[]string{"aws eks list-pod-identity-associations --cluster-name demo --namespace firefly --service-account ci-runner-worker --region eu-central-1"})
	expect(t, report, CheckPermissions, Warning,
		[]string{"eks:ListPodIdentityAssociations on arn:aws:eks:eu-central-1:111122223333:cluster/demo"}, nil)
}

func TestPodIdentityDescribeDeniedStillWarns(t *testing.T) {
	f := newFixture(t)
	f.eks.associations = []ekstypes.PodIdentityAssociationSummary{{
		AssociationId: aws.String("a-1"), Namespace: aws.String("firefly"), ServiceAccount: aws.String("ci-runner-worker"),
	}}
	f.eks.describeErr = deniedEKS()
	report := f.run(t)
	res := expect(t, report, CheckPodIdentity, Warning, []string{"association a-1 also gives"}, nil)
	if strings.Contains(res.Message, "(role") {
		t.Errorf("message names a role although DescribePodIdentityAssociation was denied:\n%s", res.Message)
	}
	expect(t, report, CheckPermissions, Warning,
		[]string{"eks:DescribePodIdentityAssociation on arn:aws:eks:eu-central-1:111122223333:podidentityassociation/demo/a-1"}, nil)
}

// deniedEKS is the error EKS returns for a denied call.
func deniedEKS() error {
	return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
}

func TestPermissionsPolicyGroupsByResource(t *testing.T) {
	f := newFixture(t)
	f.iam.listErr = denied("iam:ListOpenIDConnectProviders")
	f.iam.roleErr = denied("iam:GetRole")
	f.eks.listErr = deniedEKS()
	report := f.run(t)
	res := expect(t, report, CheckPermissions, Warning, []string{"AWS denied 3 action(s)"}, nil)
	start := strings.Index(res.Fix, "{")
	var policy struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal([]byte(res.Fix[start:]), &policy); err != nil {
		t.Fatalf("fix policy is not JSON: %v\n%s", err, res.Fix)
	}
	got := map[string]string{}
	for _, s := range policy.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement effect = %s, want Allow", s.Effect)
		}
		got[s.Resource] = strings.Join(s.Action, ",")
	}
	want := map[string]string{
		testRoleARN: "iam:GetRole",
		"*":         "iam:ListOpenIDConnectProviders",
		"arn:aws:eks:eu-central-1:111122223333:cluster/demo": "eks:ListPodIdentityAssociations",
	}
	for resource, actions := range want {
		if got[resource] != actions {
			t.Errorf("actions on %s = %q, want %q", resource, got[resource], actions)
		}
	}
}
