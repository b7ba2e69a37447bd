package values

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/schema"
	yaml "go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testRole = "arn:aws:iam::111122223333:role/firefly-runner"
	testTag  = "v0.6.26"
)

// clusterFacts returns the facts of the aws cluster demo in eu-west-1.
func clusterFacts() *facts.Facts {
	return &facts.Facts{
		Cluster:    "demo",
		ARN:        "arn:aws:eks:eu-west-1:111122223333:cluster/demo",
		Partition:  "aws",
		Account:    "111122223333",
		Region:     "eu-west-1",
		LookedUpAt: time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC),
		Source:     "eks",
	}
}

// regionFacts returns the facts the command line builds from --region alone.
func regionFacts(region string) *facts.Facts {
	return &facts.Facts{Partition: "aws", Region: region, Source: "flags", LookedUpAt: time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC)}
}

func basicSettings() Settings {
	return Settings{RoleARN: testRole, ImageTag: testTag, Facts: clusterFacts()}
}

func fullSettings() Settings {
	return Settings{
		RoleARN:              testRole,
		ImageTag:             testTag,
		STSRegionalEndpoints: true,
		TokenExpiration:      3600,
		Audience:             "sts.amazonaws.com",
		ServiceAccountName:   "firefly-runner",
		ReleaseSuffix:        "prod",
		Facts:                clusterFacts(),
		Now:                  time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
	}
}

func generate(t *testing.T, s Settings) []byte {
	t.Helper()
	out, err := Generate(s)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return out
}

// decode returns a values file as Helm reads it.
func decode(t *testing.T, file []byte) map[string]any {
	t.Helper()
	decoded, err := decodeHelmValues(file)
	if err != nil {
		t.Fatalf("decode values: %v\n%s", err, file)
	}
	values, ok := decoded.(map[string]any)
	if !ok {
		t.Fatalf("values are %T, want a mapping", decoded)
	}
	return values
}

// valueAt returns the value at the path of keys, or nil.
func valueAt(values any, path ...string) any {
	for _, key := range path {
		object, ok := values.(map[string]any)
		if !ok {
			return nil
		}
		values = object[key]
	}
	return values
}

// envValues returns the name and value of every entry of an env list.
func envValues(list any) [][2]string {
	var pairs [][2]string
	entries, _ := list.([]any)
	for _, entry := range entries {
		name, _ := valueAt(entry, "name").(string)
		value, _ := valueAt(entry, "value").(string)
		pairs = append(pairs, [2]string{name, value})
	}
	return pairs
}

func TestGenerateGolden(t *testing.T) {
	tricky := basicSettings()
	tricky.ImageTag = "0022"
	tricky.Audience = "on"
	tricky.TokenExpiration = 86400
	withoutCluster := basicSettings()
	withoutCluster.Facts = regionFacts("eu-west-1")

	cases := map[string]Settings{
		"cluster.yaml":        fullSettings(),
		"region-flag.yaml":    withoutCluster,
		"tricky-strings.yaml": tricky,
	}
	for name, settings := range cases {
		t.Run(name, func(t *testing.T) {
			got := generate(t, settings)
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v: run go test ./values -run TestGenerateGolden -update", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Generate output differs from %s; rerun with -update if the change is intended:\n%s", path, got)
			}
		})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	first := generate(t, fullSettings())
	for range 5 {
		if again := generate(t, fullSettings()); !bytes.Equal(first, again) {
			t.Fatal("Generate returned different bytes for equal settings")
		}
	}
}

