//go:build e2e

package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// kubeClient calls the Kubernetes REST API with the admin client certificate.
// It uses net/http instead of client-go, which the main module does not
// depend on.
type kubeClient struct {
	server string
	http   *http.Client
}

// newKubeClient returns a client for server, which must be an https URL on
// 127.0.0.1, trusting caFile and authenticating with certFile and keyFile.
func newKubeClient(server, caFile, certFile, keyFile string) (*kubeClient, error) {
	if err := checkLoopbackURL(server); err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no PEM certificate found in %s", caFile)
	}
	clientCert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{clientCert}},
		// Only the API server on 127.0.0.1 is called, so any proxy settings of
		// the environment are ignored.
		Proxy: nil,
	}
	return &kubeClient{server: strings.TrimSuffix(server, "/"), http: &http.Client{Transport: transport, Timeout: 30 * time.Second}}, nil
}

// checkLoopbackURL rejects any URL that is not https on 127.0.0.1, so that the
// suite never sends a request to another host.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %v", raw, err)
	}
	if u.Scheme != "https" || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("URL %q is not https://127.0.0.1:PORT; the suite only talks to servers on 127.0.0.1", raw)
	}
	return nil
}

// apiError is a non-2xx response of the API server.
type apiError struct {
	method, path string
	status       int
	body         string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.method, e.path, e.status, e.body)
}

// do sends a request with a JSON body (when body is not nil) and decodes a
// 2xx JSON response into out (when out is not nil).
func (c *kubeClient) do(method, path string, body, out any) error {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(data)
	}

	req, err := http.NewRequest(method, c.server+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}

	if resp.StatusCode/100 != 2 {
		return &apiError{method: method, path: path, status: resp.StatusCode, body: strings.TrimSpace(string(data))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding the response: %v", method, path, err)
	}
	return nil
}

// The types below hold only the fields of the Kubernetes objects that the
// suite reads.

type objectMeta struct {
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace,omitempty"`
	UID             string            `json:"uid,omitempty"`
	ResourceVersion string            `json:"resourceVersion,omitempty"`
	Generation      int64             `json:"generation,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`
	OwnerReferences []ownerReference  `json:"ownerReferences,omitempty"`
}

type ownerReference struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	UID  string `json:"uid"`
}

type serviceAccount struct {
	Metadata objectMeta `json:"metadata"`
}

type podTemplate struct {
	Metadata objectMeta `json:"metadata"`
	Spec     podSpec    `json:"spec"`
}

type podSpec struct {
	ServiceAccountName string      `json:"serviceAccountName,omitempty"`
	Containers         []container `json:"containers"`
	Volumes            []volume    `json:"volumes,omitempty"`
}

type container struct {
	Name         string        `json:"name"`
	Image        string        `json:"image"`
	Env          []envVar      `json:"env,omitempty"`
	VolumeMounts []volumeMount `json:"volumeMounts,omitempty"`
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

type volumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

type volume struct {
	Name      string           `json:"name"`
	Projected *projectedVolume `json:"projected,omitempty"`
}

type projectedVolume struct {
	Sources []struct {
		ServiceAccountToken *struct {
			Audience          string `json:"audience"`
			ExpirationSeconds int64  `json:"expirationSeconds"`
			Path              string `json:"path"`
		} `json:"serviceAccountToken,omitempty"`
	} `json:"sources"`
}

type deployment struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Replicas int         `json:"replicas"`
		Template podTemplate `json:"template"`
	} `json:"spec"`
}

type replicaSet struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Replicas int         `json:"replicas"`
		Template podTemplate `json:"template"`
	} `json:"spec"`
}

type pod struct {
	Metadata objectMeta `json:"metadata"`
	Spec     podSpec    `json:"spec"`
}

func (c *kubeClient) serviceAccount(t *testing.T, namespace, name string) serviceAccount {
	t.Helper()
	var sa serviceAccount
	if err := c.do(http.MethodGet, "/api/v1/namespaces/"+namespace+"/serviceaccounts/"+name, nil, &sa); err != nil {
		t.Fatalf("reading ServiceAccount %s/%s: %v", namespace, name, err)
	}
	return sa
}

