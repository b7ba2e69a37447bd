package schema

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	valuesValidatorsMu sync.Mutex
	valuesValidators   = map[string]*ValuesValidator{}
)

// valuesValidatorFor compiles the values validator for partition once per
// test binary.
func valuesValidatorFor(tb testing.TB, partition string) *ValuesValidator {
	tb.Helper()
	valuesValidatorsMu.Lock()
	defer valuesValidatorsMu.Unlock()
	if v, ok := valuesValidators[partition]; ok {
		return v
	}
	v, err := CompileValues(Settings{Facts: clusterFacts(partition)})
	if err != nil {
		tb.Fatalf("compile values schema for %s: %v", partition, err)
	}
	valuesValidators[partition] = v
	return v
}

const valuesRole = "arn:aws:iam::" + clusterAccount + ":role/firefly-runner"

// goodValues returns values that every rule accepts on the aws cluster demo,
// shaped like the output of values.Generate.
func goodValues() object {
	return object{
		"repository": object{"tag": "v0.6.26"},
		"serviceAccount": object{"annotations": object{
			annotationRoleARN:         valuesRole,
			annotationRegionalSTS:     "true",
			annotationTokenExpiration: "86400",
			annotationAudience:        "sts.amazonaws.com",
		}},
		"customImage": object{"env": regionEnv("eu-west-1")},
		"configMap":   object{"data": object{envRegion: "eu-west-1", envDefaultRegion: "eu-west-1"}},
	}
}

// withValue returns goodValues with the value at path replaced, or removed
// when value is remove.
func withValue(path []string, value any) object {
	values := goodValues()
	parent := values
	for _, key := range path[:len(path)-1] {
		child, ok := parent[key].(object)
		if !ok {
			child = object{}
			parent[key] = child
		}
		parent = child
	}
	if value == remove {
		delete(parent, path[len(path)-1])
	} else {
		parent[path[len(path)-1]] = value
	}
	return values
}

// remove is a value for withValue that deletes the key.
var remove = &struct{}{}

var (
	rolePath    = []string{"serviceAccount", "annotations", annotationRoleARN}
	tokenPath   = []string{"serviceAccount", "annotations", annotationTokenExpiration}
	tagPath     = []string{"repository", "tag"}
	regionPath  = []string{"configMap", "data", envRegion}
	sidecarPath = []string{"customImage", "env"}
)

const (
	rolePointer  = "/serviceAccount/annotations/eks.amazonaws.com~1role-arn"
	tokenPointer = "/serviceAccount/annotations/eks.amazonaws.com~1token-expiration"
)

func TestBuildValuesDeclaresDraft202012(t *testing.T) {
	raw, err := BuildValues(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	schema := decodeSchema(t, raw)
	if got := schema["$schema"]; got != draft202012 {
		t.Errorf("$schema = %v, want the draft 2020-12 metaschema", got)
	}
	if got := schema["$id"]; got != ValuesSchemaID {
		t.Errorf("$id = %v, want %s", got, ValuesSchemaID)
	}
	if strings.Contains(string(raw), `"additionalProperties": false`) {
		t.Error("values schema forbids additional properties, but other chart keys must be allowed")
	}
}

func TestBuildValuesIsDeterministic(t *testing.T) {
	first, err := BuildValues(Settings{Facts: clusterFacts("aws-us-gov")})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := BuildValues(Settings{Facts: clusterFacts("aws-us-gov")})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("BuildValues returned different bytes for equal settings")
		}
	}
}

func TestBuildValuesRejectsSettings(t *testing.T) {
	f := clusterFacts("aws")
	f.Region = "cn-north-1"
	if _, err := BuildValues(Settings{Facts: f}); err == nil || !strings.Contains(err.Error(), "belongs to partition aws-cn") {
		t.Errorf("BuildValues error = %v, want the region-partition mismatch", err)
	}
	if _, err := CompileValues(Settings{}); err == nil || !strings.Contains(err.Error(), "facts are missing") {
		t.Errorf("CompileValues error = %v, want missing facts", err)
	}
}