func TestGenerateSetsValues(t *testing.T) {
	values := decode(t, generate(t, fullSettings()))
	checks := []struct {
		path []string
		want string
	}{
		{[]string{"repository", "tag"}, testTag},
		{[]string{"serviceAccount", "name"}, "firefly-runner"},
		{[]string{"serviceAccount", "annotations", "eks.amazonaws.com/role-arn"}, testRole},
		{[]string{"serviceAccount", "annotations", "eks.amazonaws.com/sts-regional-endpoints"}, "true"},
		{[]string{"serviceAccount", "annotations", "eks.amazonaws.com/token-expiration"}, "3600"},
		{[]string{"serviceAccount", "annotations", "eks.amazonaws.com/audience"}, "sts.amazonaws.com"},
		{[]string{"configMap", "data", "AWS_REGION"}, "eu-west-1"},
		{[]string{"configMap", "data", "AWS_DEFAULT_REGION"}, "eu-west-1"},
		{[]string{"podAnnotations", "irsa-render.firefly.ai/role-hash"}, roleHash(fullSettings())},
	}
	for _, c := range checks {
		if got := valueAt(values, c.path...); got != c.want {
			t.Errorf("%s = %#v, want %q", strings.Join(c.path, "."), got, c.want)
		}
	}
	wantEnv := [][2]string{{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "eu-west-1"}}
	if got := envValues(valueAt(values, "customImage", "env")); !slices.Equal(got, wantEnv) {
		t.Errorf("customImage.env = %v, want %v", got, wantEnv)
	}
}

func TestGenerateOmitsUnsetSettings(t *testing.T) {
	values := decode(t, generate(t, basicSettings()))
	annotations, _ := valueAt(values, "serviceAccount", "annotations").(map[string]any)
	if len(annotations) != 1 {
		t.Errorf("annotations = %v, want the role ARN alone", annotations)
	}
	if name := valueAt(values, "serviceAccount", "name"); name != nil {
		t.Errorf("serviceAccount.name = %v, want it unset", name)
	}
}

func TestGenerateComments(t *testing.T) {
	text := string(generate(t, fullSettings()))
	for _, want := range []string{
		"# Written by irsa-render on 2026-12-04.\n",
		"#   helm install runner-prod firefly/ci-runner-worker --namespace <namespace> -f <file>\n",
		"  tag: v0.6.26 # from --image-tag\n",
		"    eks.amazonaws.com/role-arn: " + testRole + " # from --role-arn\n",
		`    eks.amazonaws.com/token-expiration: "3600" # from --token-expiration` + "\n",
		"    AWS_REGION: eu-west-1 # from cluster demo, eu-west-1, looked up 2026-12-04\n",
		"      value: eu-west-1 # from cluster demo, eu-west-1, looked up 2026-12-04\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("generated file lacks %q:\n%s", want, text)
		}
	}

	withoutCluster := basicSettings()
	withoutCluster.Facts = regionFacts("eu-west-1")
	text = string(generate(t, withoutCluster))
	if !strings.Contains(text, "    AWS_REGION: eu-west-1 # from --region\n") {
		t.Errorf("region comment without a cluster does not name --region:\n%s", text)
	}
	if strings.Contains(text, "Written by") {
		t.Errorf("header has a date although Now is zero:\n%s", text)
	}
}

// trickyStrings read as booleans, numbers, null or YAML syntax when written
// plain.
var trickyStrings = []string{
	"on", "off", "no", "yes", "y", "n", "true", "False", "null", "~", "0022", "86400", "1e3", "0x1F",
	"1_000", ".5", "+1", "12:30", "-", "#hash", "a #b", "a: b", "[x]", "{x}", "*ref", "&anchor",
	"!tag", "%x", "@x", "`x", "|", ">", " lead", "trail ", "'quoted'", `"double"`, "",
}

func TestGenerateQuotesTrickyStrings(t *testing.T) {
	for _, text := range trickyStrings {
		if text == "" {
			continue // an empty audience means none
		}
		t.Run(text, func(t *testing.T) {
			s := basicSettings()
			s.Audience = text
			file := generate(t, s)
			fromHelm := valueAt(decode(t, file), "serviceAccount", "annotations", "eks.amazonaws.com/audience")
			if fromHelm != text {
				t.Errorf("Helm's parser reads the audience as %#v, want the string %q:\n%s", fromHelm, text, file)
			}
			var strict map[string]any
			if err := yaml.Unmarshal(file, &strict); err != nil {
				t.Fatal(err)
			}
			if got := valueAt(strict, "serviceAccount", "annotations", "eks.amazonaws.com/audience"); got != text {
				t.Errorf("yaml.v3 reads the audience as %#v, want the string %q", got, text)
			}
		})
	}
}