func (c *kubeClient) deployment(t *testing.T, namespace, name string) deployment {
	t.Helper()
	var d deployment
	if err := c.do(http.MethodGet, "/apis/apps/v1/namespaces/"+namespace+"/deployments/"+name, nil, &d); err != nil {
		t.Fatalf("reading Deployment %s/%s: %v", namespace, name, err)
	}
	return d
}

// replicaSets returns the ReplicaSets that the Deployment owns, sorted by name.
func (c *kubeClient) replicaSets(t *testing.T, d deployment) []replicaSet {
	t.Helper()
	var list struct {
		Items []replicaSet `json:"items"`
	}
	path := "/apis/apps/v1/namespaces/" + d.Metadata.Namespace + "/replicasets"
	if err := c.do(http.MethodGet, path, nil, &list); err != nil {
		t.Fatalf("listing ReplicaSets in %s: %v", d.Metadata.Namespace, err)
	}
	var owned []replicaSet
	for _, rs := range list.Items {
		for _, owner := range rs.Metadata.OwnerReferences {
			if owner.Kind == "Deployment" && owner.UID == d.Metadata.UID {
				owned = append(owned, rs)
			}
		}
	}
	sort.Slice(owned, func(i, j int) bool { return owned[i].Metadata.Name < owned[j].Metadata.Name })
	return owned
}

// pods returns the Pods that a ReplicaSet owns.
func (c *kubeClient) pods(t *testing.T, rs replicaSet) []pod {
	t.Helper()
	var list struct {
		Items []pod `json:"items"`
	}
	selector := url.QueryEscape("pod-template-hash=" + rs.Metadata.Labels["pod-template-hash"])
	path := "/api/v1/namespaces/" + rs.Metadata.Namespace + "/pods?labelSelector=" + selector
	if err := c.do(http.MethodGet, path, nil, &list); err != nil {
		t.Fatalf("listing Pods in %s: %v", rs.Metadata.Namespace, err)
	}
	var owned []pod
	for _, p := range list.Items {
		for _, owner := range p.Metadata.OwnerReferences {
			if owner.Kind == "ReplicaSet" && owner.UID == rs.Metadata.UID {
				owned = append(owned, p)
			}
		}
	}
	return owned
}

// createNamespace creates a namespace whose Pods the pod identity webhook
// mutates, with failurePolicy Fail.
func (c *kubeClient) createNamespace(t *testing.T, name string) {
	t.Helper()
	ns := map[string]any{
		"apiVersion": "v1",
		"kind":       "Namespace",
		"metadata":   map[string]any{"name": name, "labels": map[string]string{webhookNamespaceLabel: "enabled"}},
	}
	if err := c.do(http.MethodPost, "/api/v1/namespaces", ns, nil); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// waitFor polls condition every 200 ms until it returns true or timeout
// passes, and then fails the test with the last reason that condition gave.
func waitFor(t *testing.T, timeout time.Duration, what string, condition func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, reason := condition()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, reason)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitForReplicaSet waits until the controller manager has created the
// ReplicaSet whose pod template carries the Deployment's current role hash,
// and all of the Pods that the ReplicaSet wants, and returns them.
func (c *kubeClient) waitForReplicaSet(t *testing.T, d deployment) (replicaSet, []pod) {
	t.Helper()
	wantHash := d.Spec.Template.Metadata.Annotations[roleHashAnnotation]
	var current replicaSet
	var pods []pod
	waitFor(t, 60*time.Second, "the ReplicaSet and Pods of Deployment "+d.Metadata.Name, func() (bool, string) {
		found := false
		for _, rs := range c.replicaSets(t, d) {
			if rs.Spec.Template.Metadata.Annotations[roleHashAnnotation] == wantHash {
				current, found = rs, true
			}
		}
		if !found {
			return false, "no ReplicaSet with " + roleHashAnnotation + "=" + wantHash
		}
		if current.Spec.Replicas == 0 {
			return false, "ReplicaSet " + current.Metadata.Name + " wants no Pods yet"
		}
		pods = c.pods(t, current)
		if len(pods) < current.Spec.Replicas {
			return false, fmt.Sprintf("ReplicaSet %s has %d of %d Pods", current.Metadata.Name, len(pods), current.Spec.Replicas)
		}
		return true, ""
	})
	return current, pods
}

func envValues(c container) map[string][]string {
	values := map[string][]string{}
	for _, e := range c.Env {
		values[e.Name] = append(values[e.Name], e.Value)
	}
	return values
}
