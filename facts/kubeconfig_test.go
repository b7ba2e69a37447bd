package facts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kubeconfigFixture has one context of each kind. No test contacts any of
// its servers; they are only parsed.
const kubeconfigFixture = `apiVersion: v1
kind: Config
current-context: arn:aws:eks:us-east-1:111122223333:cluster/ci
clusters:
- name: arn:aws:eks:us-east-1:111122223333:cluster/ci
  cluster:
    server: https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com
- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod
  cluster:
    server: https://AAAABBBBCCCCDDDDEEEEFFFF00001111.yl4.eu-west-1.eks.amazonaws.com
- name: eksctl-build
  cluster:
    server: https://22223333444455556666777788889999.gr7.us-west-2.eks.amazonaws.com
- name: eksctl-build-equals
  cluster:
    server: https://22223333444455556666777788889999.gr7.us-west-2.eks.amazonaws.com
- name: china
  cluster:
    server: https://99998888777766665555444433332222.cn-north-1.eks.amazonaws.com.cn
- name: authenticator
  cluster:
    server: https://12341234123412341234123412341234.sk1.ap-south-1.eks.amazonaws.com
- name: eks-no-name
  cluster:
    server: https://56785678567856785678567856785678.gr7.us-east-2.eks.amazonaws.com
- name: kind-kind
  cluster:
    server: https://127.0.0.1:6443
- name: gke_project_zone_ci
  cluster:
    server: https://203.0.113.10
contexts:
- name: arn:aws:eks:us-east-1:111122223333:cluster/ci
  context:
    cluster: arn:aws:eks:us-east-1:111122223333:cluster/ci
    user: arn:aws:eks:us-east-1:111122223333:cluster/ci
- name: prod
  context:
    cluster: arn:aws:eks:eu-west-1:111122223333:cluster/prod
    user: prod
- name: build
  context:
    cluster: eksctl-build
    user: build-user
- name: build-equals
  context:
    cluster: eksctl-build-equals
    user: build-equals-user
- name: china
  context:
    cluster: china
    user: china-user
- name: authenticator
  context:
    cluster: authenticator
    user: authenticator-user
- name: eks-no-name
  context:
    cluster: eks-no-name
    user: token-user
- name: kind-kind
  context:
    cluster: kind-kind
    user: kind-kind
- name: gke_project_zone_ci
  context:
    cluster: gke_project_zone_ci
    user: gke_project_zone_ci
users:
- name: arn:aws:eks:us-east-1:111122223333:cluster/ci
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-east-1, eks, get-token, --cluster-name, ci, --output, json]
- name: build-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, build]
- name: build-equals-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /usr/local/bin/aws
      args: [eks, get-token, --cluster-name=build-eq]
- name: china-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, cn-ci, --region, cn-north-1]
- name: authenticator-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws-iam-authenticator
      args: [token, -i, legacy]
- name: token-user
  user:
    token: not-a-real-token
- name: kind-kind
  user:
    client-certificate-data: AAAA
- name: gke_project_zone_ci
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
`

func writeKubeconfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestChooseClusterFromKubeconfig(t *testing.T) {
	path := writeKubeconfig(t, kubeconfigFixture)
	cases := []struct {
		name        string
		context     string
		wantCluster string
		wantRegion  string
	}{
		{"current context with ARN name", "", "ci", "us-east-1"},
		{"ARN context name", "arn:aws:eks:us-east-1:111122223333:cluster/ci", "ci", "us-east-1"},
		{"ARN cluster entry name", "prod", "prod", "eu-west-1"},
		{"eks.amazonaws.com server and get-token", "build", "build", "us-west-2"},
		{"cluster-name with equals sign", "build-equals", "build-eq", "us-west-2"},
		{"eks.amazonaws.com.cn server", "china", "cn-ci", "cn-north-1"},
		{"aws-iam-authenticator", "authenticator", "legacy", "ap-south-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target, err := ChooseCluster(Request{Kubeconfig: path, Context: tc.context})
			if err != nil {
				t.Fatalf("ChooseCluster: %v", err)
			}
			if target.Cluster != tc.wantCluster {
				t.Errorf("Cluster = %q, want %q", target.Cluster, tc.wantCluster)
			}
			if target.Region != tc.wantRegion {
				t.Errorf("Region = %q, want %q", target.Region, tc.wantRegion)
			}
			if target.Server == "" {
				t.Error("Server is empty, want the context's API server")
			}
		})
	}
}

