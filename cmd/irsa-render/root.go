package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/firefly-oss/irsa-render/render"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// renderFlags are the post-renderer's settings as given on the command line.
type renderFlags struct {
	opts          render.Options
	cluster       clusterFlags
	pin           pinFlags
	config        string
	logFile       string
	maxInputBytes int64
}

func (f *renderFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.opts.RoleARN, "role-arn", "", "IAM role ARN the runner assumes (arn:aws:iam::<account>:role/<name>)")
	fs.StringVar(&f.opts.ImageTag, "image-tag", "", "tag or digest (sha256:...) that pins the runner image")
	fs.StringVar(&f.opts.ImageRepository, "image-repository", "", "repository of the runner image (default: any image named ci-runner-worker)")
	fs.StringVar(&f.opts.Region, "region", "", "AWS region for AWS_REGION and AWS_DEFAULT_REGION")
	fs.StringVar(&f.opts.Namespace, "namespace", "", "namespace of objects that set none (the Helm release namespace)")
	fs.StringSliceVar(&f.opts.ServiceAccounts, "service-account", nil, "ServiceAccount to annotate, as name or namespace/name; repeatable (default: those the runner workloads use)")
	fs.BoolVar(&f.opts.STSRegionalEndpoints, "sts-regional-endpoints", false, "annotate eks.amazonaws.com/sts-regional-endpoints: \"true\"")
	fs.Int64Var(&f.opts.TokenExpiration, "token-expiration", 0, "lifetime of the projected token in seconds, 600 to 86400 (default: the webhook's 86400)")
	fs.StringVar(&f.opts.Audience, "audience", "", "audience of the projected token (default: the webhook's sts.amazonaws.com)")
	fs.BoolVar(&f.opts.Overwrite, "overwrite", false, "replace a conflicting role ARN, image tag or region value instead of failing")
	fs.BoolVar(&f.opts.AllowDefaultServiceAccount, "allow-default-service-account", false, "let runner pods use the namespace's default ServiceAccount")
	fs.BoolVar(&f.opts.AllowMissingServiceAccount, "allow-missing-service-account", false, "warn instead of failing when the runner's ServiceAccount is not in the stream (it is managed outside the chart)")
	fs.Int64Var(&f.maxInputBytes, "max-input-bytes", render.DefaultMaxInputBytes, "largest input stream accepted, in bytes")
	fs.StringVar(&f.logFile, "log-file", "", "also append warnings and errors to this file (Helm discards a post-renderer's stderr on success)")
	fs.StringVar(&f.config, "config", "", "YAML file of settings whose keys are flag names (env IRSA_RENDER_CONFIG)")
	f.cluster.register(fs)
	f.pin.register(fs)
	fs.BoolVar(&f.opts.DigestOnly, "digest-only", false, "with --resolve-digest, pin the digest alone, without the tag")
}

func (a *app) rootCommand() *cobra.Command {
	flags := &renderFlags{}
	cmd := &cobra.Command{
		Use:   "irsa-render",
		Short: "Rewrite ci-runner-worker manifests for EKS IAM Roles for Service Accounts",
		Long: `irsa-render is a Helm post-renderer. It reads rendered manifests on stdin,
annotates the runner's ServiceAccount with its IAM role, pins the runner
image, sets AWS_REGION and AWS_DEFAULT_REGION in the runner pods, validates
the result and writes the manifests to stdout.

Every flag can also be set by an environment variable (--role-arn is
IRSA_RENDER_ROLE_ARN) or by a key of the --config file (role-arn: ...);
flags win over variables, variables over the file.`,
		Example: `  helm install runner firefly/ci-runner-worker -n firefly \
    --post-renderer irsa-render \
    --post-renderer-args --role-arn=arn:aws:iam::111122223333:role/firefly-runner \
    --post-renderer-args --image-tag=v0.6.26 \
    --post-renderer-args --region=eu-west-1`,
		Args:          noArgs,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applySettings(cmd.Flags(), flags.config); err != nil {
				return err
			}
			if err := a.openLog(flags.logFile); err != nil {
				return err
			}
			return a.postRender(cmd.Context(), flags)
		},
	}
	cmd.SetFlagErrorFunc(flagError)
	flags.register(cmd.Flags())
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.AddCommand(a.argocdCommand(), a.doctorCommand(), a.factsCommand(), a.schemaCommand(), a.trustPolicyCommand(), a.valuesCommand())
	return cmd
}

func (a *app) openLog(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return usagef("--log-file: %v", err)
	}
	a.logFile = f
	return nil
}

// postRender reads the stream, rewrites it and writes it only when the
// whole stream is free of problems.
func (a *app) postRender(ctx context.Context, flags *renderFlags) error {
	if err := flags.opts.CheckSettings(); err != nil {
		return usageError{err}
	}
	in, err := a.readInput(flags.maxInputBytes)
	if err != nil {
		return err
	}
	tuneMemory(a.env, len(in))
	return a.renderAndWrite(ctx, flags, in)
}

// logResult reports a run's warnings and notes on stderr.
func (a *app) logResult(result *render.Result) {
	if result == nil {
		return
	}
	for _, w := range result.Warnings {
		a.logf("warning: %s", w)
	}
	for _, n := range result.Notes {
		a.logf("note: %s", n)
	}
}

// readInput reads stdin up to limit bytes. A terminal on stdin gets usage
// instead of a silent wait.
func (a *app) readInput(limit int64) ([]byte, error) {
	if f, ok := a.in.(*os.File); ok {
		if isTerminal(f) {
			return nil, usagef("stdin is a terminal; pipe rendered manifests in (helm template ... | irsa-render ...) or run it as helm's --post-renderer")
		}
	}
	data, err := io.ReadAll(io.LimitReader(a.in, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("input is larger than %d bytes; raise --max-input-bytes if the stream is genuine", limit)
	}
	if len(data) == 0 {
		return nil, errors.New("stdin is empty: pipe the output of helm template, or run as helm's --post-renderer")
	}
	return data, nil
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q for %q; the post-renderer reads manifests on stdin and takes only flags", args[0], cmd.CommandPath())
	}
	return nil
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// flagError marks a flag parsing error as a usage error. A flag and its
// value in one argument, as `--post-renderer-args "--role-arn X"` passes
// them, gets a hint, and a misspelt flag the nearest flag name.
func flagError(cmd *cobra.Command, err error) error {
	name, unknown := strings.CutPrefix(err.Error(), "unknown flag: --")
	switch {
	case !unknown:
		return usageError{err}
	case strings.Contains(name, " "):
		return usagef("%v: a flag and its value arrived as one argument; write --flag=value, or pass the value in a --post-renderer-args of its own", err)
	}
	if suggestion := nearestFlag(cmd, name); suggestion != "" {
		return usagef("%v; did you mean --%s?", err, suggestion)
	}
	return usageError{err}
}

// nearestFlag returns the flag of cmd whose name is at most two edits away
// from name, or "".
func nearestFlag(cmd *cobra.Command, name string) string {
	best, bestDistance := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if d := editDistance(name, f.Name); d < bestDistance {
			best, bestDistance = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current := make([]int, len(b)+1)
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous = current
	}
	return previous[len(b)]
}
