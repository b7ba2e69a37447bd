package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/firefly-oss/irsa-render/render"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Argo CD runs a config management plugin (CMP) in a repo-server sidecar,
// in the application's source folder. Argo CD 2.4 and later pass the
// application's plugin env with the prefix ARGOCD_ENV_, and older versions
// pass the bare names. The application's parameters arrive as JSON in
// ARGOCD_APP_PARAMETERS.

const (
	argocdEnvPrefix = "ARGOCD_ENV_"
	// defaultReleaseName is what helm template names a release when it is
	// given none; objects carrying it were rendered without the app name.
	defaultReleaseName = "release-name"
	// markerFile marks an application folder for this plugin and holds its
	// settings in the --config format.
	markerFile = "irsa-render.yaml"
)

// argocdParameter is one entry of ARGOCD_APP_PARAMETERS.
type argocdParameter struct {
	Name   string            `json:"name"`
	String *string           `json:"string,omitempty"`
	Array  []string          `json:"array,omitempty"`
	Map    map[string]string `json:"map,omitempty"`
}

func (a *app) argocdCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "argocd",
		Short: "Run as an Argo CD config management plugin",
		Args:  noArgs,
	}
	cmd.AddCommand(a.argocdGenerateCommand(), a.argocdParametersCommand())
	return cmd
}

// generateFlags are the generate command's own settings on top of the
// post-renderer's.
type generateFlags struct {
	renderFlags
	valuesFiles []string
	sets        []string
	helm        string
}