func TestGenerateQuotesTagAndAudience(t *testing.T) {
	s := basicSettings()
	s.ImageTag = "0022"
	s.Audience = "on"
	s.TokenExpiration = 86400
	text := string(generate(t, s))
	for _, want := range []string{
		`  tag: "0022" # from --image-tag`,
		`    eks.amazonaws.com/audience: "on" # from --audience`,
		`    eks.amazonaws.com/token-expiration: "86400" # from --token-expiration`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("generated file lacks %q:\n%s", want, text)
		}
	}
	for _, plain := range []string{"v0.6.26", "eu-west-1", testRole, "sts.amazonaws.com", "ci-runner-worker"} {
		if needsQuotes(plain) {
			t.Errorf("needsQuotes(%q) = true, want plain", plain)
		}
	}
}

func TestGenerateRejectsSettings(t *testing.T) {
	change := func(edit func(s *Settings)) Settings {
		s := basicSettings()
		edit(&s)
		return s
	}
	cases := []struct {
		name     string
		settings Settings
		message  string
	}{
		{"no facts", change(func(s *Settings) { s.Facts = nil }), "facts are missing"},
		{"no role", change(func(s *Settings) { s.RoleARN = "" }), "--role-arn is required"},
		{"role not an ARN", change(func(s *Settings) { s.RoleARN = "firefly-runner" }), "is not an IAM role ARN"},
		{"no tag", change(func(s *Settings) { s.ImageTag = "" }), "--image-tag is required"},
		{"latest tag", change(func(s *Settings) { s.ImageTag = "latest" }), "--image-tag latest does not pin the runner image"},
		{"digest", change(func(s *Settings) { s.ImageTag = "sha256:" + strings.Repeat("ab", 32) }), "is a digest, but the chart renders the image as <registry><name>:<tag>"},
		{"token expiration 60", change(func(s *Settings) { s.TokenExpiration = 60 }), "--token-expiration 60 is out of range"},
		{"service account name", change(func(s *Settings) { s.ServiceAccountName = "Runner_1" }), `--service-account "Runner_1" is not a valid ServiceAccount name`},
		{"release suffix", change(func(s *Settings) { s.ReleaseSuffix = "Prod" }), `release suffix "Prod" is invalid`},
		{"no region", change(func(s *Settings) { s.Facts = &facts.Facts{Partition: "aws"} }), "--region is required"},
		{
			"role in another partition",
			change(func(s *Settings) { s.RoleARN = "arn:aws-cn:iam::111122223333:role/firefly-runner" }),
			`serviceAccount.annotations.eks\.amazonaws\.com/role-arn: partition aws-cn does not match the cluster's partition aws (cluster demo, eu-west-1) [role-arn-partition]`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.settings)
			if err == nil {
				t.Fatal("Generate returned no error")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error = %q, want it to contain %q", err, tc.message)
			}
			if _, err := Merge(nil, tc.settings, true); err == nil {
				t.Error("Merge returned no error")
			}
		})
	}
}

