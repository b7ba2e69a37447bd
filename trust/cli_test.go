package trust

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsStub is a stand-in for the AWS CLI that appends each call to
// $AWS_CALLS: the arguments, each followed by a NUL byte, then the ASCII
// record separator, because arguments may contain newlines.
//
// get-open-id-connect-provider fails, as for a provider IAM does not have,
// unless $AWS_PROVIDER_EXISTS is set.
const awsStub = `#!/bin/sh
for argument in "$@"; do
  printf '%s\0' "$argument" >>"$AWS_CALLS"
done
printf '\036' >>"$AWS_CALLS"
if [ "$2" = get-open-id-connect-provider ] && [ -z "${AWS_PROVIDER_EXISTS:-}" ]; then
  exit 254
fi
`

// runScript runs a written script with the stub first on PATH and returns
// the argument lists of the aws calls it made.
func runScript(t *testing.T, script []byte, env ...string) [][]string {
	t.Helper()
	shell := lookPathOrSkip(t, "sh")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(awsStub), 0o755); err != nil {
		t.Fatal(err)
	}
	scriptPath := filepath.Join(dir, "create-role.sh")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		t.Fatal(err)
	}
	callsPath := filepath.Join(dir, "calls")
	cmd := exec.Command(shell, scriptPath)
	cmd.Env = append(append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "AWS_CALLS="+callsPath), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh %s: %v\n%s", scriptPath, err, out)
	}
	recorded, err := os.ReadFile(callsPath)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, call := range bytes.Split(bytes.TrimSuffix(recorded, []byte("\x1e")), []byte("\x1e")) {
		arguments := strings.Split(strings.TrimSuffix(string(call), "\x00"), "\x00")
		calls = append(calls, arguments)
	}
	return calls
}

// argumentAfter returns the argument that follows flag in a call.
func argumentAfter(call []string, flag string) string {
	for i, argument := range call {
		if argument == flag && i+1 < len(call) {
			return call[i+1]
		}
	}
	return ""
}

