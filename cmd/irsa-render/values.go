package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/firefly-oss/irsa-render/schema"
	"github.com/firefly-oss/irsa-render/values"
	"github.com/spf13/cobra"
)

// valuesFlags are the settings of irsa-render values.
type valuesFlags struct {
	cluster       clusterFlags
	region        string
	settings      values.Settings
	output        string
	merge         string
	overwrite     bool
	writeSchema   bool
	schemaFile    string
	subchartAlias string
	check         string
	accounts      []string
	outputDir     string
	config        string
	pin           pinFlags
	// imageRepository names the runner image for --resolve-digest.
	imageRepository string
}

func (a *app) valuesCommand() *cobra.Command {
	flags := &valuesFlags{}
	cmd := &cobra.Command{
		Use:   "values",
		Short: "Write a values file for the ci-runner-worker chart with the same IRSA settings",
		Long: `values writes what the post-renderer would change as chart values:
serviceAccount.annotations, repository.tag, configMap.data.AWS_REGION and
AWS_DEFAULT_REGION (the runner reads the ConfigMap through envFrom) and
customImage.env for the Docker-in-Docker sidecar. Use it where no
post-renderer can run: helm install ... -f irsa-values.yaml.`,
		Example: `  irsa-render values --cluster demo --role-arn arn:aws:iam::111122223333:role/firefly-runner --image-tag v0.6.26 -o irsa-values.yaml
  irsa-render values --facts facts.json --role-arn ... --image-tag v0.6.26 --merge values.yaml -o values.yaml
  irsa-render values --facts facts.json --check values.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applySettings(cmd.Flags(), flags.config); err != nil {
				return err
			}
			return a.values(cmd, flags)
		},
	}
	fs := cmd.Flags()
	flags.cluster.register(fs)
	fs.StringVar(&flags.region, "region", "", "region, used alone when no cluster is looked up")
	fs.StringVar(&flags.settings.RoleARN, "role-arn", "", "IAM role ARN the runner assumes")
	fs.StringVar(&flags.settings.ImageTag, "image-tag", "", "release tag of the runner image")
	fs.BoolVar(&flags.settings.STSRegionalEndpoints, "sts-regional-endpoints", false, "annotate eks.amazonaws.com/sts-regional-endpoints: \"true\"")
	fs.Int64Var(&flags.settings.TokenExpiration, "token-expiration", 0, "lifetime of the projected token in seconds, 600 to 86400")
	fs.StringVar(&flags.settings.Audience, "audience", "", "audience of the projected token")
	fs.StringVar(&flags.settings.ServiceAccountName, "service-account", "", "serviceAccount.name (default: the chart's ci-runner-worker)")
	fs.StringVarP(&flags.output, "output", "o", "", "file to write (default: stdout)")
	fs.StringVar(&flags.merge, "merge", "", "existing values file to merge into, keeping its other keys, comments and order")
	fs.BoolVar(&flags.overwrite, "overwrite", false, "replace conflicting values in the --merge file instead of failing")
	fs.BoolVar(&flags.writeSchema, "schema", false, "also write the values JSON Schema to --schema-file")
	fs.StringVar(&flags.schemaFile, "schema-file", "values.schema.json", "where --schema writes the values schema")
	fs.StringVar(&flags.subchartAlias, "subchart-alias", "", "nest the values schema under this key, for an umbrella chart that depends on ci-runner-worker")
	fs.StringVar(&flags.check, "check", "", "validate this values file against the values schema instead of writing one")
	fs.StringArrayVar(&flags.accounts, "account", nil, "NAME=ROLE_ARN of one runner per AWS account; repeatable; writes values-NAME.yaml into --output-dir")
	fs.StringVar(&flags.outputDir, "output-dir", ".", "folder for the files that --account writes")
	fs.StringVar(&flags.config, "config", "", "YAML file of settings whose keys are flag names")
	fs.StringVar(&flags.imageRepository, "image-repository", defaultRunnerRepository, "repository of the runner image, for --resolve-digest")
	flags.pin.register(fs)
	return cmd
}

// defaultRunnerRepository is the chart's default runner image repository.
const defaultRunnerRepository = "public.ecr.aws/firefly/ci-runner-worker"

func (a *app) values(cmd *cobra.Command, flags *valuesFlags) error {
	found, err := a.resolveFacts(cmd.Context(), &flags.cluster, flags.region)
	if err != nil {
		return err
	}
	flags.settings.Facts = found
	flags.settings.Now = time.Now().UTC()
	if flags.check != "" {
		return a.checkValues(flags)
	}
	if flags.pin.enabled() {
		image := flags.imageRepository + ":" + flags.settings.ImageTag
		digests, err := flags.pin.resolve(cmd.Context(), []string{image})
		if err != nil {
			return err
		}
		flags.settings.ImageDigest = digests[image]
	}
	if flags.writeSchema {
		if err := a.writeValuesSchema(flags); err != nil {
			return err
		}
	}
	if len(flags.accounts) > 0 {
		return a.writeAccountValues(flags)
	}
	text, err := a.valuesText(flags, flags.settings)
	if err != nil {
		return err
	}
	if flags.output == "" {
		_, err = a.out.Write(text)
		return err
	}
	return writeFileAtomic(flags.output, text)
}

// valuesText generates the values, or merges them into --merge.
func (a *app) valuesText(flags *valuesFlags, s values.Settings) ([]byte, error) {
	if flags.merge == "" {
		return wrapValuesError(values.Generate(s))
	}
	existing, err := os.ReadFile(flags.merge)
	if err != nil {
		return nil, usagef("--merge: %v", err)
	}
	text, err := values.Merge(existing, s, flags.overwrite)
	if err != nil {
		return nil, fmt.Errorf("--merge %s: %w", flags.merge, err)
	}
	return text, nil
}

// wrapValuesError marks settings errors as usage errors.
func wrapValuesError(text []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, usageError{err}
	}
	return text, nil
}

func (a *app) writeValuesSchema(flags *valuesFlags) error {
	raw, err := schema.BuildValues(schema.Settings{Facts: flags.settings.Facts})
	if err != nil {
		return err
	}
	if flags.subchartAlias != "" {
		if raw, err = schema.WrapForSubchart(raw, flags.subchartAlias); err != nil {
			return usagef("--subchart-alias: %v", err)
		}
	}
	if err := writeFileAtomic(flags.schemaFile, append(raw, '\n')); err != nil {
		return err
	}
	a.logf("wrote %s", flags.schemaFile)
	return nil
}

// checkValues validates a values file and reports every violation.
func (a *app) checkValues(flags *valuesFlags) error {
	data, err := os.ReadFile(flags.check)
	if err != nil {
		return usagef("--check: %v", err)
	}
	v, err := schema.CompileValues(schema.Settings{Facts: flags.settings.Facts})
	if err != nil {
		return err
	}
	violations, err := values.Check(data, v)
	if err != nil {
		return fmt.Errorf("%s: %w", flags.check, err)
	}
	if len(violations) == 0 {
		a.logf("%s: passes the values schema of %s", flags.check, origin(flags.settings.Facts))
		return nil
	}
	errs := make([]error, len(violations))
	for i, v := range violations {
		errs[i] = fmt.Errorf("%s: %s: %s", flags.check, v.Pointer, v.Message)
	}
	return errors.Join(errs...)
}

// writeAccountValues writes one values file per account runner, each with
// its own ServiceAccount and role.
func (a *app) writeAccountValues(flags *valuesFlags) error {
	runners, err := parseAccounts(flags.accounts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(flags.outputDir, 0o755); err != nil {
		return fmt.Errorf("--output-dir: %w", err)
	}
	var errs []error
	for _, r := range runners {
		s := flags.settings
		s.RoleARN = r.roleARN
		s.ServiceAccountName = r.serviceAccountName()
		s.ReleaseSuffix = r.name
		text, err := a.valuesText(flags, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("account %s: %w", r.name, err))
			continue
		}
		path := filepath.Join(flags.outputDir, "values-"+r.name+".yaml")
		if err := writeFileAtomic(path, text); err != nil {
			errs = append(errs, err)
			continue
		}
		a.logf("wrote %s for release runner-%s", path, r.name)
	}
	return errors.Join(errs...)
}

// writeFileAtomic writes data to a temp file beside path and renames it, so
// a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
