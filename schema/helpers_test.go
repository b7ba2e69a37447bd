package schema

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firefly-oss/irsa-render/facts"
)

const (
	clusterAccount = "111122223333"
	foreignAccount = "444455556666"
	runnerImage    = "public.ecr.aws/firefly/ci-runner-worker"
	sha256Digest   = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// clusterFacts returns the facts of a cluster named demo in partition.
func clusterFacts(partition string) *facts.Facts {
	regions := map[string]string{"aws": "eu-west-1", "aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}
	return &facts.Facts{
		Cluster:    "demo",
		ARN:        "arn:" + partition + ":eks:" + regions[partition] + ":" + clusterAccount + ":cluster/demo",
		Partition:  partition,
		Account:    clusterAccount,
		Region:     regions[partition],
		OIDCIssuer: "https://oidc.eks." + regions[partition] + ".amazonaws.com/id/EXAMPLE0123456789",
		LookedUpAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

func testSettings() Settings {
	return Settings{Facts: clusterFacts("aws")}
}

var (
	validatorsMu sync.Mutex
	validators   = map[string]*Validator{}
)

// validatorFor compiles the validator for partition and repository once per
// test binary.
func validatorFor(tb testing.TB, partition, repository string) *Validator {
	tb.Helper()
	validatorsMu.Lock()
	defer validatorsMu.Unlock()
	key := partition + " " + repository
	if v, ok := validators[key]; ok {
		return v
	}
	v, err := Compile(Settings{Facts: clusterFacts(partition), RunnerImageRepository: repository})
	if err != nil {
		tb.Fatalf("compile schema for %s: %v", key, err)
	}
	validators[key] = v
	return v
}

func list(items ...any) []any { return items }

func configMap(name string) object {
	return object{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   object{"name": name},
		"data":       object{"key": "value"},
	}
}

func serviceAccount(annotations object) object {
	metadata := object{"name": "ci-runner-worker", "namespace": "ci"}
	if annotations != nil {
		metadata["annotations"] = annotations
	}
	return object{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}
}

func roleAnnotation(arn string) object {
	return object{annotationRoleARN: arn}
}

func env(pairs ...string) []any {
	entries := []any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		entries = append(entries, object{"name": pairs[i], "value": pairs[i+1]})
	}
	return entries
}

func regionEnv(region string) []any {
	return env(envRegion, region, envDefaultRegion, region)
}

func container(name, image string, entries []any) object {
	c := object{"name": name, "image": image}
	if entries != nil {
		c["env"] = entries
	}
	return c
}

// runner returns a runner container pinned to 1.4.2 with both region
// variables set to region.
func runner(region string) object {
	return container("worker", runnerImage+":1.4.2", regionEnv(region))
}

func podSpec(containers ...any) object {
	return object{"containers": containers}
}

func withInit(spec object, initContainers ...any) object {
	spec["initContainers"] = initContainers
	return spec
}

func workload(apiVersion, kind string, spec object) object {
	return object{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata":   object{"name": "ci-runner-worker"},
		"spec": object{
			"selector": object{"matchLabels": object{"app": "ci-runner-worker"}},
			"template": object{
				"metadata": object{"labels": object{"app": "ci-runner-worker"}},
				"spec":     spec,
			},
		},
	}
}

func deployment(spec object) object {
	return workload("apps/v1", "Deployment", spec)
}

func cronJob(spec object) object {
	return object{
		"apiVersion": "batch/v1",
		"kind":       "CronJob",
		"metadata":   object{"name": "ci-runner-cleanup"},
		"spec": object{
			"schedule": "0 * * * *",
			"jobTemplate": object{"spec": object{"template": object{
				"metadata": object{},
				"spec":     spec,
			}}},
		},
	}
}

func pod(spec object) object {
	return object{
		"apiVersion": "v1",
		"kind":       "Pod",
		"metadata":   object{"name": "ci-runner-debug"},
		"spec":       spec,
	}
}

// kubeList wraps items in a document of kind.
func kubeList(kind string, items ...any) object {
	return object{"apiVersion": "v1", "kind": kind, "items": items}
}

// expected is one violation a test expects: exact pointer and rule, and a
// part of the message.
type expected struct {
	pointer string
	rule    string
	message string
}

func checkViolations(t *testing.T, got []Violation, want []expected) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%s", len(got), len(want), formatViolations(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Pointer != w.pointer {
			t.Errorf("violation %d: pointer = %q, want %q", i, g.Pointer, w.pointer)
		}
		if g.Rule != w.rule {
			t.Errorf("violation %d: rule = %q, want %q", i, g.Rule, w.rule)
		}
		if !strings.Contains(g.Message, w.message) {
			t.Errorf("violation %d: message = %q, want it to contain %q", i, g.Message, w.message)
		}
	}
}

func formatViolations(violations []Violation) string {
	var b strings.Builder
	for _, v := range violations {
		b.WriteString("  " + v.Pointer + " [" + v.Rule + "] " + v.Message + "\n")
	}
	return b.String()
}
