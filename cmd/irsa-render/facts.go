package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/render"
	"github.com/firefly-oss/irsa-render/schema"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// clusterFlags select the cluster whose facts the commands use.
type clusterFlags struct {
	cluster     string
	factsFile   string
	ttl         time.Duration
	refresh     bool
	awsTimeout  time.Duration
	kubeconfig  string
	kubeContext string
	profile     string
}

func (f *clusterFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.cluster, "cluster", "", "EKS cluster name or ARN whose facts are looked up (default: the current kubeconfig context, unless --region is given)")
	fs.StringVar(&f.factsFile, "facts", "", "read the cluster facts from this file instead of AWS: irsa-render facts output or aws eks describe-cluster --output json")
	fs.DurationVar(&f.ttl, "facts-ttl", facts.DefaultTTL, "how long cached facts are reused")
	fs.BoolVar(&f.refresh, "refresh", false, "look the facts up again even when the cache is fresh")
	fs.DurationVar(&f.awsTimeout, "aws-timeout", facts.DefaultTimeout, "deadline for the whole AWS lookup, retries included")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig to read the current context from (default: $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&f.kubeContext, "kube-context", "", "kubeconfig context to use instead of the current one")
	fs.StringVar(&f.profile, "profile", "", "AWS shared config profile (default: $AWS_PROFILE)")
}

// resolveFacts returns the facts the run uses: from --facts, from AWS for
// --cluster, from --region alone, or from AWS for the current kubeconfig
// context, in that order.
func (a *app) resolveFacts(ctx context.Context, f *clusterFlags, region string) (*facts.Facts, error) {
	switch {
	case f.factsFile != "":
		found, err := facts.ReadFile(f.factsFile)
		if err != nil {
			return nil, usageError{fmt.Errorf("--facts: %w", err)}
		}
		return found, checkRegion(found, region)
	case f.cluster == "" && region != "":
		return regionOnlyFacts(region), nil
	}
	found, err := facts.Lookup(ctx, facts.Request{
		Cluster:    f.cluster,
		Region:     region,
		Profile:    f.profile,
		Kubeconfig: f.kubeconfig,
		Context:    f.kubeContext,
		Timeout:    f.awsTimeout,
		TTL:        f.ttl,
		Refresh:    f.refresh,
		Warn:       func(msg string) { a.logf("warning: %s", msg) },
	})
	if err != nil {
		return nil, err
	}
	return found, checkRegion(found, region)
}

// checkRegion rejects a --region that contradicts the cluster's region.
func checkRegion(found *facts.Facts, region string) error {
	if region != "" && found.Region != "" && region != found.Region {
		return usagef("--region %s conflicts with the region %s of cluster %s; drop --region", region, found.Region, found.Cluster)
	}
	return nil
}

// regionOnlyFacts replaces the cluster facts when only --region is known: the
// partition follows from the region's name.
func regionOnlyFacts(region string) *facts.Facts {
	partition := "aws"
	switch {
	case strings.HasPrefix(region, "cn-"):
		partition = "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		partition = "aws-us-gov"
	}
	return &facts.Facts{Region: region, Partition: partition, Source: "flags", LookedUpAt: time.Now().UTC()}
}

// origin names the source of the region for messages.
func origin(f *facts.Facts) string {
	if f.Cluster == "" {
		return "--region"
	}
	return "cluster " + f.Cluster
}

// applyFacts completes the render options with the region and the schema
// validator built from the facts.
func applyFacts(opts *render.Options, found *facts.Facts) error {
	opts.Region = found.Region
	opts.RegionSource = origin(found)
	v, err := schema.Compile(schema.Settings{Facts: found, RunnerImageRepository: opts.ImageRepository})
	if err != nil {
		return fmt.Errorf("building the schema: %w", err)
	}
	opts.Validator = schemaValidator{v}
	return nil
}

// schemaValidator adapts schema.Validator to render.Validator.
type schemaValidator struct{ v *schema.Validator }

func (s schemaValidator) Check(obj any) (violations, warnings []render.Violation) {
	return convertViolations(s.v.Validate(obj)), convertViolations(s.v.Warnings(obj))
}

func convertViolations(in []schema.Violation) []render.Violation {
	out := make([]render.Violation, len(in))
	for i, v := range in {
		out[i] = render.Violation{Pointer: v.Pointer, Rule: v.Rule, Message: v.Message}
	}
	return out
}

func (a *app) factsCommand() *cobra.Command {
	flags := &clusterFlags{}
	var region, config string
	cmd := &cobra.Command{
		Use:   "facts",
		Short: "Print the cluster facts as JSON",
		Long: `facts looks the cluster up in AWS (EKS DescribeCluster, STS GetCallerIdentity,
IAM ListOpenIDConnectProviders and GetOpenIDConnectProvider), or reads
--facts, and prints what the other commands use. Save the output to run
them offline with --facts.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applySettings(cmd.Flags(), config); err != nil {
				return err
			}
			if flags.cluster == "" && flags.factsFile == "" {
				region = ""
			}
			found, err := a.resolveFacts(cmd.Context(), flags, region)
			if err != nil {
				return err
			}
			return a.printJSON(found)
		},
	}
	flags.register(cmd.Flags())
	cmd.Flags().StringVar(&region, "region", "", "region of the cluster (default: from the cluster ARN, the kubeconfig or the AWS config)")
	cmd.Flags().StringVar(&config, "config", "", "YAML file of settings whose keys are flag names")
	return cmd
}

func (a *app) schemaCommand() *cobra.Command {
	flags := &clusterFlags{}
	var region, repository, config string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema (draft 2020-12) that every rendered document must satisfy",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applySettings(cmd.Flags(), config); err != nil {
				return err
			}
			found, err := a.resolveFacts(cmd.Context(), flags, region)
			if err != nil {
				return err
			}
			raw, err := schema.Build(schema.Settings{Facts: found, RunnerImageRepository: repository})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.out, "%s\n", raw)
			return err
		},
	}
	flags.register(cmd.Flags())
	cmd.Flags().StringVar(&region, "region", "", "region, used alone when no cluster is looked up")
	cmd.Flags().StringVar(&repository, "image-repository", "", "repository of the runner image (default: any image named ci-runner-worker)")
	cmd.Flags().StringVar(&config, "config", "", "YAML file of settings whose keys are flag names")
	return cmd
}

func (a *app) printJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.out, "%s\n", data)
	return err
}
