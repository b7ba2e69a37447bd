package schema

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/firefly-oss/irsa-render/facts"
)

func decodeSchema(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("Build output is not valid JSON: %v", err)
	}
	return schema
}

func TestBuildDeclaresDraft202012(t *testing.T) {
	raw, err := Build(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	schema := decodeSchema(t, raw)
	if got := schema["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want the draft 2020-12 metaschema", got)
	}
	if got := schema["$id"]; got != SchemaID {
		t.Errorf("$id = %v, want %s", got, SchemaID)
	}
	defs, _ := schema["$defs"].(map[string]any)
	for _, name := range []string{"document", "podSpec", "container", "roleArn"} {
		if _, ok := defs[name]; !ok {
			t.Errorf("$defs has no %s", name)
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	first, err := Build(Settings{Facts: clusterFacts("aws-cn"), RunnerImageRepository: "ghcr.io/acme/runner"})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := Build(Settings{Facts: clusterFacts("aws-cn"), RunnerImageRepository: "ghcr.io/acme/runner"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("Build returned different bytes for equal settings")
		}
	}
}

func TestBuildEncodesFacts(t *testing.T) {
	raw, err := Build(Settings{Facts: clusterFacts("aws-us-gov")})
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, fact := range []string{`"us-gov-west-1"`, `"^arn:aws-us-gov:"`, `"2026-03-01T12:00:00Z"`} {
		if !strings.Contains(text, fact) {
			t.Errorf("schema does not contain %s", fact)
		}
	}
}

// collectRuleIDs returns every value of the x-rule keyword in node.
func collectRuleIDs(node any, out map[string]bool) {
	switch value := node.(type) {
	case map[string]any:
		if id, ok := value[RuleKeyword].(string); ok {
			out[id] = true
		}
		for _, child := range value {
			collectRuleIDs(child, out)
		}
	case []any:
		for _, child := range value {
			collectRuleIDs(child, out)
		}
	}
}

func TestBuildRulesMatchMessages(t *testing.T) {
	raw, err := Build(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	inSchema := map[string]bool{}
	collectRuleIDs(decodeSchema(t, raw), inSchema)
	for id := range inSchema {
		if _, ok := rules[id]; !ok {
			t.Errorf("schema rule %s has no message", id)
		}
	}
	for id := range rules {
		if !inSchema[id] {
			t.Errorf("rule %s never appears in the schema", id)
		}
	}
}

func TestBuildRejectsSettings(t *testing.T) {
	withFacts := func(change func(f *facts.Facts)) Settings {
		f := clusterFacts("aws")
		change(f)
		return Settings{Facts: f}
	}
	cases := []struct {
		name     string
		settings Settings
		message  string
	}{
		{"no facts", Settings{}, "facts are missing"},
		{"unknown partition", withFacts(func(f *facts.Facts) { f.Partition = "aws-iso" }), `partition "aws-iso" of cluster demo is not aws, aws-cn or aws-us-gov`},
		{"no region", withFacts(func(f *facts.Facts) { f.Region = "" }), `region "" of cluster demo is not a region name`},
		{"region of another partition", withFacts(func(f *facts.Facts) { f.Region = "cn-north-1" }), "region cn-north-1 of cluster demo belongs to partition aws-cn, not aws"},
		{"aws-us-gov region in aws", withFacts(func(f *facts.Facts) { f.Region = "us-gov-east-1" }), "belongs to partition aws-us-gov"},
		{"short account", withFacts(func(f *facts.Facts) { f.Account = "12345" }), `account "12345" of cluster demo is not a 12-digit AWS account ID`},
		{"repository with a tag", Settings{Facts: clusterFacts("aws"), RunnerImageRepository: "ghcr.io/acme/runner:1.0"}, "is not a repository without tag or digest"},
		{"repository with a digest", Settings{Facts: clusterFacts("aws"), RunnerImageRepository: "ghcr.io/acme/runner@" + sha256Digest}, "contains a digest"},
		{"repository with an empty element", Settings{Facts: clusterFacts("aws"), RunnerImageRepository: "ghcr.io//runner"}, "is not a repository"},
		{"repository name with a colon", Settings{Facts: clusterFacts("aws"), RunnerImageRepository: "runner:5000"}, "is not a repository"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.settings)
			if err == nil {
				t.Fatal("Build returned no error")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error = %q, want it to contain %q", err, tc.message)
			}
			if _, err := Compile(tc.settings); err == nil {
				t.Error("Compile returned no error")
			}
		})
	}
}

func TestBuildAcceptsSettings(t *testing.T) {
	withoutAccount := clusterFacts("aws")
	withoutAccount.Account = ""
	for _, s := range []Settings{
		{Facts: withoutAccount},
		{Facts: clusterFacts("aws"), RunnerImageRepository: "registry.example.com:5000/ci/runner"},
		{Facts: clusterFacts("aws"), RunnerImageRepository: "runner"},
	} {
		if _, err := Compile(s); err != nil {
			t.Errorf("Compile(%+v): %v", s, err)
		}
	}
}

func TestCompileLoadsNothingRemote(t *testing.T) {
	document := map[string]any{
		"$schema": draft202012,
		"$id":     SchemaID,
		"$ref":    "https://schemas.example.invalid/pod.json",
	}
	_, err := compileDocument(SchemaID, document)
	if err == nil {
		t.Fatal("compiling a schema with a remote $ref succeeded")
	}
	if !strings.Contains(err.Error(), "is not in memory, and remote schemas are never loaded") {
		t.Errorf("error = %q, want the in-memory loader's error", err)
	}
}

func TestCompileMapsEverySchemaLocation(t *testing.T) {
	v := validatorFor(t, "aws", "")
	sites := []string{}
	for location := range v.sites {
		if !strings.HasPrefix(location, SchemaID+"#/$defs/") {
			t.Errorf("rule site outside $defs: %s", location)
		}
		sites = append(sites, location)
	}
	slices.Sort(sites)
	want := SchemaID + "#/$defs/serviceAccount/properties/metadata/properties/annotations/properties/eks.amazonaws.com~1sts-regional-endpoints"
	if _, found := slices.BinarySearch(sites, want); !found {
		t.Errorf("no rule site for %s", want)
	}
}
