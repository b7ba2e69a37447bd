package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	yaml "go.yaml.in/yaml/v3"
)

// envPrefix starts the environment variable of every flag:
// --role-arn is IRSA_RENDER_ROLE_ARN.
const envPrefix = "IRSA_RENDER_"

// envName returns the environment variable that sets a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// notFromEnvironment lists flags that only make sense on the command line.
var notFromEnvironment = map[string]bool{"help": true, "config": true, "version": true}

// applySettings fills every flag that was not given on the command line from
// its environment variable, then from the config file, so the precedence is
// flags, environment, config file.
func (a *app) applySettings(flags *pflag.FlagSet, configPath string) error {
	if configPath == "" {
		configPath = a.env[envName("config")]
	}
	config, err := readConfig(configPath, flags)
	if err != nil {
		return err
	}
	var firstErr error
	flags.VisitAll(func(f *pflag.Flag) {
		if firstErr != nil || f.Changed || notFromEnvironment[f.Name] {
			return
		}
		if value, ok := a.env[envName(f.Name)]; ok {
			if err := setFlag(f, value); err != nil {
				firstErr = usagef("environment variable %s: %v", envName(f.Name), err)
			}
			return
		}
		if value, ok := config[f.Name]; ok {
			if err := setFlag(f, value); err != nil {
				firstErr = usagef("config file %s: key %s: %v", configPath, f.Name, err)
			}
		}
	})
	return firstErr
}

// setFlag sets a flag from text; a list flag takes comma-separated values.
func setFlag(f *pflag.Flag, value string) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		var items []string
		for _, item := range strings.Split(value, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		return sv.Replace(items)
	}
	return f.Value.Set(value)
}

// readConfig reads a YAML config file whose keys are flag names. Values are
// scalars or, for list flags, lists of scalars.
func readConfig(path string, flags *pflag.FlagSet) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--config: %v", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, usagef("config file %s is not valid YAML: %v", path, err)
	}
	config := make(map[string]string, len(raw))
	var unknown []string
	for key, value := range raw {
		if flags.Lookup(key) == nil || notFromEnvironment[key] {
			unknown = append(unknown, key)
			continue
		}
		text, err := configValue(value)
		if err != nil {
			return nil, usagef("config file %s: key %s: %v", path, key, err)
		}
		config[key] = text
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		for i, key := range unknown {
			if suggestion := configKeySuggestion(flags, key); suggestion != "" {
				unknown[i] = fmt.Sprintf("%s (did you mean %s?)", key, suggestion)
			}
		}
		return nil, usagef("config file %s: unknown key(s) %s; keys are flag names without the leading --, such as role-arn", path, strings.Join(unknown, ", "))
	}
	return config, nil
}

func configValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			s, err := configValue(item)
			if err != nil {
				return "", err
			}
			if strings.Contains(s, ",") {
				return "", fmt.Errorf("list item %q contains a comma", s)
			}
			items[i] = s
		}
		return strings.Join(items, ","), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("value of type %T is not a string, number, boolean or list", v)
}

// configKeySuggestion returns the flag a config key probably means: the key
// in kebab case (role_arn, roleArn), or a flag name at most two edits away.
func configKeySuggestion(flags *pflag.FlagSet, key string) string {
	var kebab strings.Builder
	for i, r := range key {
		switch {
		case r == '_':
			kebab.WriteByte('-')
		case r >= 'A' && r <= 'Z':
			if i > 0 {
				kebab.WriteByte('-')
			}
			kebab.WriteRune(r + 'a' - 'A')
		default:
			kebab.WriteRune(r)
		}
	}
	if f := flags.Lookup(kebab.String()); f != nil && !notFromEnvironment[f.Name] {
		return f.Name
	}
	best, bestDistance := "", 3
	flags.VisitAll(func(f *pflag.Flag) {
		if d := editDistance(kebab.String(), f.Name); d < bestDistance && !notFromEnvironment[f.Name] {
			best, bestDistance = f.Name, d
		}
	})
	return best
}
