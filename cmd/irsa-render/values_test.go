package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func TestValuesCommandWritesSettings(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	got := runBinary(t, nil, nil, "values", "--facts="+factsFile, "--role-arn="+testRole, "--image-tag=v0.6.26")
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	var v map[string]any
	if err := yaml.Unmarshal([]byte(got.stdout), &v); err != nil {
		t.Fatalf("values do not parse: %v", err)
	}
	if role := valueAt(v, "serviceAccount", "annotations", "eks.amazonaws.com/role-arn"); role != testRole {
		t.Errorf("role = %v, want %s", role, testRole)
	}
	if region := valueAt(v, "configMap", "data", "AWS_REGION"); region != "eu-central-1" {
		t.Errorf("configMap AWS_REGION = %v, want eu-central-1", region)
	}
	if !strings.Contains(got.stdout, "# from cluster demo, eu-central-1") {
		t.Errorf("values lack the source comment:\n%s", got.stdout)
	}
}

func valueAt(v any, path ...string) any {
	for _, key := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

func TestValuesMergeConflict(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	existing := filepath.Join(t.TempDir(), "values.yaml")
	writeFile(t, existing, "# team settings\nreplicaCount: 2\nrepository:\n  tag: v0.6.20\n")
	got := runBinary(t, nil, nil, "values", "--facts="+factsFile, "--role-arn="+testRole, "--image-tag=v0.6.26", "--merge="+existing)
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stderr, "repository.tag") || !strings.Contains(got.stderr, "--overwrite") {
		t.Errorf("stderr = %q, want the conflicting key and --overwrite", got.stderr)
	}
	merged := runBinary(t, nil, nil, "values", "--facts="+factsFile, "--role-arn="+testRole, "--image-tag=v0.6.26", "--merge="+existing, "--overwrite")
	if merged.code != 0 {
		t.Fatalf("--overwrite exit code = %d; stderr:\n%s", merged.code, merged.stderr)
	}
	for _, want := range []string{"# team settings", "replicaCount: 2", "tag: v0.6.26"} {
		if !strings.Contains(merged.stdout, want) {
			t.Errorf("merged values lack %q:\n%s", want, merged.stdout)
		}
	}
}

func TestValuesCheckReportsViolations(t *testing.T) {
	factsFile := writeFacts(t, "aws-cn", "cn-northwest-1", cnIssuer)
	bad := filepath.Join(t.TempDir(), "values.yaml")
	writeFile(t, bad, "serviceAccount:\n  annotations:\n    eks.amazonaws.com/role-arn: "+testRole+"\nrepository:\n  tag: latest\n")
	got := runBinary(t, nil, nil, "values", "--facts="+factsFile, "--check="+bad)
	if got.code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
	}
	for _, want := range []string{
		"/serviceAccount/annotations/eks.amazonaws.com~1role-arn: partition aws does not match the cluster's partition aws-cn (cluster demo, cn-northwest-1)",
		"is not pinned",
	} {
		if !strings.Contains(got.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got.stderr)
		}
	}
}

func TestValuesSchemaAndAccounts(t *testing.T) {
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	dir := t.TempDir()
	schemaFile := filepath.Join(dir, "values.schema.json")
	got := runBinary(t, nil, nil, "values", "--facts="+factsFile, "--image-tag=v0.6.26", "--schema", "--schema-file="+schemaFile,
		"--subchart-alias=runner", "--output-dir="+dir,
		"--account=prod=arn:aws:iam::111122223333:role/runner-prod", "--account=staging=arn:aws:iam::444455556666:role/runner-staging")
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	var s map[string]any
	if err := json.Unmarshal(readFile(t, schemaFile), &s); err != nil {
		t.Fatalf("schema does not parse: %v", err)
	}
	if _, ok := valueAt(s, "properties").(map[string]any)["runner"]; !ok {
		t.Errorf("schema has no property runner for the subchart alias")
	}
	for name, role := range map[string]string{"prod": "role/runner-prod", "staging": "role/runner-staging"} {
		data, err := os.ReadFile(filepath.Join(dir, "values-"+name+".yaml"))
		if err != nil {
			t.Fatalf("values-%s.yaml not written: %v", name, err)
		}
		var v map[string]any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if sa := valueAt(v, "serviceAccount", "name"); sa != "ci-runner-worker-"+name {
			t.Errorf("values-%s serviceAccount.name = %v, want ci-runner-worker-%s", name, sa, name)
		}
		if arn, _ := valueAt(v, "serviceAccount", "annotations", "eks.amazonaws.com/role-arn").(string); !strings.HasSuffix(arn, role) {
			t.Errorf("values-%s role = %v, want %s", name, arn, role)
		}
	}
}