func (a *app) argocdGenerateCommand() *cobra.Command {
	flags := &generateFlags{}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Render the chart in the current folder with helm template and post-render it",
		Long: `generate runs helm template on the chart in the current folder with the Argo CD
application's name and namespace (ARGOCD_APP_NAME, ARGOCD_APP_NAMESPACE),
then rewrites the result as the post-renderer does and writes only
manifests to stdout.

Settings come from the application's parameters (ARGOCD_APP_PARAMETERS),
then its plugin env (ARGOCD_ENV_IRSA_RENDER_ROLE_ARN and so on, or the bare
IRSA_RENDER_ names), then the file irsa-render.yaml in the folder.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.argocdGenerate(cmd.Context(), cmd.Flags(), flags)
		},
	}
	flags.register(cmd.Flags())
	cmd.Flags().StringArrayVar(&flags.valuesFiles, "values", nil, "values file for helm template, relative to the application folder; repeatable")
	cmd.Flags().StringArrayVar(&flags.sets, "set", nil, "value for helm template as key=value; repeatable")
	cmd.Flags().StringVar(&flags.helm, "helm", "helm", "Helm binary to run")
	return cmd
}

func (a *app) argocdGenerate(ctx context.Context, fs *pflag.FlagSet, flags *generateFlags) error {
	a.env = argocdEnvironment(a.env)
	if err := applyParameters(fs, a.env["ARGOCD_APP_PARAMETERS"]); err != nil {
		return err
	}
	config := flags.config
	if config == "" && a.env[envName("config")] == "" {
		if _, err := os.Stat(markerFile); err == nil {
			config = markerFile
		}
	}
	if err := a.applySettings(fs, config); err != nil {
		return err
	}
	if err := a.openLog(flags.logFile); err != nil {
		return err
	}
	name, namespace := a.env["ARGOCD_APP_NAME"], a.env["ARGOCD_APP_NAMESPACE"]
	if name == "" {
		return usagef("ARGOCD_APP_NAME is not set: run generate as an Argo CD plugin, or set it to the application name")
	}
	if flags.opts.Namespace == "" {
		flags.opts.Namespace = namespace
	}
	rendered, err := a.helmTemplate(ctx, flags, name, namespace)
	if err != nil {
		return err
	}
	if bytes.Contains(rendered, []byte(defaultReleaseName)) {
		return fmt.Errorf("the rendered manifests name the release %q: Helm got no release name; set ARGOCD_APP_NAME to the application name", defaultReleaseName)
	}
	return a.renderAndWrite(ctx, &flags.renderFlags, rendered)
}

// argocdEnvironment returns env with every ARGOCD_ENV_X also set as X, so
// that the plugin env reaches the settings under the CLI's own names. The
// prefixed form wins over a bare variable of the same name.
func argocdEnvironment(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	for k, v := range env {
		if bare, ok := strings.CutPrefix(k, argocdEnvPrefix); ok && bare != "" {
			out[bare] = v
		}
	}
	return out
}

// applyParameters sets flags from ARGOCD_APP_PARAMETERS. A parameter named
// like a flag sets it; "values-files" and "helm-parameters" feed
// helm template. The literal null, sent when the application has none, is
// no parameters.
func applyParameters(fs *pflag.FlagSet, raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		return nil
	}
	var params []argocdParameter
	if err := json.Unmarshal([]byte(raw), &params); err != nil {
		return usagef("ARGOCD_APP_PARAMETERS is not a JSON list of parameters: %v", err)
	}
	for _, p := range params {
		if err := applyParameter(fs, p); err != nil {
			return usagef("ARGOCD_APP_PARAMETERS: parameter %q: %v", p.Name, err)
		}
	}
	return nil
}

func applyParameter(fs *pflag.FlagSet, p argocdParameter) error {
	switch p.Name {
	case "values-files":
		for _, file := range p.Array {
			if err := fs.Set("values", file); err != nil {
				return err
			}
		}
		return nil
	case "helm-parameters":
		keys := make([]string, 0, len(p.Map))
		for k := range p.Map {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := fs.Set("set", k+"="+p.Map[k]); err != nil {
				return err
			}
		}
		return nil
	}
	flag := fs.Lookup(p.Name)
	if flag == nil || notFromEnvironment[p.Name] {
		return errors.New("no such setting; parameter names are flag names such as role-arn")
	}
	switch {
	case p.String != nil:
		if *p.String == "" {
			return nil
		}
		return fs.Set(p.Name, *p.String)
	case p.Array != nil:
		for _, item := range p.Array {
			if err := fs.Set(p.Name, item); err != nil {
				return err
			}
		}
	}
	return nil
}

// helmTemplate runs helm template on the chart in the working folder.
func (a *app) helmTemplate(ctx context.Context, flags *generateFlags, name, namespace string) ([]byte, error) {
	args := []string{"template", name, "."}
	if namespace != "" {
		args = append(args, "--namespace", namespace)
	}
	for _, f := range flags.valuesFiles {
		args = append(args, "--values", f)
	}
	for _, s := range flags.sets {
		// --set-string keeps values such as "true" or "0022" strings and
		// treats everything after the first "=" as the value.
		args = append(args, "--set-string", s)
	}
	cmd := exec.CommandContext(ctx, flags.helm, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("helm template failed: %s", msg)
	}
	return stdout.Bytes(), nil
}

func (a *app) argocdParametersCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "parameters",
		Short: "Print the parameter announcement for the Argo CD UI (parameters.dynamic)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := argocdEnvironment(a.env)
			announcement := []map[string]any{
				stringParameter("role-arn", "IAM role ARN", "IAM role the runner's ServiceAccount assumes", env, true),
				stringParameter("image-tag", "Runner image tag", "release tag or sha256 digest that pins the runner image", env, false),
				stringParameter("cluster", "EKS cluster", "EKS cluster whose facts (region, OIDC issuer) are looked up", env, false),
				stringParameter("region", "AWS region", "region of the cluster, when it is not looked up", env, false),
				{"name": "values-files", "title": "Values files", "tooltip": "values files for helm template, relative to the application folder", "collectionType": "array", "itemType": "string"},
				{"name": "helm-parameters", "title": "Helm parameters", "tooltip": "chart values set as strings (helm --set-string)", "collectionType": "map", "itemType": "string"},
			}
			data, err := json.MarshalIndent(announcement, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.out, "%s\n", data)
			return err
		},
	}
}

// stringParameter announces one string setting with its current value from
// the plugin env.
func stringParameter(name, title, tooltip string, env map[string]string, required bool) map[string]any {
	p := map[string]any{"name": name, "title": title, "tooltip": tooltip, "collectionType": "string", "itemType": "string"}
	if required {
		p["required"] = true
	}
	if v := env[envName(name)]; v != "" {
		p["string"] = v
	}
	return p
}

// renderAndWrite resolves the cluster facts, post-renders a stream and
// writes it to stdout.
func (a *app) renderAndWrite(ctx context.Context, flags *renderFlags, in []byte) error {
	if err := flags.opts.CheckSettings(); err != nil {
		return usageError{err}
	}
	found, err := a.resolveFacts(ctx, &flags.cluster, flags.opts.Region)
	if err != nil {
		return err
	}
	if err := applyFacts(&flags.opts, found); err != nil {
		return err
	}
	if flags.pin.enabled() {
		images, err := render.RunnerImages(in, flags.opts)
		if err != nil {
			return err
		}
		if flags.opts.ImageDigests, err = flags.pin.resolve(ctx, images); err != nil {
			return err
		}
	}
	flags.opts.MaxInputBytes = flags.maxInputBytes
	r, err := render.New(flags.opts)
	if err != nil {
		return usageError{err}
	}
	// RenderTo writes nothing unless the whole stream is free of problems.
	out := bufio.NewWriterSize(a.out, 256<<10)
	result, err := r.RenderTo(out, in)
	a.logResult(result)
	if err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	return nil
}
