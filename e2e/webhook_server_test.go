//go:build e2e

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

const (
	// webhookNamespaceLabel marks the namespaces whose Pods go through the
	// pod identity webhook with failurePolicy Fail.
	webhookNamespaceLabel = "irsa-render.firefly.ai/e2e-pod-identity-webhook"
	webhookConfigName     = "irsa-render-e2e-pod-identity-webhook"

	// webhookRegion is the webhook's --aws-default-region, which EKS sets to
	// the cluster's region. It differs from the region given to irsa-render,
	// so the tests show which of the two the containers end up with: the
	// webhook adds region variables only to containers that have neither.
	webhookRegion = "us-west-2"

	// Defaults of the pod identity webhook v0.6.17 (main.go and pkg/handler).
	tokenVolume    = "aws-iam-token"
	tokenMountPath = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
	tokenFile      = tokenMountPath + "/token"
	tokenAudience  = "sts.amazonaws.com"
)

// webhookServer is a running bin/pod-identity-webhook.
type webhookServer struct {
	cmd     *exec.Cmd
	url     string
	caPEM   []byte
	logPath string
	exited  chan struct{}
}

// startWebhook starts bin/pod-identity-webhook out of cluster, serving TLS on
// a free port of 127.0.0.1 with a certificate for IP 127.0.0.1, and waits
// until its /healthz returns 200.
//
// NOTE: the webhook's main.go listens on ":PORT" for both its webhook and
// metrics servers and has no flag for the address. e2e/run.sh therefore runs
// the suite in a network namespace of its own whose only interface is the
// loopback, so the webhook is reachable on 127.0.0.1 only.
func startWebhook(s suite) (*webhookServer, error) {
	binary, err := s.binary("pod-identity-webhook")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.workDir, "pod-identity-webhook")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	caPEM, certPath, keyPath, err := writeServingCertificate(dir)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}

	logPath := filepath.Join(s.workDir, "pod-identity-webhook.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()

	cmd := exec.Command(binary,
		// Out of cluster: read ServiceAccounts through the admin kubeconfig,
		// whose server is the API server on 127.0.0.1, and serve the given
		// certificate instead of requesting one through a CSR.
		"--in-cluster=false",
		"--kubeconfig="+s.kubeconfig,
		"--tls-cert="+certPath,
		"--tls-key="+keyPath,
		"--port="+strconv.Itoa(port),
		"--metrics-port="+strconv.Itoa(metricsPort),
		"--annotation-prefix=eks.amazonaws.com",
		"--token-audience="+tokenAudience,
		"--aws-default-region="+webhookRegion,
		// A Pod created right after its ServiceAccount can reach the webhook
		// before the informer has the ServiceAccount. With a grace period the
		// webhook fetches it from the API server instead of skipping the Pod.
		"--service-account-lookup-grace-period=5s",
		"--v=4",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := &webhookServer{
		cmd:     cmd,
		url:     "https://127.0.0.1:" + strconv.Itoa(port) + "/mutate",
		caPEM:   caPEM,
		logPath: logPath,
		exited:  make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(w.exited)
	}()
	if err := os.WriteFile(filepath.Join(s.workDir, "pod-identity-webhook.pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
		return w, err
	}
	return w, w.waitHealthy(port, 30*time.Second)
}

// waitHealthy polls https://127.0.0.1:PORT/healthz until it returns 200.
func (w *webhookServer) waitHealthy(port int, timeout time.Duration) error {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(w.caPEM)
	client := &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, Proxy: nil},
		Timeout:   2 * time.Second,
	}
	healthURL := "https://127.0.0.1:" + strconv.Itoa(port) + "/healthz"
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-w.exited:
			return fmt.Errorf("the webhook exited during startup (%v); see %s", w.cmd.ProcessState, w.logPath)
		default:
		}
		resp, err := client.Get(healthURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		lastErr = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer after %s: %v; see %s", healthURL, timeout, lastErr, w.logPath)
}

// stop sends SIGTERM and, after 10 seconds, SIGKILL.
func (w *webhookServer) stop() {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
}

