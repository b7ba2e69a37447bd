package trust

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	awsIssuer   = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	awsProvider = "arn:aws:iam::111122223333:oidc-provider/" + awsIssuer
	cnIssuer    = "oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE"
	cnProvider  = "arn:aws-cn:iam::111122223333:oidc-provider/" + cnIssuer
)

var (
	worker  = Subject{Namespace: "firefly", Name: "runner-ci-runner-worker"}
	manager = Subject{Namespace: "firefly", Name: "runner-ci-runner-manager"}
)

// goldenCase is one generated policy and the options for each format.
type goldenCase struct {
	name      string
	input     Input
	terraform TerraformOptions
	cli       CLIOptions
}

var goldenCases = []goldenCase{
	{
		name:      "aws-one-subject",
		input:     Input{ProviderARN: awsProvider, Issuer: "https://" + awsIssuer, Subjects: []Subject{worker}},
		terraform: TerraformOptions{RoleName: "firefly-ci-runner-worker"},
		cli:       CLIOptions{RoleName: "firefly-ci-runner-worker"},
	},
	{
		name:      "aws-two-subjects",
		input:     Input{ProviderARN: awsProvider, Issuer: awsIssuer, Subjects: []Subject{worker, manager}},
		terraform: TerraformOptions{RoleName: "firefly-ci-runner", ResourceName: "ci_runner"},
		cli:       CLIOptions{RoleName: "firefly-ci-runner", ProviderMissing: true, Issuer: "https://" + awsIssuer},
	},
	{
		name:      "aws-cn-one-subject",
		input:     Input{ProviderARN: cnProvider, Issuer: "https://" + cnIssuer + "/", Subjects: []Subject{worker}},
		terraform: TerraformOptions{RoleName: "firefly-ci-runner-worker"},
		cli:       CLIOptions{RoleName: "firefly-ci-runner-worker", ProviderMissing: true},
	},
	{
		name: "aws-cn-two-subjects",
		input: Input{ProviderARN: cnProvider, Issuer: "https://" + cnIssuer, Subjects: []Subject{worker, manager},
			Audience: "sts.example.com"},
		terraform: TerraformOptions{RoleName: "firefly-ci-runner"},
		cli:       CLIOptions{RoleName: "firefly-ci-runner", ProviderMissing: true},
	},
}

// formats lists each writer with the extension of its golden file.
var formats = []struct {
	extension string
	write     func(Document, goldenCase) ([]byte, error)
}{
	{"json", func(doc Document, _ goldenCase) ([]byte, error) { return JSON(doc) }},
	{"tf", func(doc Document, c goldenCase) ([]byte, error) { return Terraform(doc, c.terraform) }},
	{"sh", func(doc Document, c goldenCase) ([]byte, error) { return CLI(doc, c.cli) }},
}

