package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/firefly-oss/irsa-render/doctor"
	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/imagepin"
	"github.com/firefly-oss/irsa-render/internal/awsarn"
	"github.com/spf13/cobra"
)

// doctorFlags are the settings of irsa-render doctor: the post-renderer's,
// so that one --config file and one set of IRSA_RENDER_ variables serve
// both, and doctor's own.
type doctorFlags struct {
	renderFlags
	file            string
	output          string
	minImageVersion string
	checkDigest     bool
}

// postRendererOnlyFlags change nothing that doctor checks. They are
// accepted, hidden, so that the post-renderer's config file and variables
// work unchanged. Doctor always looks the cluster up again, so the cache
// flags do not apply either.
var postRendererOnlyFlags = []string{"sts-regional-endpoints", "allow-default-service-account", "allow-missing-service-account", "facts-ttl", "refresh"}

func (a *app) doctorCommand() *cobra.Command {
	flags := &doctorFlags{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the cluster, IAM and the rendered chart for IRSA problems, with the fix for each",
		Long: `doctor takes the post-renderer's settings and, from -f FILE or stdin, the
rendered manifests, and checks what IRSA needs at run time:

  cluster              the cluster is EKS, ACTIVE and has an OIDC issuer
  oidc-provider        IAM has the issuer's OIDC provider with client ID sts.amazonaws.com
  trust-policy         the role exists and its trust policy lets the ServiceAccount assume it
  credential-lifetime  the runner's timeouts against the token lifetime and MaxSessionDuration
  pod-identity         no EKS Pod Identity association competes with IRSA
  static-credentials   no AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY shadows IRSA
  runner-image         the runner image is pinned and not older than --min-image-version
  image-digest         with --check-digest, a tag@digest image's tag still points at its digest
  permissions          the AWS calls that were denied, with the policy that allows them

Each check prints passed, warning, failed or skipped, and the fix under every
problem. The report goes to stdout, as text or, with --output json, as a JSON
list of {check, status, message, fix}.

Exit codes: 0 when no check failed (warnings allowed), 1 when a check failed,
2 for a usage error.`,
		Example: `  helm template runner firefly/ci-runner-worker -n firefly | irsa-render doctor --cluster demo --region eu-central-1 \
    --role-arn arn:aws:iam::111122223333:role/firefly-runner
  irsa-render doctor --config irsa-render.yaml -f rendered.yaml --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applySettings(cmd.Flags(), flags.config); err != nil {
				return err
			}
			if err := a.openLog(flags.logFile); err != nil {
				return err
			}
			return a.doctor(cmd.Context(), flags)
		},
	}
	fs := cmd.Flags()
	flags.register(fs)
	// The post-renderer's help describes what it writes; doctor checks it.
	fs.Lookup("service-account").Usage = "runner ServiceAccount as name or namespace/name (default: the one the runner workloads of the stream use)"
	fs.Lookup("region").Usage = "region of the cluster (default: from the cluster ARN, the kubeconfig or the AWS config)"
	fs.Lookup("aws-timeout").Usage = "deadline for the cluster lookup and for each other AWS call, retries included"
	fs.Lookup("image-tag").Usage = "tag or digest (sha256:...) that the post-renderer pins the runner image to; checked in place of the stream's unpinned tag"
	fs.Lookup("overwrite").Usage = "check what the post-renderer writes with --overwrite: flags replace conflicting values of the stream"
	fs.Lookup("log-file").Usage = "also append warnings and errors to this file"
	fs.StringVarP(&flags.file, "filename", "f", "", "rendered manifests to check; - for stdin (default: stdin when it is not a terminal)")
	fs.StringVar(&flags.output, "output", "text", "report format: text or json")
	fs.BoolVar(&flags.checkDigest, "check-digest", false, "compare each runner image pinned to tag@digest with what the tag points at in the registry")
	fs.StringVar(&flags.minImageVersion, "min-image-version", "", "oldest runner version accepted, such as v0.6.0 (default: no version check)")
	for _, name := range postRendererOnlyFlags {
		if err := fs.MarkHidden(name); err != nil {
			panic(err)
		}
	}
	return cmd
}

func (a *app) doctor(ctx context.Context, flags *doctorFlags) error {
	settings, err := flags.settings()
	if err != nil {
		return err
	}
	stream, err := a.doctorStream(flags)
	if err != nil {
		return err
	}
	in, err := doctor.NewInput(settings, stream)
	var settingsErr *doctor.SettingsError
	if errors.As(err, &settingsErr) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	in.CallTimeout = flags.cluster.awsTimeout
	in.Facts, in.FactsErr, err = a.doctorFacts(ctx, &flags.cluster, flags.opts.Region)
	if err != nil {
		return err
	}
	clients, err := doctorClients(ctx, flags, in)
	if err != nil {
		return err
	}

	if flags.checkDigest {
		clients.Registry = imagepin.NewResolver(imagepin.Options{Timeout: flags.pin.timeout})
	}
	report := doctor.Run(ctx, in, clients)
	if flags.output == "json" {
		err = doctor.WriteJSON(a.out, report)
	} else {
		err = doctor.WriteText(a.out, report, a.colorOutput())
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if report.Failed() {
		return fmt.Errorf("%d of %d checks failed; the report on stdout gives the fixes", report.Count(doctor.Failed), len(report.Results))
	}
	return nil
}

// settings validates the flags and returns them as doctor.Settings.
func (f *doctorFlags) settings() (doctor.Settings, error) {
	if f.output != "text" && f.output != "json" {
		return doctor.Settings{}, usagef("--output %q is not text or json", f.output)
	}
	if len(f.opts.ServiceAccounts) > 1 {
		return doctor.Settings{}, usagef("--service-account: doctor checks one ServiceAccount, got %d", len(f.opts.ServiceAccounts))
	}
	// The role may come from the stream's annotation instead of
	// --role-arn, so a missing flag is no error here; a placeholder keeps
	// CheckSettings from requiring it.
	check := f.opts
	if check.RoleARN == "" {
		check.RoleARN = "arn:aws:iam::000000000000:role/placeholder"
	}
	if err := check.CheckSettings(); err != nil {
		return doctor.Settings{}, usageError{err}
	}
	settings := doctor.Settings{
		RoleARN:         f.opts.RoleARN,
		Audience:        f.opts.Audience,
		TokenExpiration: f.opts.TokenExpiration,
		ImageTag:        f.opts.ImageTag,
		ImageRepository: f.opts.ImageRepository,
		Namespace:       f.opts.Namespace,
		Overwrite:       f.opts.Overwrite,
		MinImageVersion: f.minImageVersion,
	}
	if len(f.opts.ServiceAccounts) == 1 {
		settings.ServiceAccount = f.opts.ServiceAccounts[0]
	}
	return settings, nil
}

// doctorStream returns the rendered manifests of -f, or of stdin when it
// is not a terminal, or nil when there are none. An empty stdin counts as
// no stream, so doctor can run from flags alone in a pipeline.
func (a *app) doctorStream(flags *doctorFlags) ([]byte, error) {
	if flags.file != "" {
		return a.readStream(flags.file)
	}
	if f, ok := a.in.(*os.File); ok && isTerminal(f) {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(a.in, flags.maxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if int64(len(data)) > flags.maxInputBytes {
		return nil, fmt.Errorf("input is larger than %d bytes; raise --max-input-bytes if the stream is genuine", flags.maxInputBytes)
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

// doctorFacts returns the cluster facts, or the lookup error that the
// cluster check reports. Unlike resolveFacts it always calls AWS again, so
// the cluster's status is current, and --region alone still selects the
// cluster of the kubeconfig context. err is a usage error.
func (a *app) doctorFacts(ctx context.Context, f *clusterFlags, region string) (found *facts.Facts, lookupErr, err error) {
	if f.factsFile != "" {
		found, err = facts.ReadFile(f.factsFile)
		if errors.Is(err, facts.ErrClusterNotActive) || errors.Is(err, facts.ErrNoOIDCIssuer) {
			return nil, err, nil
		}
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("--facts: %w", err)}
		}
		return found, nil, checkRegion(found, region)
	}
	found, err = facts.Lookup(ctx, facts.Request{
		Cluster:    f.cluster,
		Region:     region,
		Profile:    f.profile,
		Kubeconfig: f.kubeconfig,
		Context:    f.kubeContext,
		Timeout:    f.awsTimeout,
		Refresh:    true,
		Warn:       func(msg string) { a.logf("warning: %s", msg) },
	})
	if err != nil {
		return nil, err, nil
	}
	return found, nil, checkRegion(found, region)
}

// doctorClients builds the AWS clients in the cluster's region, or in the
// region of the flags or the AWS config when the cluster is unknown.
func doctorClients(ctx context.Context, flags *doctorFlags, in doctor.Input) (doctor.Clients, error) {
	region := flags.opts.Region
	if in.Facts != nil {
		region = in.Facts.Region
	}
	cfg, err := facts.LoadConfig(ctx, facts.ClientOptions{Region: region, Profile: flags.cluster.profile, Timeout: flags.cluster.awsTimeout})
	if err != nil {
		return doctor.Clients{}, err
	}
	if cfg.Region == "" {
		cfg.Region = iamSigningRegion(in.RoleARN)
	}
	clients := doctor.NewClients(cfg)
	clients.CheckCredentials = func(ctx context.Context) error {
		return facts.CheckCredentials(ctx, cfg, flags.cluster.awsTimeout)
	}
	return clients, nil
}

// iamSigningRegion returns the region in which IAM, a global service,
// signs requests of the role's partition. Only IAM and STS calls run
// without a cluster, and both accept it.
func iamSigningRegion(roleARN string) string {
	role, err := awsarn.ParseRole(roleARN)
	if err != nil {
		return "us-east-1"
	}
	switch role.Partition {
	case "aws-cn":
		return "cn-north-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	}
	// NOTE: the ISO and EUSC partitions sign IAM in other regions; a user
	// there sets the region through --region or the AWS config.
	return "us-east-1"
}

// colorOutput reports whether the report may use ANSI colours: stdout is
// a terminal, NO_COLOR is unset and TERM is not dumb.
func (a *app) colorOutput() bool {
	f, ok := a.out.(*os.File)
	if !ok || !isTerminal(f) {
		return false
	}
	return a.env["NO_COLOR"] == "" && a.env["TERM"] != "dumb"
}
