//go:build e2e

// Package e2e installs the stand-in chart with Helm 3 and Helm 4 and
// irsa-render as the post-renderer into a real kube-apiserver and
// kube-controller-manager. The Amazon EKS Pod Identity Webhook admits the
// runner Pods, and the tests check the objects that the API server returns.
//
// Run it with `make e2e`, which builds the binaries, starts the control plane
// and sets the E2E_ variables that TestMain reads (see e2e/run.sh).
package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	testRole  = "arn:aws:iam::111122223333:role/firefly-runner"
	otherRole = "arn:aws:iam::111122223333:role/firefly-runner-v2"
	// wrongPartitionRole is in the China partition, which does not match the
	// aws partition of the region eu-west-1, so irsa-render rejects it.
	wrongPartitionRole = "arn:aws-cn:iam::111122223333:role/x"
	imageTag           = "v0.6.26"
	region             = "eu-west-1"
	runnerImage        = "public.ecr.aws/firefly/ci-runner-worker:" + imageTag

	release        = "runner"
	deploymentName = release + "-ci-runner-worker"
	saName         = "ci-runner-worker"
	runnerName     = "ci-runner-worker"

	roleArnAnnotation        = "eks.amazonaws.com/role-arn"
	skipContainersAnnotation = "eks.amazonaws.com/skip-containers"
	roleHashAnnotation       = "irsa-render.firefly.ai/role-hash"
)

// suite is the environment that TestMain prepares for the tests.
type suite struct {
	repoRoot   string
	workDir    string
	kubeconfig string
	kube       *kubeClient
	// helm4Home is the Helm 4 home with the irsa-render plugin installed.
	helm4Home string
}

var env suite

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if err := env.load(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\nRun the suite with make e2e, which starts the control plane and sets the E2E_ variables.\n", err)
		return 2
	}

	// The webhook process gets SIGTERM when the thread that started it exits
	// (Pdeathsig), so that thread must live as long as the tests run.
	runtime.LockOSThread()
	webhook, err := startWebhook(env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: starting the pod identity webhook: %v\n", err)
		if webhook != nil {
			webhook.stop()
		}
		return 1
	}
	defer webhook.stop()

	if err := registerWebhook(env.kube, webhook); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: registering the pod identity webhook: %v\n", err)
		return 1
	}
	if err := waitForWebhookMutation(env.kube); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v; webhook log: %s\n", err, webhook.logPath)
		return 1
	}

	home, err := installHelm4Plugin(env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	env.helm4Home = home

	return m.Run()
}

// load reads the E2E_ variables that e2e/run.sh sets from the control plane's
// env file.
func (s *suite) load() error {
	values := map[string]string{}
	for _, name := range []string{"E2E_WORK_DIR", "E2E_KUBECONFIG", "E2E_API_SERVER", "E2E_CA_CERT", "E2E_ADMIN_CERT", "E2E_ADMIN_KEY"} {
		value := os.Getenv(name)
		if value == "" {
			return fmt.Errorf("%s is not set", name)
		}
		values[name] = value
	}

	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "charts", "ci-runner-worker", "Chart.yaml")); err != nil {
		return fmt.Errorf("the stand-in chart is not in %s; run the suite from the e2e folder: %v", root, err)
	}
	s.repoRoot = root
	s.workDir = values["E2E_WORK_DIR"]
	s.kubeconfig = values["E2E_KUBECONFIG"]
	if err := checkKubeconfigServers(s.kubeconfig); err != nil {
		return err
	}
	s.kube, err = newKubeClient(values["E2E_API_SERVER"], values["E2E_CA_CERT"], values["E2E_ADMIN_CERT"], values["E2E_ADMIN_KEY"])
	return err
}

// binary returns the path of a binary in bin/, or an error that names the
// make target that builds it.
func (s *suite) binary(name string) (string, error) {
	path := filepath.Join(s.repoRoot, "bin", name)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s is missing; make e2e builds it", path)
	}
	return path, nil
}

// checkKubeconfigServers rejects a kubeconfig with a cluster server that is
// not https on 127.0.0.1, because Helm, irsa-render and the webhook all get
// this kubeconfig.
func checkKubeconfigServers(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	servers := 0
	for _, line := range strings.Split(string(data), "\n") {
		value, found := strings.CutPrefix(strings.TrimSpace(line), "server:")
		if !found {
			continue
		}
		servers++
		if err := checkLoopbackURL(strings.Trim(strings.TrimSpace(value), `"'`)); err != nil {
			return fmt.Errorf("kubeconfig %s: %v", path, err)
		}
	}
	if servers == 0 {
		return fmt.Errorf("kubeconfig %s names no cluster server", path)
	}
	return nil
}