func TestGenerateReportsAllSettingErrors(t *testing.T) {
	s := basicSettings()
	s.RoleARN = ""
	s.ImageTag = ""
	s.TokenExpiration = 5
	_, err := Generate(s)
	if err == nil {
		t.Fatal("Generate returned no error")
	}
	for _, want := range []string{"--role-arn is required", "--image-tag is required", "--token-expiration 5 is out of range"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// userValues is a values file as a team keeps it, with comments, quoting
// styles and keys that irsa-render does not set.
const userValues = `# Production values for the runner.
replicaCount: 2

# Pinned by the platform team.
repository:
  registry: 'registry.example.com/mirror/'
  name: ci-runner-worker
  tag: v0.6.26

serviceAccount:
  create: true
  # IRSA goes here.
  annotations: {}

customImage:
  env:
    # Keep the MTU low on this network.
    - name: DOCKER_OPTS
      value: "--mtu=1400"

configMap:
  data:
    WORKER_POOL_ID: "pool-7" # from the Firefly console
    GIT_DEPTH: "5"

nodeSelector:
  kubernetes.io/os: linux
`

func merge(t *testing.T, existing string, s Settings, overwrite bool) string {
	t.Helper()
	out, err := Merge([]byte(existing), s, overwrite)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	return string(out)
}

func TestMergeKeepsCommentsOrderAndKeys(t *testing.T) {
	out := merge(t, userValues, basicSettings(), false)
	for _, want := range []string{
		"# Production values for the runner.\n",
		"# Pinned by the platform team.\n",
		"  # IRSA goes here.\n",
		"    # Keep the MTU low on this network.\n",
		`    WORKER_POOL_ID: "pool-7" # from the Firefly console` + "\n",
		`    GIT_DEPTH: "5"` + "\n",
		"  registry: 'registry.example.com/mirror/'\n",
		`      value: "--mtu=1400"` + "\n",
		"replicaCount: 2\n",
		"  kubernetes.io/os: linux\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("merged file lacks %q:\n%s", want, out)
		}
	}

	var order []string
	for _, line := range strings.Split(out, "\n") {
		if key, _, found := strings.Cut(line, ":"); found && key != "" && !strings.HasPrefix(key, " ") && !strings.HasPrefix(key, "#") {
			order = append(order, key)
		}
	}
	wantOrder := []string{"replicaCount", "repository", "serviceAccount", "customImage", "configMap", "nodeSelector", "podAnnotations"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("top-level keys = %v, want %v", order, wantOrder)
	}

	values := decode(t, []byte(out))
	if got := valueAt(values, "serviceAccount", "annotations", "eks.amazonaws.com/role-arn"); got != testRole {
		t.Errorf("role annotation = %v, want %s", got, testRole)
	}
	if got := valueAt(values, "serviceAccount", "create"); got != true {
		t.Errorf("serviceAccount.create = %v, want true", got)
	}
	wantEnv := [][2]string{{"DOCKER_OPTS", "--mtu=1400"}, {"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "eu-west-1"}}
	if got := envValues(valueAt(values, "customImage", "env")); !slices.Equal(got, wantEnv) {
		t.Errorf("customImage.env = %v, want %v", got, wantEnv)
	}
	data, _ := valueAt(values, "configMap", "data").(map[string]any)
	for key, want := range map[string]string{"WORKER_POOL_ID": "pool-7", "GIT_DEPTH": "5", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"} {
		if data[key] != want {
			t.Errorf("configMap.data.%s = %#v, want %q", key, data[key], want)
		}
	}
}

func TestMergeKeepsBlankLines(t *testing.T) {
	out := merge(t, userValues, basicSettings(), false)
	for _, want := range []string{
		"replicaCount: 2\n\n# Pinned by the platform team.\nrepository:\n",
		"  tag: v0.6.26\n\nserviceAccount:\n",
		"\n\ncustomImage:\n",
		"\n\nconfigMap:\n",
		"\n\nnodeSelector:\n",
		// Keys that Merge adds follow the file's spacing.
		"\n\npodAnnotations:\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("merged file lacks %q:\n%s", want, out)
		}
	}

	existing := "a: 1\n\n# first\n\n# second\nb: 2\nc: 3\n"
	out = merge(t, existing, basicSettings(), false)
	if !strings.HasPrefix(out, "a: 1\n\n# first\n\n# second\nb: 2\nc: 3\n\nrepository:") {
		t.Errorf("blank lines around a head comment are not kept:\n%s", out)
	}

	compact := "a: 1\nb: 2\n"
	out = merge(t, compact, basicSettings(), false)
	if strings.Contains(out, "\n\n") {
		t.Errorf("Merge added blank lines to a file without them:\n%s", out)
	}
}

func TestMergeUnchangedValueKeepsComment(t *testing.T) {
	out := merge(t, userValues, basicSettings(), false)
	if !strings.Contains(out, "  tag: v0.6.26\n") {
		t.Errorf("an equal tag was rewritten:\n%s", out)
	}
}

func TestMergeGeneratedFileIsUnchanged(t *testing.T) {
	generated := generate(t, fullSettings())
	if merged := merge(t, string(generated), fullSettings(), false); merged != string(generated) {
		t.Errorf("merging a generated file with its own settings changed it:\n%s", merged)
	}
}

func TestMergeKeepsIndentation(t *testing.T) {
	existing := "repository:\n    tag: v0.6.26\n"
	out := merge(t, existing, basicSettings(), false)
	if !strings.Contains(out, "\n    annotations:\n        eks.amazonaws.com/role-arn: ") {
		t.Errorf("merged file does not keep the 4-space indentation:\n%s", out)
	}
}

// conflictingValues differs from the settings of basicSettings in every key
// that Merge sets.
const conflictingValues = `repository:
  tag: v0.5.0
serviceAccount:
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/old-runner # set by hand
    eks.amazonaws.com/token-expiration: 3600
customImage:
  env:
    - name: AWS_REGION
      value: us-east-1
    - name: HTTP_PROXY
      value: http://proxy.internal:3128
configMap:
  data:
    AWS_DEFAULT_REGION: us-east-1
env:
  - name: AWS_REGION
    valueFrom:
      configMapKeyRef:
        name: aws
        key: region
`

func TestMergeReportsAllConflicts(t *testing.T) {
	s := basicSettings()
	s.TokenExpiration = 3600
	_, err := Merge([]byte(conflictingValues), s, false)
	if err == nil {
		t.Fatal("Merge returned no error")
	}
	want := []struct{ path, old, new string }{
		{"repository.tag", "v0.5.0", testTag},
		{`serviceAccount.annotations.eks\.amazonaws\.com/role-arn`, "arn:aws:iam::111122223333:role/old-runner", testRole},
		{`serviceAccount.annotations.eks\.amazonaws\.com/token-expiration`, "3600, which Helm reads as the number 3600", "3600"},
		{"customImage.env[0].value", "us-east-1", "eu-west-1"},
		{"configMap.data.AWS_DEFAULT_REGION", "us-east-1", "eu-west-1"},
		{"env[0].value", "not set, and valueFrom gives the value", "eu-west-1"},
	}
	var conflicts []*Conflict
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var conflict *Conflict
		if !errors.As(e, &conflict) {
			t.Errorf("error %q is not a *Conflict", e)
			continue
		}
		conflicts = append(conflicts, conflict)
	}
	if len(conflicts) != len(want) {
		t.Fatalf("got %d conflicts, want %d:\n%v", len(conflicts), len(want), err)
	}
	for i, w := range want {
		c := conflicts[i]
		if c.Path != w.path {
			t.Errorf("conflict %d: path = %q, want %q", i, c.Path, w.path)
		}
		if c.Old != w.old {
			t.Errorf("conflict %d: old = %q, want %q", i, c.Old, w.old)
		}
		if c.New != w.new {
			t.Errorf("conflict %d: new = %q, want %q", i, c.New, w.new)
		}
		if !strings.Contains(c.Error(), "--overwrite") {
			t.Errorf("conflict %d: message %q does not name --overwrite", i, c.Error())
		}
	}
	wantMessage := "repository.tag is v0.5.0, not v0.6.26 from --image-tag: edit the file or pass --overwrite to replace it"
	if conflicts[0].Error() != wantMessage {
		t.Errorf("message = %q, want %q", conflicts[0].Error(), wantMessage)
	}
	if !strings.Contains(conflicts[3].Error(), "from cluster demo, eu-west-1, looked up 2026-12-04") {
		t.Errorf("region conflict does not name the cluster: %q", conflicts[3].Error())
	}
}

func TestMergeOverwrite(t *testing.T) {
	s := basicSettings()
	s.TokenExpiration = 3600
	out := merge(t, conflictingValues, s, true)
	values := decode(t, []byte(out))
	checks := map[string]any{
		"repository.tag": valueAt(values, "repository", "tag"),
		"role-arn":       valueAt(values, "serviceAccount", "annotations", "eks.amazonaws.com/role-arn"),
		"token":          valueAt(values, "serviceAccount", "annotations", "eks.amazonaws.com/token-expiration"),
		"configMap":      valueAt(values, "configMap", "data", "AWS_DEFAULT_REGION"),
	}
	want := map[string]any{"repository.tag": testTag, "role-arn": testRole, "token": "3600", "configMap": "eu-west-1"}
	for key, got := range checks {
		if got != want[key] {
			t.Errorf("%s = %#v, want %#v", key, got, want[key])
		}
	}
	wantSidecar := [][2]string{{"AWS_REGION", "eu-west-1"}, {"HTTP_PROXY", "http://proxy.internal:3128"}, {"AWS_DEFAULT_REGION", "eu-west-1"}}
	if got := envValues(valueAt(values, "customImage", "env")); !slices.Equal(got, wantSidecar) {
		t.Errorf("customImage.env = %v, want %v", got, wantSidecar)
	}
	runnerEnv, _ := valueAt(values, "env").([]any)
	if len(runnerEnv) != 1 || valueAt(runnerEnv[0], "value") != "eu-west-1" || valueAt(runnerEnv[0], "valueFrom") != nil {
		t.Errorf("env = %v, want AWS_REGION with the value eu-west-1 and no valueFrom", runnerEnv)
	}
	if strings.Contains(out, "# set by hand") {
		t.Errorf("the old value's line comment survived its replacement:\n%s", out)
	}
	if !strings.Contains(out, `eks.amazonaws.com/token-expiration: "3600" # from --token-expiration`) {
		t.Errorf("token expiration is not replaced by a quoted string:\n%s", out)
	}
}

func TestMergeEnvByName(t *testing.T) {
	existing := `customImage:
  enabled: true
  env:
    - name: DOCKER_OPTS
      value: --mtu=1400
    - name: AWS_DEFAULT_REGION
      value: eu-west-1 # kept as it is
    - name: NO_PROXY
      value: .internal
`
	out := merge(t, existing, basicSettings(), false)
	want := [][2]string{{"DOCKER_OPTS", "--mtu=1400"}, {"AWS_DEFAULT_REGION", "eu-west-1"}, {"NO_PROXY", ".internal"}, {"AWS_REGION", "eu-west-1"}}
	if got := envValues(valueAt(decode(t, []byte(out)), "customImage", "env")); !slices.Equal(got, want) {
		t.Errorf("customImage.env = %v, want %v", got, want)
	}
	if !strings.Contains(out, "value: eu-west-1 # kept as it is\n") {
		t.Errorf("an equal env entry was rewritten:\n%s", out)
	}
}

func TestMergeReplacesStaleRoleHash(t *testing.T) {
	existing := "podAnnotations:\n  irsa-render.firefly.ai/role-hash: 0123456789\n  team: ci\n"
	out := merge(t, existing, basicSettings(), false)
	values := decode(t, []byte(out))
	if got := valueAt(values, "podAnnotations", "irsa-render.firefly.ai/role-hash"); got != roleHash(basicSettings()) {
		t.Errorf("role hash = %v, want %s", got, roleHash(basicSettings()))
	}
	if got := valueAt(values, "podAnnotations", "team"); got != "ci" {
		t.Errorf("podAnnotations.team = %v, want ci", got)
	}
}

func TestMergeEmptyFiles(t *testing.T) {
	generatedBody := func(file string) string {
		_, body, _ := strings.Cut(file, "\n\nrepository:")
		return "repository:" + body
	}
	want := generatedBody(string(generate(t, basicSettings())))
	cases := []struct {
		name, existing, prefix string
	}{
		{"empty", "", ""},
		{"blank lines", "\n\n", ""},
		{"comments only", "# Values for the runner.\n# Filled by irsa-render.\n", "# Values for the runner.\n# Filled by irsa-render.\n\n"},
		{"document marker", "---\n", ""},
		{"null", "~\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := merge(t, tc.existing, basicSettings(), false)
			if out != tc.prefix+want {
				t.Errorf("Merge(%q) =\n%s\nwant\n%s", tc.existing, out, tc.prefix+want)
			}
		})
	}
}