func TestChooseClusterRejectsNonEKS(t *testing.T) {
	path := writeKubeconfig(t, kubeconfigFixture)
	cases := []struct{ context, server string }{
		{"kind-kind", "https://127.0.0.1:6443"},
		{"gke_project_zone_ci", "https://203.0.113.10"},
	}
	for _, tc := range cases {
		t.Run(tc.context, func(t *testing.T) {
			_, err := ChooseCluster(Request{Kubeconfig: path, Context: tc.context})
			var notEKS *NotEKSError
			if !errors.As(err, &notEKS) {
				t.Fatalf("error = %v, want *NotEKSError", err)
			}
			for _, text := range []string{
				`kubeconfig context "` + tc.context + `"`,
				"server " + tc.server,
				"IRSA exists only on EKS; on GKE, AKS or other Kubernetes the runner needs static credentials from a Secret instead",
			} {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("message = %q, want it to contain %q", err, text)
				}
			}
		})
	}
}

func TestChooseClusterEKSServerWithoutName(t *testing.T) {
	path := writeKubeconfig(t, kubeconfigFixture)

	_, err := ChooseCluster(Request{Kubeconfig: path, Context: "eks-no-name"})
	if err == nil {
		t.Fatal("ChooseCluster succeeded, want an error for an EKS context that names no cluster")
	}
	if !strings.Contains(err.Error(), "names no cluster") || !strings.Contains(err.Error(), "--cluster") {
		t.Errorf("message = %q", err)
	}
}

func TestChooseClusterMissingContext(t *testing.T) {
	path := writeKubeconfig(t, kubeconfigFixture)

	_, err := ChooseCluster(Request{Kubeconfig: path, Context: "absent"})
	if err == nil || !strings.Contains(err.Error(), `kubeconfig context "absent" not found in `+path) {
		t.Errorf("error = %v, want the missing context and file named", err)
	}
}

func TestChooseClusterNoCurrentContext(t *testing.T) {
	path := writeKubeconfig(t, "apiVersion: v1\nkind: Config\nclusters: []\n")

	_, err := ChooseCluster(Request{Kubeconfig: path})
	if err == nil || !strings.Contains(err.Error(), "has no current-context") {
		t.Errorf("error = %v, want a missing current-context reported", err)
	}
}

func TestChooseClusterKubeconfigList(t *testing.T) {
	first := writeKubeconfig(t, "apiVersion: v1\nkind: Config\ncurrent-context: build\n")
	second := writeKubeconfig(t, kubeconfigFixture)
	missing := filepath.Join(t.TempDir(), "absent")
	t.Setenv("KUBECONFIG", strings.Join([]string{missing, first, second}, string(os.PathListSeparator)))

	target, err := ChooseCluster(Request{})
	if err != nil {
		t.Fatalf("ChooseCluster: %v", err)
	}
	if target.Cluster != "build" || target.Region != "us-west-2" {
		t.Errorf("target = %+v, want build in us-west-2 from the merged files", target)
	}
}

func TestChooseClusterNoKubeconfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent")

	_, err := ChooseCluster(Request{Kubeconfig: missing})
	if err == nil || !strings.Contains(err.Error(), "no kubeconfig found at "+missing) {
		t.Errorf("error = %v, want the missing kubeconfig named", err)
	}
}

