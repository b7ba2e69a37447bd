package schema

import (
	"encoding/json"
	"testing"
)

// typicalDeployment is a runner Deployment after irsa-render's rewrite: two
// containers, an init container, probes, resources and a dozen env entries.
const typicalDeployment = `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {
    "name": "ci-runner-worker",
    "namespace": "ci",
    "labels": {"app.kubernetes.io/name": "ci-runner-worker", "app.kubernetes.io/instance": "ci", "helm.sh/chart": "ci-runner-worker-1.4.2"},
    "annotations": {"meta.helm.sh/release-name": "ci", "meta.helm.sh/release-namespace": "ci"}
  },
  "spec": {
    "replicas": 3,
    "selector": {"matchLabels": {"app.kubernetes.io/name": "ci-runner-worker", "app.kubernetes.io/instance": "ci"}},
    "template": {
      "metadata": {
        "labels": {"app.kubernetes.io/name": "ci-runner-worker", "app.kubernetes.io/instance": "ci"},
        "annotations": {"checksum/config": "4f7c2b0e9d1a", "eks.amazonaws.com/token-expiration": "3600"}
      },
      "spec": {
        "serviceAccountName": "ci-runner-worker",
        "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "fsGroup": 1000},
        "initContainers": [{
          "name": "prepare",
          "image": "public.ecr.aws/firefly/ci-runner-worker:1.4.2",
          "command": ["/bin/prepare"],
          "env": [
            {"name": "AWS_REGION", "value": "eu-west-1"},
            {"name": "AWS_DEFAULT_REGION", "value": "eu-west-1"}
          ]
        }],
        "containers": [{
          "name": "worker",
          "image": "public.ecr.aws/firefly/ci-runner-worker:1.4.2",
          "imagePullPolicy": "IfNotPresent",
          "args": ["--concurrency=4", "--queue=default"],
          "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
          "env": [
            {"name": "RUNNER_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "RUNNER_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "RUNNER_TOKEN", "valueFrom": {"secretKeyRef": {"name": "ci-runner-token", "key": "token"}}},
            {"name": "RUNNER_LABELS", "value": "linux,x64,eks"},
            {"name": "RUNNER_WORKDIR", "value": "/work"},
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "CACHE_BUCKET", "value": "firefly-ci-cache"},
            {"name": "AWS_REGION", "value": "eu-west-1"},
            {"name": "AWS_DEFAULT_REGION", "value": "eu-west-1"}
          ],
          "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
          "livenessProbe": {"httpGet": {"path": "/healthz", "port": "metrics"}, "periodSeconds": 10},
          "readinessProbe": {"httpGet": {"path": "/readyz", "port": "metrics"}, "periodSeconds": 5},
          "volumeMounts": [{"name": "work", "mountPath": "/work"}, {"name": "config", "mountPath": "/etc/runner"}]
        }, {
          "name": "docker",
          "image": "docker.io/library/docker:27-dind",
          "securityContext": {"privileged": true},
          "env": [{"name": "DOCKER_TLS_CERTDIR", "value": ""}],
          "volumeMounts": [{"name": "work", "mountPath": "/work"}]
        }],
        "volumes": [{"name": "work", "emptyDir": {}}, {"name": "config", "configMap": {"name": "ci-runner-worker"}}]
      }
    }
  }
}`

// typicalConfigMap is a chart ConfigMap with a few keys of configuration.
const typicalConfigMap = `{
  "apiVersion": "v1",
  "kind": "ConfigMap",
  "metadata": {
    "name": "ci-runner-worker",
    "namespace": "ci",
    "labels": {"app.kubernetes.io/name": "ci-runner-worker", "app.kubernetes.io/instance": "ci", "helm.sh/chart": "ci-runner-worker-1.4.2"}
  },
  "data": {
    "runner.yaml": "concurrency: 4\nqueues:\n  - default\n  - release\ncache:\n  bucket: firefly-ci-cache\n",
    "log-level": "info",
    "labels": "linux,x64,eks"
  }
}`

func decodeJSON(tb testing.TB, text string) any {
	tb.Helper()
	var doc any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		tb.Fatalf("decode test document: %v", err)
	}
	return doc
}

func benchmarkValidate(b *testing.B, text string) {
	validator, err := Compile(testSettings())
	if err != nil {
		b.Fatal(err)
	}
	doc := decodeJSON(b, text)
	if violations := validator.Validate(doc); len(violations) != 0 {
		b.Fatalf("benchmark document is invalid: %v", violations)
	}
	b.ReportAllocs()
	for b.Loop() {
		validator.Validate(doc)
	}
}

func BenchmarkValidateDeployment(b *testing.B) { benchmarkValidate(b, typicalDeployment) }

func BenchmarkValidateConfigMap(b *testing.B) { benchmarkValidate(b, typicalConfigMap) }

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(testSettings()); err != nil {
			b.Fatal(err)
		}
	}
}