func TestCLIGoldenScriptsRun(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			script, err := os.ReadFile(filepath.Join("testdata", c.name+".sh"))
			if err != nil {
				t.Fatal(err)
			}
			calls := runScript(t, script)
			wantCalls := 1
			if c.cli.ProviderMissing {
				// The provider check, then the provider it did not find.
				wantCalls = 3
			}
			if len(calls) != wantCalls {
				t.Fatalf("script made %d aws calls, want %d: %q", len(calls), wantCalls, calls)
			}
			createRole := calls[len(calls)-1]
			if got := strings.Join(createRole[:2], " "); got != "iam create-role" {
				t.Errorf("last call is %q, want iam create-role", got)
			}
			if got := argumentAfter(createRole, "--role-name"); got != c.cli.RoleName {
				t.Errorf("--role-name %q, want %q", got, c.cli.RoleName)
			}
			want, err := os.ReadFile(filepath.Join("testdata", c.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if got := argumentAfter(createRole, "--assume-role-policy-document"); got+"\n" != string(want) {
				t.Errorf("--assume-role-policy-document is\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestCLICreatesProviderFromPolicy(t *testing.T) {
	doc, err := Policy(Input{ProviderARN: cnProvider, Issuer: cnIssuer, Subjects: []Subject{worker}, Audience: "sts.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	script, err := CLI(doc, CLIOptions{RoleName: "r", ProviderMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	calls := runScript(t, script)
	if len(calls) != 3 {
		t.Fatalf("script made %d aws calls, want 3 (check, create provider, create role): %q", len(calls), calls)
	}
	if check := strings.Join(calls[0], " "); check != "iam get-open-id-connect-provider --open-id-connect-provider-arn "+cnProvider {
		t.Errorf("first call is %q, want the provider check", check)
	}
	provider := calls[1]
	want := []string{"iam", "create-open-id-connect-provider", "--url", "https://" + cnIssuer,
		"--client-id-list", "sts.example.com"}
	if strings.Join(provider, " ") != strings.Join(want, " ") {
		t.Errorf("provider call is %q, want %q", provider, want)
	}
	if argumentAfter(provider, "--thumbprint-list") != "" || strings.Contains(string(script), "--thumbprint-list '") {
		t.Errorf("script passes a thumbprint list:\n%s", script)
	}
}

func TestCLIAudienceOptionWins(t *testing.T) {
	doc, _ := Policy(Input{ProviderARN: awsProvider, Issuer: awsIssuer, Subjects: []Subject{worker}})
	script, err := CLI(doc, CLIOptions{RoleName: "r", ProviderMissing: true, Audience: "custom"})
	if err != nil {
		t.Fatal(err)
	}
	calls := runScript(t, script)
	if got := argumentAfter(calls[1], "--client-id-list"); got != "custom" {
		t.Errorf("--client-id-list %q, want custom", got)
	}
}

func TestCLISkipsExistingProvider(t *testing.T) {
	doc, _ := Policy(Input{ProviderARN: awsProvider, Issuer: awsIssuer, Subjects: []Subject{worker}})
	script, err := CLI(doc, CLIOptions{RoleName: "r", ProviderMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	calls := runScript(t, script, "AWS_PROVIDER_EXISTS=1")
	if len(calls) != 2 {
		t.Fatalf("script made %d aws calls, want 2 (check, create role): %q", len(calls), calls)
	}
	if calls[1][1] != "create-role" {
		t.Errorf("second call is %q, want create-role", calls[1])
	}
}

func TestCLIQuotesSingleQuotes(t *testing.T) {
	doc := Document{Version: PolicyVersion, Statement: []Statement{{
		Effect:    EffectAllow,
		Principal: &Principal{Federated: Values{awsProvider}},
		Action:    Values{ActionAssumeRoleWithWebIdentity},
		Condition: Condition{"StringEquals": {"note": {`it's "quoted" $HOME ` + "`date` \\ '' end'"}}},
	}}}
	script, err := CLI(doc, CLIOptions{RoleName: "r"})
	if err != nil {
		t.Fatal(err)
	}
	calls := runScript(t, script)
	got, err := ParseDocument(argumentAfter(calls[0], "--assume-role-policy-document"))
	if err != nil {
		t.Fatal(err)
	}
	if value := got.Statement[0].Condition["StringEquals"]["note"][0]; value != doc.Statement[0].Condition["StringEquals"]["note"][0] {
		t.Errorf("the shell passed %q", value)
	}
}

func TestCLIStartsWithShebangAndSetEU(t *testing.T) {
	doc, _ := Policy(goldenCases[0].input)
	script, err := CLI(doc, CLIOptions{RoleName: "r"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(script), "\n")
	if lines[0] != "#!/bin/sh" {
		t.Errorf("first line %q, want #!/bin/sh", lines[0])
	}
	if !strings.Contains(string(script), "\nset -eu\n") {
		t.Errorf("script lacks set -eu:\n%s", script)
	}
}

func TestCLIErrors(t *testing.T) {
	doc, _ := Policy(goldenCases[0].input)
	noProvider := Document{Version: PolicyVersion, Statement: []Statement{{
		Effect: EffectAllow, Principal: &Principal{All: true}, Action: Values{"*"},
	}}}
	cases := []struct {
		name string
		doc  Document
		opts CLIOptions
	}{
		{"missing role name", doc, CLIOptions{}},
		{"invalid role name", doc, CLIOptions{RoleName: "a'b"}},
		{"http issuer", doc, CLIOptions{RoleName: "r", ProviderMissing: true, Issuer: "http://example.com"}},
		{"no issuer to derive", noProvider, CLIOptions{RoleName: "r", ProviderMissing: true}},
	}
	for _, c := range cases {
		_, err := CLI(c.doc, c.opts)
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error %v, want one that wraps ErrInvalidInput", c.name, err)
		}
	}
}