func TestChooseClusterDefaultKubeconfigPath(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".kube"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".kube", "config"), []byte(kubeconfigFixture), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", "")

	target, err := ChooseCluster(Request{})
	if err != nil {
		t.Fatalf("ChooseCluster: %v", err)
	}
	if target.Cluster != "ci" {
		t.Errorf("Cluster = %q, want ci from ~/.kube/config", target.Cluster)
	}
}

func TestChooseClusterInvalidKubeconfig(t *testing.T) {
	path := writeKubeconfig(t, "contexts: [unclosed\n")

	_, err := ChooseCluster(Request{Kubeconfig: path})
	if err == nil || !strings.Contains(err.Error(), "invalid kubeconfig "+path) {
		t.Errorf("error = %v, want the invalid file named", err)
	}
}

func TestChooseClusterRegionConflict(t *testing.T) {
	path := writeKubeconfig(t, kubeconfigFixture)

	_, err := ChooseCluster(Request{Kubeconfig: path, Region: "eu-west-1"})
	if err == nil || !strings.Contains(err.Error(), "points at a cluster in us-east-1, but the requested region is eu-west-1") {
		t.Errorf("error = %v, want the region conflict reported", err)
	}
}

func TestChooseClusterFromRequest(t *testing.T) {
	cases := []struct {
		name        string
		req         Request
		wantCluster string
		wantRegion  string
		wantErr     string
	}{
		{"name and region", Request{Cluster: "ci", Region: "us-east-1"}, "ci", "us-east-1", ""},
		{"name only", Request{Cluster: "ci"}, "ci", "", ""},
		{"ARN", Request{Cluster: "arn:aws-cn:eks:cn-northwest-1:444455556666:cluster/cn"}, "cn", "cn-northwest-1", ""},
		{"ARN and same region", Request{Cluster: "arn:aws:eks:us-east-1:111122223333:cluster/ci", Region: "us-east-1"}, "ci", "us-east-1", ""},
		{"ARN and other region", Request{Cluster: "arn:aws:eks:us-east-1:111122223333:cluster/ci", Region: "eu-west-1"}, "", "",
			"is in region us-east-1, but the requested region is eu-west-1"},
		{"malformed ARN", Request{Cluster: "arn:aws:eks:us-east-1:1234:cluster/ci"}, "", "", "account \"1234\" is not 12 digits"},
		{"invalid name", Request{Cluster: "ci/../x", Region: "us-east-1"}, "", "", "invalid EKS cluster name"},
		{"invalid region", Request{Cluster: "ci", Region: "us east"}, "", "", "invalid AWS region"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target, err := ChooseCluster(tc.req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ChooseCluster: %v", err)
			}
			if target.Cluster != tc.wantCluster || target.Region != tc.wantRegion {
				t.Errorf("target = %+v, want %s in %q", target, tc.wantCluster, tc.wantRegion)
			}
		})
	}
}

func TestRegionFromServer(t *testing.T) {
	cases := []struct {
		server     string
		wantRegion string
		wantEKS    bool
	}{
		{"https://ABC.gr7.us-east-1.eks.amazonaws.com", "us-east-1", true},
		{"https://abc.yl4.eu-central-1.eks.amazonaws.com:443", "eu-central-1", true},
		{"https://ABC.cn-northwest-1.eks.amazonaws.com.cn", "cn-northwest-1", true},
		{"https://ABC.gr7.us-gov-west-1.eks.amazonaws.com", "us-gov-west-1", true},
		{"https://eks.amazonaws.com", "", false},
		{"https://ABC.gr7.notaregion.eks.amazonaws.com", "", false},
		{"https://ABC.gr7.us-east-1.eks.amazonaws.com.example.test", "", false},
		{"https://127.0.0.1:6443", "", false},
		{"::not a url", "", false},
	}
	for _, tc := range cases {
		region, isEKS := regionFromServer(tc.server)
		if region != tc.wantRegion || isEKS != tc.wantEKS {
			t.Errorf("regionFromServer(%q) = %q, %v; want %q, %v", tc.server, region, isEKS, tc.wantRegion, tc.wantEKS)
		}
	}
}