func TestMergeRejectsFiles(t *testing.T) {
	cases := []struct {
		name, existing, message string
	}{
		{"list", "- a\n- b\n", "values file is a list, not a mapping of values"},
		{"string", "runner\n", "values file is runner, not a mapping of values"},
		{"two documents", "a: 1\n---\nb: 2\n", "more than one YAML document"},
		{"invalid YAML", "a: [\n", "values file is not valid YAML"},
		{"alias parent", "base: &base\n  annotations: {}\nserviceAccount: *base\n", "serviceAccount is the YAML alias *base"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, overwrite := range []bool{false, true} {
				_, err := Merge([]byte(tc.existing), basicSettings(), overwrite)
				if err == nil {
					t.Fatalf("Merge with overwrite=%t returned no error", overwrite)
				}
				if !strings.Contains(err.Error(), tc.message) {
					t.Errorf("error = %q, want it to contain %q", err, tc.message)
				}
			}
		})
	}
}

func TestMergeParentNotMapping(t *testing.T) {
	existing := "serviceAccount: runner\ncustomImage:\n  env: none\n"
	_, err := Merge([]byte(existing), basicSettings(), false)
	if err == nil {
		t.Fatal("Merge returned no error")
	}
	for _, want := range []string{
		"serviceAccount is runner, but irsa-render sets keys under it: make it a mapping or pass --overwrite to replace it",
		"customImage.env is none, not a list of env entries: make it a list or pass --overwrite to replace it",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	out := merge(t, existing, basicSettings(), true)
	if got := valueAt(decode(t, []byte(out)), "serviceAccount", "annotations", "eks.amazonaws.com/role-arn"); got != testRole {
		t.Errorf("role annotation after overwrite = %v, want %s", got, testRole)
	}
}

func TestMergeNonStringValues(t *testing.T) {
	s := basicSettings()
	s.ImageTag = "0022"
	s.Audience = "on"
	existing := "repository:\n  tag: 0022\nserviceAccount:\n  annotations:\n    eks.amazonaws.com/audience: on\n"
	_, err := Merge([]byte(existing), s, false)
	if err == nil {
		t.Fatal("Merge accepted values that Helm reads as a number and a boolean")
	}
	for _, want := range []string{
		`repository.tag is 0022, which Helm reads as the number 18, not "0022" from --image-tag`,
		`eks\.amazonaws\.com/audience is on, which Helm reads as the boolean true, not "on" from --audience`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	quoted := "repository:\n  tag: '0022'\nserviceAccount:\n  annotations:\n    eks.amazonaws.com/audience: !!str on\n"
	out := merge(t, quoted, s, false)
	if !strings.Contains(out, "  tag: '0022'\n") {
		t.Errorf("a single-quoted equal tag was rewritten:\n%s", out)
	}
}

func TestCheck(t *testing.T) {
	v, err := schema.CompileValues(schema.Settings{Facts: clusterFacts()})
	if err != nil {
		t.Fatal(err)
	}
	violations, err := Check(generate(t, fullSettings()), v)
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) != 0 {
		t.Errorf("generated values break the schema: %v", violations)
	}

	broken := strings.NewReplacer(
		`tag: v0.6.26`, `tag: 0022`,
		`AWS_DEFAULT_REGION: eu-west-1`, `AWS_DEFAULT_REGION: us-east-1`,
	).Replace(string(generate(t, basicSettings())))
	violations, err = Check([]byte(broken), v)
	if err != nil {
		t.Fatal(err)
	}
	want := []schema.Violation{
		{Pointer: "/configMap/data/AWS_DEFAULT_REGION", Rule: schema.RuleEnvRegion, Message: "AWS_DEFAULT_REGION=us-east-1 does not match the cluster's region eu-west-1 (cluster demo)"},
		{Pointer: "/repository/tag", Rule: schema.RuleRunnerImagePinned, Message: "repository.tag must be a string, got the number 18: quote it, because Helm reads an unquoted number as a float, so 1.10 renders as 1.1"},
	}
	if !slices.Equal(violations, want) {
		t.Errorf("violations =\n%v\nwant\n%v", violations, want)
	}

	if _, err := Check([]byte("a: [\n"), v); err == nil || !strings.Contains(err.Error(), "not valid YAML") {
		t.Errorf("Check of invalid YAML: error = %v", err)
	}
	violations, err = Check(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) == 0 {
		t.Error("Check of an empty file found no violation, want the missing role, tag and regions")
	}
}