func TestBuildValuesRulesHaveMessages(t *testing.T) {
	raw, err := BuildValues(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	inSchema := map[string]bool{}
	collectRuleIDs(decodeSchema(t, raw), inSchema)
	valuesOnly := map[string]bool{RuleRoleARNRequired: true, RuleCustomImageEnvRegion: true}
	for id := range inSchema {
		if _, ok := rules[id]; !ok && !valuesOnly[id] {
			t.Errorf("values schema rule %s has no message", id)
		}
	}
	for id := range valuesOnly {
		if !inSchema[id] {
			t.Errorf("values rule %s never appears in the values schema", id)
		}
	}
}

func TestValuesValidatorAccepts(t *testing.T) {
	v := valuesValidatorFor(t, "aws")
	regionInEnv := withValue([]string{"configMap"}, remove)
	regionInEnv["env"] = regionEnv("eu-west-1")
	cases := []struct {
		name   string
		values any
	}{
		{"generated shape", goodValues()},
		{"role annotation only", withValue([]string{"serviceAccount", "annotations"}, object{annotationRoleARN: valuesRole})},
		{"cross-account role", withValue(rolePath, "arn:aws:iam::"+foreignAccount+":role/firefly-runner")},
		{"tag with digest", withValue(tagPath, "v0.6.26@"+sha256Digest)},
		{"region from the runner's env", regionInEnv},
		{"sidecar disabled", withValue([]string{"customImage"}, object{"enabled": false})},
		{"other keys", func() object {
			values := goodValues()
			values["replicaCount"] = 5.0
			values["customImage"].(object)["env"] = append(regionEnv("eu-west-1"), object{"name": "DOCKER_OPTS", "value": "--mtu=1400"})
			return values
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkViolations(t, v.Validate(tc.values), nil)
		})
	}
}

func TestValuesValidatorRejects(t *testing.T) {
	v := valuesValidatorFor(t, "aws")
	image := runnerImageOfChart + ":"
	cases := []struct {
		name   string
		values any
		want   []expected
	}{
		{
			name:   "wrong partition",
			values: withValue(rolePath, "arn:aws-cn:iam::"+clusterAccount+":role/firefly-runner"),
			want:   []expected{{rolePointer, RuleRoleARNPartition, "partition aws-cn does not match the cluster's partition aws (cluster demo, eu-west-1)"}},
		},
		{
			name:   "11-digit account",
			values: withValue(rolePath, "arn:aws:iam::11112222333:role/firefly-runner"),
			want:   []expected{{rolePointer, RuleRoleARNAccount, "account 11112222333 in role ARN arn:aws:iam::11112222333:role/firefly-runner is not a 12-digit AWS account ID"}},
		},
		{
			name:   "missing role",
			values: withValue(rolePath, remove),
			want:   []expected{{rolePointer, RuleRoleARNRequired, "serviceAccount.annotations has no eks.amazonaws.com/role-arn: add the IAM role the runner assumes, such as arn:aws:iam::111122223333:role/<name>"}},
		},
		{
			name:   "serviceAccount a string",
			values: withValue([]string{"serviceAccount"}, "runner"),
			want:   []expected{{"/serviceAccount", RuleRoleARNRequired, `serviceAccount must be an object, got the string "runner"`}},
		},
		{
			name:   "token expiration 60",
			values: withValue(tokenPath, "60"),
			want:   []expected{{tokenPointer, RuleTokenExpirationRange, "eks.amazonaws.com/token-expiration 60 is below the minimum of 600 seconds that the EKS pod identity webhook accepts"}},
		},
		{
			name:   "token expiration 1h",
			values: withValue(tokenPath, "1h"),
			want:   []expected{{tokenPointer, RuleTokenExpirationFormat, `eks.amazonaws.com/token-expiration 1h is not a whole number of seconds, such as "3600"`}},
		},
		{
			name:   "token expiration a number",
			values: withValue(tokenPath, int64(3600)),
			want:   []expected{{tokenPointer, RuleTokenExpirationType, `eks.amazonaws.com/token-expiration is the number 3600, but annotation values are strings: quote it as "3600"`}},
		},
		{
			name:   "sts-regional-endpoints yes",
			values: withValue([]string{"serviceAccount", "annotations", annotationRegionalSTS}, "yes"),
			want:   []expected{{"/serviceAccount/annotations/eks.amazonaws.com~1sts-regional-endpoints", RuleRegionalSTS, `must be the string "true" or "false", got the string "yes"`}},
		},
		{
			name:   "latest tag",
			values: withValue(tagPath, "latest"),
			want:   []expected{{"/repository/tag", RuleRunnerImagePinned, "runner image " + image + "latest is not pinned: set a tag other than latest or a digest"}},
		},
		{
			name:   "empty tag",
			values: withValue(tagPath, ""),
			want:   []expected{{"/repository/tag", RuleRunnerImagePinned, "runner image " + image + " is not pinned: set a tag other than latest or a digest"}},
		},
		{
			name:   "missing tag",
			values: withValue(tagPath, remove),
			want:   []expected{{"/repository/tag", RuleRunnerImagePinned, "runner image " + image + "latest is not pinned: set a tag other than latest or a digest. repository.tag is not set, so the chart's default latest applies"}},
		},
		{
			name:   "tag a number",
			values: withValue(tagPath, 1.1),
			want:   []expected{{"/repository/tag", RuleRunnerImagePinned, "repository.tag must be a string, got the number 1.1: quote it"}},
		},
		{
			name: "tag with another registry",
			values: func() object {
				values := withValue(tagPath, "latest")
				values["repository"].(object)["registry"] = "registry.example.com/ci/"
				return values
			}(),
			want: []expected{{"/repository/tag", RuleRunnerImagePinned, "runner image registry.example.com/ci/ci-runner-worker:latest is not pinned"}},
		},
		{
			name:   "configMap region mismatch",
			values: withValue(regionPath, "us-east-1"),
			want:   []expected{{"/configMap/data/AWS_REGION", RuleEnvRegion, "AWS_REGION=us-east-1 does not match the cluster's region eu-west-1 (cluster demo)"}},
		},
		{
			name:   "configMap region missing",
			values: withValue(regionPath, remove),
			want:   []expected{{"/configMap/data/AWS_REGION", RuleRunnerEnvRegion, "configMap.data has no AWS_REGION, and env sets none: add it with the value eu-west-1, the region of cluster demo"}},
		},
		{
			name:   "configMap a list",
			values: withValue([]string{"configMap"}, []any{"AWS_REGION"}),
			want:   []expected{{"/configMap", RuleRunnerEnvRegion, "configMap must be an object, got an array"}},
		},
		{
			name:   "customImage.env region mismatch",
			values: withValue(sidecarPath, env(envRegion, "eu-west-1", envDefaultRegion, "eu-central-1")),
			want:   []expected{{"/customImage/env/1/value", RuleEnvRegion, "AWS_DEFAULT_REGION=eu-central-1 does not match the cluster's region eu-west-1 (cluster demo)"}},
		},
		{
			name:   "customImage.env missing a variable",
			values: withValue(sidecarPath, env(envRegion, "eu-west-1")),
			want:   []expected{{"/customImage/env", RuleCustomImageEnvRegion, "customImage.env of the Docker-in-Docker sidecar has no entry AWS_DEFAULT_REGION: add it with the value eu-west-1, the region of cluster demo"}},
		},
		{
			name:   "customImage enabled as a string",
			values: withValue([]string{"customImage"}, object{"enabled": "false"}),
			want:   []expected{{"/customImage/env", RuleCustomImageEnvRegion, "has no entries AWS_REGION and AWS_DEFAULT_REGION"}},
		},
		{
			name: "runner env region mismatch",
			values: func() object {
				values := goodValues()
				values["env"] = env("WORKFLOW_REMOTE_BACKEND_EXTERNAL_HOSTNAME", "api.firefly.ai", envRegion, "us-west-2")
				return values
			}(),
			want: []expected{{"/env/1/value", RuleEnvRegion, "AWS_REGION=us-west-2 does not match the cluster's region eu-west-1 (cluster demo)"}},
		},
		{
			name:   "values a list",
			values: []any{goodValues()},
			want:   []expected{{"", RuleObject, "document must be an object, got an array"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := v.Validate(tc.values)
			checkViolations(t, got, tc.want)
		})
	}
}

// runnerImageOfChart is the runner image that the chart renders from its
// default registry and name.
const runnerImageOfChart = "public.ecr.aws/firefly/ci-runner-worker"

// TestValuesMessagesMatchManifest checks that a value breaks the same rule
// with the same message in a values file and in the manifest it renders to.
func TestValuesMessagesMatchManifest(t *testing.T) {
	manifest := validatorFor(t, "aws", "")
	values := valuesValidatorFor(t, "aws")
	withAnnotation := func(name, value string) (object, object) {
		return withValue([]string{"serviceAccount", "annotations", name}, value),
			serviceAccount(object{name: value})
	}
	runnerWith := func(image string, entries []any) object {
		return deployment(podSpec(container("ci-runner-worker", image, entries)))
	}
	cases := []struct {
		name        string
		rule        string
		values, doc any
	}{
		{name: "role-arn-partition", rule: RuleRoleARNPartition},
		{name: "role-arn-account", rule: RuleRoleARNAccount},
		{name: "role-arn-format", rule: RuleRoleARNFormat},
		{name: "token-expiration-range", rule: RuleTokenExpirationRange},
		{name: "token-expiration-format", rule: RuleTokenExpirationFormat},
		{name: "env-region in configMap", rule: RuleEnvRegion},
		{name: "env-region in customImage.env", rule: RuleEnvRegion},
		{name: "runner-image-pinned latest", rule: RuleRunnerImagePinned},
		{name: "runner-image-pinned empty", rule: RuleRunnerImagePinned},
	}
	cases[0].values, cases[0].doc = withAnnotation(annotationRoleARN, "arn:aws-us-gov:iam::"+clusterAccount+":role/x")
	cases[1].values, cases[1].doc = withAnnotation(annotationRoleARN, "arn:aws:iam::1234:role/x")
	cases[2].values, cases[2].doc = withAnnotation(annotationRoleARN, "firefly-runner")
	cases[3].values, cases[3].doc = withAnnotation(annotationTokenExpiration, "90000")
	cases[4].values, cases[4].doc = withAnnotation(annotationTokenExpiration, "1h")
	cases[5].values = withValue(regionPath, "us-east-1")
	cases[5].doc = runnerWith(runnerImageOfChart+":v0.6.26", env(envRegion, "us-east-1", envDefaultRegion, "eu-west-1"))
	cases[6].values = withValue(sidecarPath, env(envRegion, "us-east-1", envDefaultRegion, "eu-west-1"))
	cases[6].doc = runnerWith(runnerImageOfChart+":v0.6.26", env(envRegion, "us-east-1", envDefaultRegion, "eu-west-1"))
	cases[7].values = withValue(tagPath, "latest")
	cases[7].doc = runnerWith(runnerImageOfChart+":latest", regionEnv("eu-west-1"))
	cases[8].values = withValue(tagPath, "")
	cases[8].doc = runnerWith(runnerImageOfChart+":", regionEnv("eu-west-1"))

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fromValues := violationOf(t, values.Validate(tc.values), tc.rule)
			fromManifest := violationOf(t, manifest.Validate(tc.doc), tc.rule)
			if fromValues.Message != fromManifest.Message {
				t.Errorf("values message = %q\nmanifest message = %q", fromValues.Message, fromManifest.Message)
			}
		})
	}
}

