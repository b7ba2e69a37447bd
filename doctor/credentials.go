package doctor

import (
	"fmt"
	"strings"
)

// Variables that give the AWS SDKs static keys. The default chain of the
// AWS SDK for Go v2 (config v1.33.19, resolve_credentials.go,
// resolveCredentialChain) uses them before the web identity token file
// when both are non-empty (aws.Credentials.HasKeys).
const (
	accessKeyIDName     = "AWS_ACCESS_KEY_ID"
	secretAccessKeyName = "AWS_SECRET_ACCESS_KEY"
)

// checkStaticCredentials reports static AWS keys in a runner container's
// environment, which would shadow IRSA. It names each key and where it is
// set, and never a Secret's value.
func (r *run) checkStaticCredentials() Result {
	result := Result{Check: CheckStaticCredentials}
	if r.in.Runner == nil {
		result.Status = Skipped
		result.Message = "not checked because no rendered stream was given; pass -f rendered.yaml"
		return result
	}
	var shadowing, partial, fixes, unchecked, sources []string
	several := len(r.in.Runner.Containers) > 1
	for _, c := range r.in.Runner.Containers {
		var found []string
		pair := 0
		for _, name := range []string{accessKeyIDName, secretAccessKeyName} {
			effective, ok := c.Lookup(name)
			if !ok {
				continue
			}
			for _, v := range c.Definitions(name) {
				if fix := removeFix(v); !containsString(fixes, fix) {
					fixes = append(fixes, fix)
				}
			}
			where := fmt.Sprintf("%s from %s", name, effective.Source)
			if effective.Empty {
				where += ", empty"
			} else {
				pair++
			}
			if several {
				where += fmt.Sprintf(", in container %q of %s", c.Container, c.Workload())
			}
			found = append(found, where)
		}
		if pair == 2 {
			shadowing = append(shadowing, found...)
		} else {
			partial = append(partial, found...)
		}
		for _, source := range c.Unchecked {
			if !containsString(unchecked, source) {
				unchecked = append(unchecked, source)
			}
		}
		sources = appendSources(sources, c)
	}

	switch {
	case len(shadowing) > 0:
		result.Status = Failed
		result.Message = fmt.Sprintf("the runner gets static AWS keys (%s); the AWS SDKs use keys from the environment before the IRSA web identity token, "+
			"so the runner acts as the keys' IAM identity and never assumes the role", strings.Join(shadowing, "; "))
	case len(partial) > 0:
		result.Status = Warning
		result.Message = fmt.Sprintf("the runner's environment defines %s; the AWS SDK for Go v2 uses static keys only when both %s and %s are non-empty, "+
			"so IRSA still applies there, but a value filled in later would take precedence over IRSA",
			strings.Join(partial, "; "), accessKeyIDName, secretAccessKeyName)
	default:
		result.Status = Passed
		result.Message = fmt.Sprintf("the runner gets neither %s nor %s from %s", accessKeyIDName, secretAccessKeyName, strings.Join(sources, ", "))
		if len(unchecked) > 0 {
			result.Message += fmt.Sprintf("\n%s, which the runner container reads, is not in the stream, so its keys were not checked",
				strings.Join(unchecked, " and "))
		}
		return result
	}
	result.Fix = strings.Join(fixes, "\n")
	return result
}

// removeFix returns the step that removes one definition of a static key.
func removeFix(v EnvVar) string {
	switch {
	case v.EnvFrom && v.SourceKind == "ConfigMap":
		return fmt.Sprintf("remove the key %s from ConfigMap %s (chart value configMap.data.%s)", v.Key, v.SourceName, v.Key)
	case v.EnvFrom && v.SourceKind == "Secret":
		return fmt.Sprintf("remove the key %s from Secret %s (chart value secret.data.%s)", v.Key, v.SourceName, v.Key)
	}
	return fmt.Sprintf("remove the env entry %s from the runner container (%s)", v.Name, v.Source)
}

// appendSources adds the places a container's environment comes from.
func appendSources(sources []string, c RunnerContainer) []string {
	add := func(source string) {
		if !containsString(sources, source) {
			sources = append(sources, source)
		}
	}
	add(fmt.Sprintf("the env of container %q", c.Container))
	for _, v := range c.Env {
		if v.SourceKind != "" {
			add(v.SourceKind + " " + v.SourceName)
		}
	}
	return sources
}