func TestFormatsMatchGoldenFiles(t *testing.T) {
	for _, c := range goldenCases {
		doc, err := Policy(c.input)
		if err != nil {
			t.Fatalf("%s: Policy: %v", c.name, err)
		}
		for _, format := range formats {
			got, err := format.write(doc, c)
			if err != nil {
				t.Fatalf("%s.%s: %v", c.name, format.extension, err)
			}
			compareGolden(t, filepath.Join("testdata", c.name+"."+format.extension), got)
		}
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./trust -run TestFormatsMatchGoldenFiles -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestJSONGoldenFilesParseBack(t *testing.T) {
	for _, c := range goldenCases {
		doc, err := Policy(c.input)
		if err != nil {
			t.Fatal(err)
		}
		text, err := os.ReadFile(filepath.Join("testdata", c.name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseDocument(string(text))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		again, err := JSON(*parsed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, text) {
			t.Errorf("%s: parse and JSON changed the policy:\n%s", c.name, again)
		}
		for _, subject := range c.input.Subjects {
			req := Request{ProviderARN: c.input.ProviderARN, Subject: subject.String(), Audience: c.input.Audience}
			if d := Evaluate(&doc, req); !d.Allowed {
				t.Errorf("%s: policy does not allow %s: %s", c.name, subject, d.Reason)
			}
		}
	}
}

func TestJSONKeyOrder(t *testing.T) {
	doc, err := Policy(goldenCases[0].input)
	if err != nil {
		t.Fatal(err)
	}
	out, err := JSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	order := []string{`"Version"`, `"Statement"`, `"Effect"`, `"Principal"`, `"Action"`, `"Condition"`}
	last := -1
	for _, key := range order {
		at := strings.Index(text, key)
		if at <= last {
			t.Errorf("%s at offset %d, want after offset %d in:\n%s", key, at, last, text)
		}
		last = at
	}
	if !strings.HasPrefix(text, "{\n  \"Version\": \"2012-10-17\",\n") {
		t.Errorf("output does not start with a two-space indented Version:\n%s", text)
	}
}

func TestJSONKeepsHTMLCharacters(t *testing.T) {
	doc := Document{Version: PolicyVersion, Statement: []Statement{{
		Effect: EffectAllow, Principal: &Principal{All: true}, Action: Values{"a<b>&c"},
	}}}
	out, err := JSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"a<b>&c"`) {
		t.Errorf("JSON escaped HTML characters:\n%s", out)
	}
}

func TestTerraformQuotesKeysAndTemplates(t *testing.T) {
	doc := Document{Version: PolicyVersion, Statement: []Statement{{
		Effect:    EffectAllow,
		Principal: &Principal{Federated: Values{awsProvider}},
		Action:    Values{ActionAssumeRoleWithWebIdentity},
		Condition: Condition{"StringLike": {
			awsIssuer + ":sub": {"system:serviceaccount:${aws:username}:%{x}"},
			"null":             {"quote\"back\\slash\nnewline"},
		}},
	}}}
	out, err := Terraform(doc, TerraformOptions{RoleName: "role"})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	wants := []string{
		`"` + awsIssuer + `:sub" = "system:serviceaccount:$${aws:username}:%%{x}"`,
		`"null"`,
		`"quote\"back\\slash\nnewline"`,
		`StringLike = {`,
	}
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %s:\n%s", want, text)
		}
	}
}

func TestTerraformRejectsBadNames(t *testing.T) {
	doc, _ := Policy(goldenCases[0].input)
	cases := []TerraformOptions{
		{},
		{RoleName: "has space"},
		{RoleName: strings.Repeat("r", 65)},
		{RoleName: "ok", ResourceName: "1starts-with-digit"},
		{RoleName: "ok", ResourceName: "dot.ted"},
	}
	for _, opts := range cases {
		if _, err := Terraform(doc, opts); err == nil {
			t.Errorf("Terraform(%+v) succeeded, want an error", opts)
		}
	}
}

func TestTerraformDerivesResourceName(t *testing.T) {
	doc, _ := Policy(goldenCases[0].input)
	cases := map[string]string{
		"firefly.ci@runner": `resource "aws_iam_role" "firefly_ci_runner" {`,
		"1role":             `resource "aws_iam_role" "role_1role" {`,
	}
	for role, want := range cases {
		out, err := Terraform(doc, TerraformOptions{RoleName: role})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), want) {
			t.Errorf("role %s: output starts with %q, want %q", role, firstLine(out), want)
		}
	}
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

// TestTerraformGoldenFilesWithTerraform runs terraform fmt on the golden
// files and evaluates their jsonencode expression with terraform console,
// which needs no provider and no network. It is skipped without terraform.
func TestTerraformGoldenFilesWithTerraform(t *testing.T) {
	terraform := lookPathOrSkip(t, "terraform")
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			path, err := filepath.Abs(filepath.Join("testdata", c.name+".tf"))
			if err != nil {
				t.Fatal(err)
			}
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if out, err := runTerraform(t, terraform, dir, "", "fmt", "-check", "-diff", path); err != nil {
				t.Errorf("terraform fmt -check: %v\n%s", err, out)
			}
			want, err := Policy(c.input)
			if err != nil {
				t.Fatal(err)
			}
			checkJSONEncodeResult(t, terraform, dir, string(text), want)
		})
	}
}

// TestTerraformEscapesWithTerraform checks that values with quotes,
// backslashes, control characters and template sequences survive HCL.
func TestTerraformEscapesWithTerraform(t *testing.T) {
	terraform := lookPathOrSkip(t, "terraform")
	doc := Document{Version: PolicyVersion, ID: "id-1", Statement: []Statement{
		{
			Sid:       "Tricky",
			Effect:    EffectAllow,
			Principal: &Principal{Federated: Values{awsProvider, "*"}, AWS: Values{}},
			Action:    Values{"sts:AssumeRoleWith*"},
			Condition: Condition{
				"StringLike": {
					awsIssuer + ":sub": {"system:serviceaccount:${aws:username}:%{x}", "q\"b\\s\n\x01<&>"},
					"true":             {"false"},
				},
				"Null": {"key with space": {}},
			},
		},
		{Effect: EffectDeny, NotPrincipal: &Principal{All: true}, NotAction: Values{"*"}},
	}}
	resource, err := Terraform(doc, TerraformOptions{RoleName: "tricky"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "role.tf"), resource, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runTerraform(t, terraform, dir, "", "fmt", "-check", "-diff", "role.tf"); err != nil {
		t.Errorf("terraform fmt -check: %v\n%s", err, out)
	}
	if err := os.Remove(filepath.Join(dir, "role.tf")); err != nil {
		t.Fatal(err)
	}
	checkJSONEncodeResult(t, terraform, dir, string(resource), doc)
}

func lookPathOrSkip(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	return path
}

// checkJSONEncodeResult evaluates the jsonencode expression of a written
// aws_iam_role resource and compares the policy it yields with want.
func checkJSONEncodeResult(t *testing.T, terraform, dir, resource string, want Document) {
	t.Helper()
	_, expression, ok := strings.Cut(resource, "assume_role_policy = ")
	if !ok {
		t.Fatalf("no assume_role_policy in:\n%s", resource)
	}
	expression = strings.TrimSuffix(expression, "\n}\n")
	locals := "locals {\n  policy = " + expression + "\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(locals), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runTerraform(t, terraform, dir, "local.policy\n", "console")
	if err != nil {
		t.Fatalf("terraform console: %v\n%s", err, out)
	}
	var policy string
	if err := json.Unmarshal(bytes.TrimSpace(out), &policy); err != nil {
		t.Fatalf("terraform console printed %q: %v", out, err)
	}
	fromTerraform, err := ParseDocument(policy)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := JSON(*fromTerraform)
	wantJSON, _ := JSON(want)
	if !bytes.Equal(got, wantJSON) {
		t.Errorf("jsonencode gives\n%s\nwant\n%s", got, wantJSON)
	}
}

func runTerraform(t *testing.T, terraform, dir, stdin string, args ...string) ([]byte, error) {
	t.Helper()
	config := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(config, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(terraform, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+config,
		"TF_DATA_DIR="+filepath.Join(t.TempDir(), "data"), "TF_IN_AUTOMATION=1")
	return cmd.CombinedOutput()
}