// registerWebhook creates a MutatingWebhookConfiguration that sends pod
// CREATE requests in the labelled test namespaces to the webhook, like the
// webhook's own deploy/mutatingwebhook.yaml. It differs in two ways: the
// webhook is reached by a URL on 127.0.0.1 instead of a Service, and
// failurePolicy Fail keeps a Pod that the webhook cannot mutate from being
// created at all.
func registerWebhook(kube *kubeClient, w *webhookServer) error {
	if err := checkLoopbackURL(w.url); err != nil {
		return err
	}
	config := map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1",
		"kind":       "MutatingWebhookConfiguration",
		"metadata":   map[string]any{"name": webhookConfigName},
		"webhooks": []any{map[string]any{
			"name":          "pod-identity-webhook.amazonaws.com",
			"failurePolicy": "Fail",
			"clientConfig": map[string]any{
				"url":      w.url,
				"caBundle": w.caPEM,
			},
			"namespaceSelector": map[string]any{
				"matchLabels": map[string]string{webhookNamespaceLabel: "enabled"},
			},
			"objectSelector": map[string]any{
				"matchExpressions": []any{map[string]any{
					"key":      "eks.amazonaws.com/skip-pod-identity-webhook",
					"operator": "DoesNotExist",
				}},
			},
			"rules": []any{map[string]any{
				"operations":  []string{"CREATE"},
				"apiGroups":   []string{""},
				"apiVersions": []string{"v1"},
				"resources":   []string{"pods"},
			}},
			"sideEffects": "None",
			// The webhook v0.6.17 responds with admission.k8s.io/v1beta1 types
			// and no apiVersion, which the API server accepts only for v1beta1.
			"admissionReviewVersions": []string{"v1beta1"},
			"timeoutSeconds":          10,
		}},
	}
	return kube.do(http.MethodPost, "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", config, nil)
}

// waitForWebhookMutation creates a probe namespace and ServiceAccount and
// sends dry-run Pod creations until the API server returns a Pod that the
// webhook mutated. The API server loads a new MutatingWebhookConfiguration
// asynchronously, so Pods created right after the registration could
// otherwise skip the webhook.
func waitForWebhookMutation(kube *kubeClient) error {
	const namespace = "e2e-webhook-probe"
	ns := map[string]any{
		"apiVersion": "v1",
		"kind":       "Namespace",
		"metadata":   map[string]any{"name": namespace, "labels": map[string]string{webhookNamespaceLabel: "enabled"}},
	}
	if err := kube.do(http.MethodPost, "/api/v1/namespaces", ns, nil); err != nil {
		return err
	}
	sa := map[string]any{
		"apiVersion": "v1",
		"kind":       "ServiceAccount",
		"metadata": map[string]any{
			"name":        "probe",
			"annotations": map[string]string{roleArnAnnotation: testRole},
		},
	}
	if err := kube.do(http.MethodPost, "/api/v1/namespaces/"+namespace+"/serviceaccounts", sa, nil); err != nil {
		return err
	}
	probe := map[string]any{
		"apiVersion": "v1",
		"kind":       "Pod",
		"metadata":   map[string]any{"generateName": "probe-"},
		"spec": map[string]any{
			"serviceAccountName": "probe",
			"containers":         []any{map[string]any{"name": "probe", "image": "registry.k8s.io/pause:3.10"}},
		},
	}

	deadline := time.Now().Add(60 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		var created pod
		err := kube.do(http.MethodPost, "/api/v1/namespaces/"+namespace+"/pods?dryRun=All", probe, &created)
		if err == nil {
			if roles := envValues(created.Spec.Containers[0])["AWS_ROLE_ARN"]; len(roles) == 1 && roles[0] == testRole {
				return nil
			}
			err = errors.New("the API server returned the probe Pod without AWS_ROLE_ARN")
		}
		lastErr = err
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("the webhook did not mutate a dry-run Pod within 60s: %v", lastErr)
}

// writeServingCertificate writes a CA and a serving certificate for IP
// 127.0.0.1 signed by it into dir, and returns the CA certificate in PEM and
// the paths of the serving certificate and key.
func writeServingCertificate(dir string) (caPEM []byte, certPath, keyPath string, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", "", err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "irsa-render-e2e-webhook-ca"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, "", "", err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, "", "", err
	}

	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", "", err
	}
	serverTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "pod-identity-webhook"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTemplate, caCert, &serverKey.PublicKey, caKey)
	if err != nil {
		return nil, "", "", err
	}
	serverKeyDER, err := x509.MarshalECPrivateKey(serverKey)
	if err != nil {
		return nil, "", "", err
	}

	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certPath = filepath.Join(dir, "tls.crt")
	keyPath = filepath.Join(dir, "tls.key")
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), caPEM, 0o644); err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverDER}), 0o644); err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: serverKeyDER}), 0o600); err != nil {
		return nil, "", "", err
	}
	return caPEM, certPath, keyPath, nil
}

// freePort returns a port on 127.0.0.1 that nothing listened on a moment
// ago. Another process can still take it before the webhook binds it, in
// which case the webhook fails to start and startWebhook reports it.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
