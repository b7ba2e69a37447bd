package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/internal/awsarn"
	"github.com/firefly-oss/irsa-render/render"
	"github.com/firefly-oss/irsa-render/trust"
	"github.com/spf13/cobra"
)

// trustFlags are the settings of irsa-render trust-policy.
type trustFlags struct {
	cluster         clusterFlags
	region          string
	namespace       string
	serviceAccounts []string
	file            string
	format          string
	roleARN         string
	roleName        string
	audience        string
	accounts        []string
	outputDir       string
	imageRepository string
	config          string
}

// accountRunner is one runner of the one-runner-per-account pattern: its
// own release, ServiceAccount and role.
type accountRunner struct {
	name    string
	roleARN string
}

// serviceAccountName returns the runner ServiceAccount of an account.
func (r accountRunner) serviceAccountName() string {
	return render.DefaultRunnerImageName + "-" + r.name
}

func (a *app) trustPolicyCommand() *cobra.Command {
	flags := &trustFlags{}
	cmd := &cobra.Command{
		Use:   "trust-policy",
		Short: "Print the IAM trust policy that lets the runner's ServiceAccount assume its role",
		Long: `trust-policy writes the role's trust policy: the cluster's IAM OIDC provider as
federated principal, sts:AssumeRoleWithWebIdentity, and StringEquals on the
token's sub (system:serviceaccount:<namespace>:<name>) and aud
(sts.amazonaws.com).

The ServiceAccount comes from a rendered stream (-f FILE, or stdin), which
is safest because the chart may prefix names with the release, or from
--namespace and --service-account.`,
		Example: `  helm template runner firefly/ci-runner-worker -n firefly | irsa-render trust-policy --cluster demo
  irsa-render trust-policy --cluster demo --namespace firefly --service-account ci-runner-worker --format terraform`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applySettings(cmd.Flags(), flags.config); err != nil {
				return err
			}
			return a.trustPolicy(cmd, flags)
		},
	}
	fs := cmd.Flags()
	flags.cluster.register(fs)
	fs.StringVar(&flags.region, "region", "", "region of the cluster (default: from the cluster ARN, the kubeconfig or the AWS config)")
	fs.StringVar(&flags.namespace, "namespace", "", "namespace of the ServiceAccount, or of rendered objects that set none")
	fs.StringSliceVar(&flags.serviceAccounts, "service-account", nil, "ServiceAccount as name or namespace/name; repeatable (default: read from the rendered stream)")
	fs.StringVarP(&flags.file, "filename", "f", "", "rendered manifests to read the runner's ServiceAccount from; - for stdin")
	fs.StringVar(&flags.format, "format", "json", "output format: json, terraform or cli")
	fs.StringVar(&flags.roleARN, "role-arn", "", "the role's ARN, for its name and account (default role name: ci-runner-worker-irsa)")
	fs.StringVar(&flags.roleName, "role-name", "", "role name for the terraform and cli formats (default: from --role-arn)")
	fs.StringVar(&flags.audience, "audience", trust.DefaultAudience, "audience of the projected token")
	fs.StringArrayVar(&flags.accounts, "account", nil, "NAME=ROLE_ARN of one runner per AWS account; repeatable; writes one policy per account into --output-dir")
	fs.StringVar(&flags.outputDir, "output-dir", ".", "folder for the files that --account writes")
	fs.StringVar(&flags.imageRepository, "image-repository", "", "repository of the runner image (default: any image named ci-runner-worker)")
	fs.StringVar(&flags.config, "config", "", "YAML file of settings whose keys are flag names")
	return cmd
}

func (a *app) trustPolicy(cmd *cobra.Command, flags *trustFlags) error {
	if err := checkFormat(flags.format); err != nil {
		return err
	}
	runners, err := parseAccounts(flags.accounts)
	if err != nil {
		return err
	}
	found, err := a.resolveFacts(cmd.Context(), &flags.cluster, flags.region)
	if err != nil {
		return err
	}
	if found.OIDCIssuer == "" {
		return usagef("the trust policy needs the cluster's OIDC issuer: pass --cluster or --facts (--region alone names no cluster)")
	}
	if len(runners) > 0 {
		return a.writeAccountPolicies(flags, found, runners)
	}
	subjects, err := a.trustSubjects(flags)
	if err != nil {
		return err
	}
	text, err := formatPolicy(flags, found, flags.roleARN, subjects)
	if err != nil {
		return err
	}
	_, err = a.out.Write(text)
	return err
}

func checkFormat(format string) error {
	switch format {
	case "json", "terraform", "cli":
		return nil
	}
	return usagef("--format %q is not json, terraform or cli", format)
}

// parseAccounts reads --account NAME=ROLE_ARN values.
func parseAccounts(values []string) ([]accountRunner, error) {
	var runners []accountRunner
	seen := map[string]bool{}
	for _, v := range values {
		name, arn, ok := strings.Cut(v, "=")
		if !ok || name == "" || arn == "" {
			return nil, usagef("--account %q is not NAME=ROLE_ARN, such as prod=arn:aws:iam::111122223333:role/runner-prod", v)
		}
		if err := (trust.Subject{Namespace: "default", Name: render.DefaultRunnerImageName + "-" + name}).Validate(); err != nil {
			return nil, usagef("--account %q: NAME must be lowercase letters, digits and '-', because it becomes part of the ServiceAccount name", v)
		}
		if _, err := roleAccount(arn); err != nil {
			return nil, usagef("--account %q: %v", v, err)
		}
		if seen[name] {
			return nil, usagef("--account %q: account name %s is given twice", v, name)
		}
		seen[name] = true
		runners = append(runners, accountRunner{name: name, roleARN: arn})
	}
	return runners, nil
}