// violationOf returns the only violation of rule in violations.
func violationOf(t *testing.T, violations []Violation, rule string) Violation {
	t.Helper()
	var found []Violation
	for _, v := range violations {
		if v.Rule == rule {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d violations of %s, want 1:\n%s", len(found), rule, formatViolations(violations))
	}
	return found[0]
}

func TestValuesValidatorWithoutCluster(t *testing.T) {
	v, err := CompileValues(Settings{Facts: &facts.Facts{Partition: "aws", Region: "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	checkViolations(t, v.Validate(withValue(regionPath, "us-east-1")), []expected{
		{"/configMap/data/AWS_REGION", RuleEnvRegion, "AWS_REGION=us-east-1 does not match the cluster's region eu-west-1 (--region)"},
	})
	checkViolations(t, v.Validate(withValue(rolePath, remove)), []expected{
		{rolePointer, RuleRoleARNRequired, "such as arn:aws:iam::<account>:role/<name>"},
	})
}

func TestValuesValidatorConcurrentUse(t *testing.T) {
	v := valuesValidatorFor(t, "aws")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := v.Validate(withValue(tagPath, "latest")); len(got) != 1 {
					t.Errorf("got %d violations, want 1", len(got))
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestValuesPath(t *testing.T) {
	cases := map[string][]string{
		`serviceAccount.annotations.eks\.amazonaws\.com/role-arn`: {"serviceAccount", "annotations", annotationRoleARN},
		"customImage.env[2].value":                                {"customImage", "env", "2", "value"},
		"repository":                                              {"repository"},
		"":                                                        nil,
	}
	for want, tokens := range cases {
		if got := ValuesPath(tokens); got != want {
			t.Errorf("ValuesPath(%q) = %q, want %q", tokens, got, want)
		}
	}
}

// compileAsHelm compiles schema the way Helm v3.21 compiles a chart's
// values.schema.json, with the resource URL file:///values.schema.json. Only
// the in-memory loader is used.
func compileAsHelm(t *testing.T, raw []byte) *jsonschema.Schema {
	t.Helper()
	document, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := compileDocument("file:///values.schema.json", document)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return compiled
}

func TestWrapForSubchart(t *testing.T) {
	raw, err := BuildValues(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := WrapForSubchart(raw, "runner")
	if err != nil {
		t.Fatal(err)
	}
	umbrella := decodeSchema(t, wrapped)
	inner, _ := lookup(umbrella, []string{"properties", "runner"})
	if id, _ := field(inner, "$id"); id != "https://irsa-render.invalid/schemas/subcharts/runner/values.json" {
		t.Errorf("embedded $id = %v, want one made unique by the alias", id)
	}
	if _, found := field(inner, "$schema"); found {
		t.Error("embedded schema repeats $schema")
	}

	compiled := compileAsHelm(t, wrapped)
	cases := []struct {
		name   string
		values any
		valid  bool
	}{
		{"good values under the alias", object{"runner": goodValues(), "global": object{}}, true},
		{"broken values under the alias", object{"runner": withValue(tagPath, "latest")}, false},
		{"region mismatch under the alias", object{"runner": withValue(regionPath, "us-east-1")}, false},
		{"alias missing", object{"ci-runner-worker": goodValues()}, false},
		{"good values at the top", goodValues(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := compiled.Validate(roundTrip(t, tc.values))
			if tc.valid && err != nil {
				t.Errorf("valid umbrella values rejected: %v", err)
			}
			if !tc.valid && err == nil {
				t.Error("invalid umbrella values accepted")
			}
		})
	}
}

func TestWrapForSubchartTwoAliases(t *testing.T) {
	raw, err := BuildValues(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	var combined object
	for _, alias := range []string{"runner-prod", "runner-dev"} {
		wrapped, err := WrapForSubchart(raw, alias)
		if err != nil {
			t.Fatal(err)
		}
		schema := decodeSchema(t, wrapped)
		if combined == nil {
			combined = schema
			continue
		}
		combined["properties"].(map[string]any)[alias] = schema["properties"].(map[string]any)[alias]
		combined["required"] = append(combined["required"].([]any), alias)
	}
	text, err := json.Marshal(combined)
	if err != nil {
		t.Fatal(err)
	}
	compiled := compileAsHelm(t, text)
	if err := compiled.Validate(roundTrip(t, object{"runner-prod": goodValues(), "runner-dev": goodValues()})); err != nil {
		t.Errorf("combined schema rejects good values: %v", err)
	}
	if err := compiled.Validate(roundTrip(t, object{"runner-prod": goodValues(), "runner-dev": withValue(tagPath, "latest")})); err == nil {
		t.Error("combined schema accepts a latest tag under runner-dev")
	}
}

func TestWrapForSubchartRejects(t *testing.T) {
	raw, err := BuildValues(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	manifestSchema, err := Build(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		schema  []byte
		alias   string
		message string
	}{
		{"alias with a dot", raw, "runner.prod", `subchart alias "runner.prod" is invalid`},
		{"empty alias", raw, "", `subchart alias "" is invalid`},
		{"alias global", raw, "global", "Helm reserves the key global"},
		{"manifest schema", manifestSchema, "runner", "wrap the output of BuildValues"},
		{"not JSON", []byte("values:"), "runner", "is not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := WrapForSubchart(tc.schema, tc.alias)
			if err == nil {
				t.Fatal("WrapForSubchart returned no error")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error = %q, want it to contain %q", err, tc.message)
			}
		})
	}
}

// roundTrip returns value as JSON decodes it, the form Helm validates.
func roundTrip(t *testing.T, value any) any {
	t.Helper()
	text, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return decoded
}