// trustSubjects returns the ServiceAccounts the policy trusts, from flags or
// from the rendered stream.
func (a *app) trustSubjects(flags *trustFlags) ([]trust.Subject, error) {
	if len(flags.serviceAccounts) > 0 {
		var subjects []trust.Subject
		for _, ref := range flags.serviceAccounts {
			ns, name, found := strings.Cut(ref, "/")
			if !found {
				ns, name = flags.namespace, ref
			}
			if ns == "" {
				return nil, usagef("--service-account %s has no namespace: pass --namespace or namespace/name; a trust policy never assumes the default namespace", ref)
			}
			subjects = append(subjects, trust.Subject{Namespace: ns, Name: name})
		}
		return subjects, nil
	}
	stream, err := a.readStream(flags.file)
	if err != nil {
		return nil, err
	}
	refs, err := render.RunnerServiceAccounts(stream, flags.imageRepository, flags.namespace)
	if err != nil {
		return nil, err
	}
	subjects := make([]trust.Subject, len(refs))
	for i, ref := range refs {
		subjects[i] = trust.Subject{Namespace: ref.Namespace, Name: ref.Name}
	}
	return subjects, nil
}

// readStream reads rendered manifests from a file, or from stdin for "-" or
// an empty name when stdin is not a terminal.
func (a *app) readStream(file string) ([]byte, error) {
	if file != "" && file != "-" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usagef("-f: %v", err)
		}
		return data, nil
	}
	if f, ok := a.in.(*os.File); ok && file == "" && isTerminal(f) {
		return nil, usagef("no ServiceAccount given: pass -f rendered.yaml, pipe helm template output in, or use --namespace and --service-account")
	}
	data, err := io.ReadAll(io.LimitReader(a.in, render.DefaultMaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(data) == 0 {
		return nil, usagef("stdin is empty: pass -f rendered.yaml, pipe helm template output in, or use --namespace and --service-account")
	}
	return data, nil
}

// formatPolicy builds the policy for subjects and formats it.
func formatPolicy(flags *trustFlags, found *facts.Facts, roleARN string, subjects []trust.Subject) ([]byte, error) {
	account := found.Account
	if roleARN != "" {
		var err error
		if account, err = roleAccount(roleARN); err != nil {
			return nil, usagef("--role-arn: %v", err)
		}
	}
	// A role in another account trusts the cluster's issuer through an
	// OIDC provider registered in the role's own account.
	providerARN := facts.OIDCProviderARN(found.Partition, account, found.OIDCIssuer)
	doc, err := trust.Policy(trust.Input{ProviderARN: providerARN, Issuer: found.OIDCIssuer, Subjects: subjects, Audience: flags.audience})
	if err != nil {
		return nil, err
	}
	roleName := flags.roleName
	if roleName == "" {
		roleName = roleNameOf(roleARN)
	}
	switch flags.format {
	case "terraform":
		return trust.Terraform(doc, trust.TerraformOptions{RoleName: roleName})
	case "cli":
		missing := found.OIDCProviderExists == nil || !*found.OIDCProviderExists || account != found.Account
		return trust.CLI(doc, trust.CLIOptions{RoleName: roleName, ProviderMissing: missing, Issuer: found.OIDCIssuer, Audience: flags.audience})
	}
	return trust.JSON(doc)
}

// roleAccount returns the account of a role ARN.
func roleAccount(arn string) (string, error) {
	role, err := awsarn.ParseRole(arn)
	if err != nil {
		return "", err
	}
	return role.Account, nil
}

// roleNameOf returns the name of a role ARN, or the default role name.
func roleNameOf(arn string) string {
	if role, err := awsarn.ParseRole(arn); err == nil {
		return role.Name
	}
	return "ci-runner-worker-irsa"
}

// writeAccountPolicies writes one policy per account runner.
func (a *app) writeAccountPolicies(flags *trustFlags, found *facts.Facts, runners []accountRunner) error {
	if flags.namespace == "" {
		return usagef("--account needs --namespace: the runners' ServiceAccounts live in the release namespace")
	}
	if err := os.MkdirAll(flags.outputDir, 0o755); err != nil {
		return fmt.Errorf("--output-dir: %w", err)
	}
	ext := map[string]string{"json": "json", "terraform": "tf", "cli": "sh"}[flags.format]
	var errs []error
	for _, r := range runners {
		subject := trust.Subject{Namespace: flags.namespace, Name: r.serviceAccountName()}
		text, err := formatPolicy(flags, found, r.roleARN, []trust.Subject{subject})
		if err != nil {
			errs = append(errs, fmt.Errorf("account %s: %w", r.name, err))
			continue
		}
		path := filepath.Join(flags.outputDir, "trust-policy-"+r.name+"."+ext)
		if err := os.WriteFile(path, text, 0o644); err != nil {
			errs = append(errs, err)
			continue
		}
		a.logf("wrote %s for %s", path, subject)
	}
	return errors.Join(errs...)
}
