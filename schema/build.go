// Package schema generates the JSON Schema that every rendered Kubernetes
// document must satisfy on a given EKS cluster, and validates decoded
// documents against it.
//
// The schema is draft 2020-12 and self-contained: it refers to nothing but
// its own $defs. Each subschema that encodes a rule carries the annotation
// keyword "x-rule" with the rule's ID, so that a validation error can be
// traced back to the rule it broke. Documents are decoded JSON values:
// map[string]any, []any, string, float64, int64, json.Number, bool and nil.
package schema

import (
	"encoding/json"
	"regexp"
	"slices"

	"github.com/firefly-oss/irsa-render/facts"
	"strconv"
	"time"
)

const (
	// SchemaID is the $id of the generated schema. The name is never
	// fetched: the .invalid top-level domain cannot resolve.
	SchemaID = "https://irsa-render.invalid/schemas/manifest.json"
	// RuleKeyword is the annotation keyword that names the rule a
	// subschema encodes.
	RuleKeyword = "x-rule"

	draft202012 = "https://json-schema.org/draft/2020-12/schema"
)

// ServiceAccount annotations read by the EKS pod identity webhook.
const (
	annotationRoleARN         = "eks.amazonaws.com/role-arn"
	annotationTokenExpiration = "eks.amazonaws.com/token-expiration"
	annotationRegionalSTS     = "eks.amazonaws.com/sts-regional-endpoints"
	annotationAudience        = "eks.amazonaws.com/audience"
)

// Bounds of eks.amazonaws.com/token-expiration, in seconds, as the EKS pod
// identity webhook defines them in pkg/constants.go of
// github.com/aws/amazon-eks-pod-identity-webhook: MinTokenExpiration is 600,
// the kube-apiserver's minimum for a projected token, and MaxTokenExpiration
// is 86400, the EKS maximum. The webhook silently raises a smaller value to
// 600 (pkg/validation.go) and ignores a value that is not an integer in
// favor of its default (pkg/cache/cache.go), so both are rejected here.
// Older versions of pkg/constants.go set the minimum to 3600.
const (
	MinTokenExpirationSeconds = 600
	MaxTokenExpirationSeconds = 86400
)

// The environment variables that carry the region to AWS SDKs.
const (
	envRegion        = "AWS_REGION"
	envDefaultRegion = "AWS_DEFAULT_REGION"
)

// runnerRepositoryName is the last path element of the runner image's
// repository when Settings.RunnerImageRepository is empty.
const runnerRepositoryName = "ci-runner-worker"

// Patterns of image references, a repository followed by an optional
// ":tag" and an optional "@digest". A tag cannot contain "/", so the colon
// of a registry port is never taken for a tag.
const (
	imageTagAndDigest = `(?::[^/@]*)?(?:@[^/]*)?$`
	pinnedByDigest    = `@sha256:[0-9a-f]{64}$`
	pinnedByTag       = `^[^@]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`
	latestTag         = `^[^@]*:latest$`
)

// Patterns of an IAM role ARN, arn:<partition>:iam::<account>:role/<path/><name>.
// A role path may be up to 512 characters including its leading and trailing
// "/", so the path part of the ARN, which lacks the leading "/", has at most
// 511 characters.
//
// NOTE: IAM accepts any printable ASCII character in a path, but path
// elements here are limited to the role-name characters [\w+=,.@-], so a
// real role with a path such as /ci~runners/ is reported as invalid.
const (
	arnShape          = `^arn:[^:]*:iam::[^:]*:[^:]*$`
	arnAccount        = `^arn:[^:]*:iam::[0-9]{12}:`
	arnRoleResource   = `^arn:[^:]*:iam::[^:]*:role/`
	arnRolePathChars  = `^arn:[^:]*:iam::[^:]*:role/(?:[\w+=,.@-]+/)*[^/]*$`
	arnRolePathLength = `^arn:[^:]*:iam::[^:]*:role/(?:[^:]{0,510}/)?[^/]*$`
	arnRoleName       = `^arn:[^:]*:iam::[^:]*:role/(?:[^:]*/)?[\w+=,.@-]{1,64}$`
)

// podTemplateHolder is a group of kinds that embed a pod: metadata and spec
// of the pod are found at path from the document root.
type podTemplateHolder struct {
	kinds []string
	// apiVersion is a pattern that keeps custom resources of the same kind
	// name in other API groups unchecked.
	apiVersion string
	path       []string
}

var podTemplateHolders = []podTemplateHolder{
	{kinds: []string{"DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"}, apiVersion: `^(?:apps|extensions)/`, path: []string{"spec", "template"}},
	{kinds: []string{"Job"}, apiVersion: `^batch/`, path: []string{"spec", "template"}},
	{kinds: []string{"CronJob"}, apiVersion: `^batch/`, path: []string{"spec", "jobTemplate", "spec", "template"}},
	{kinds: []string{"ReplicationController"}, apiVersion: `^v1$`, path: []string{"spec", "template"}},
	{kinds: []string{"PodTemplate"}, apiVersion: `^v1$`, path: []string{"template"}},
	{kinds: []string{"Pod"}, apiVersion: `^v1$`, path: nil},
}

// object is a JSON object of the schema under construction.
type object = map[string]any

// Build returns the JSON Schema, draft 2020-12, that one Kubernetes document
// must satisfy on the cluster that s.Facts describe. The output depends only
// on s, so equal settings give equal bytes.
func Build(s Settings) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(buildSchema(s), "", "  ")
}

func buildSchema(s Settings) object {
	f := s.Facts
	return object{
		"$schema":     draft202012,
		"$id":         SchemaID,
		"title":       "Kubernetes document for " + title(f),
		"description": "Generated by irsa-render from the cluster's facts; every subschema with " + RuleKeyword + " encodes one rule.",
		"x-facts": object{
			"cluster":    f.Cluster,
			"partition":  f.Partition,
			"region":     f.Region,
			"account":    f.Account,
			"lookedUpAt": f.LookedUpAt.UTC().Format(time.RFC3339),
		},
		"$ref": "#/$defs/document",
		"$defs": object{
			"document":        documentSchema(),
			"serviceAccount":  serviceAccountSchema(),
			"roleArn":         roleARNSchema(f.Partition),
			"tokenExpiration": tokenExpirationSchema(),
			"podTemplate":     podTemplateSchema(),
			"podSpec":         podSpecSchema(),
			"container":       containerSchema(s.RunnerImageRepository, f.Region),
		},
	}
}

func ref(name string) object {
	return object{"$ref": "#/$defs/" + name}
}

func nonEmptyString() object {
	return object{"type": "string", "minLength": 1}
}

// nested returns a schema that applies inner to the value at path.
func nested(path []string, inner object) object {
	schema := inner
	for _, name := range slices.Backward(path) {
		schema = object{"properties": object{name: schema}}
	}
	return schema
}

// documentSchema checks the fields every document needs, then dispatches on
// kind and apiVersion. The checked kinds are behind one enum, so that a
// document of any other kind costs one comparison.
func documentSchema() object {
	// The checks form an if/then/else chain, ServiceAccount and the apps
	// kinds first, so that evaluation stops at the first kind that matches.
	var dispatch object
	kinds := []string{"ServiceAccount"}
	for _, holder := range slices.Backward(podTemplateHolders) {
		kinds = append(kinds, holder.kinds...)
		step := object{
			"if":   kindIs(holder.kinds, holder.apiVersion),
			"then": nested(holder.path, ref("podTemplate")),
		}
		if dispatch != nil {
			step["else"] = dispatch
		}
		dispatch = step
	}
	dispatch = object{
		"if":   kindIs([]string{"ServiceAccount"}, `^v1$`),
		"then": ref("serviceAccount"),
		"else": dispatch,
	}
	slices.Sort(kinds)

	return object{
		"description": "One Kubernetes object, or a List of them.",
		"allOf": []any{
			object{
				RuleKeyword: RuleObject,
				"type":      "object",
			},
			object{
				RuleKeyword:  RuleAPIVersion,
				"required":   []any{"apiVersion"},
				"properties": object{"apiVersion": nonEmptyString()},
			},
			object{
				RuleKeyword:  RuleKind,
				"required":   []any{"kind"},
				"properties": object{"kind": nonEmptyString()},
			},
			object{
				"if": object{
					"required":   []any{"kind"},
					"properties": object{"kind": object{"type": "string", "pattern": "List$"}},
				},
				"then": object{
					RuleKeyword: RuleListItems,
					"required":  []any{"items"},
					"properties": object{"items": object{
						"type":  "array",
						"items": ref("document"),
					}},
				},
				"else": object{
					RuleKeyword: RuleName,
					"required":  []any{"metadata"},
					"properties": object{"metadata": object{
						"type":       "object",
						"required":   []any{"name"},
						"properties": object{"name": nonEmptyString()},
					}},
				},
			},
			object{
				"if": object{
					"required":   []any{"kind"},
					"properties": object{"kind": object{"enum": toAny(kinds)}},
				},
				"then": dispatch,
			},
		},
	}
}

func kindIs(kinds []string, apiVersion string) object {
	kind := object{"const": kinds[0]}
	if len(kinds) > 1 {
		kind = object{"enum": toAny(kinds)}
	}
	return object{
		"required": []any{"kind", "apiVersion"},
		"properties": object{
			"kind":       kind,
			"apiVersion": object{"type": "string", "pattern": apiVersion},
		},
	}
}

func serviceAccountSchema() object {
	return object{
		"description": "A ServiceAccount and the annotations of the EKS pod identity webhook.",
		"properties": object{"metadata": object{"properties": object{"annotations": object{"properties": object{
			annotationRoleARN:         ref("roleArn"),
			annotationTokenExpiration: ref("tokenExpiration"),
			annotationRegionalSTS: object{
				RuleKeyword: RuleRegionalSTS,
				"enum":      []any{"true", "false"},
			},
			annotationAudience: object{
				RuleKeyword: RuleAudience,
				"type":      "string",
				"minLength": 1,
			},
		}}}}},
	}
}

// roleARNSchema checks the shape of the ARN first and its parts only when the
// shape holds, so that a malformed value gets one violation, not six.
func roleARNSchema(partition string) object {
	return object{
		"description": "An IAM role ARN in the cluster's partition.",
		"allOf": []any{
			object{
				RuleKeyword: RuleRoleARNFormat,
				"type":      "string",
				"pattern":   arnShape,
			},
			object{
				"if": object{"type": "string", "pattern": arnShape},
				"then": object{"allOf": []any{
					object{RuleKeyword: RuleRoleARNPartition, "pattern": "^arn:" + regexp.QuoteMeta(partition) + ":"},
					object{RuleKeyword: RuleRoleARNAccount, "pattern": arnAccount},
					object{RuleKeyword: RuleRoleARNResource, "pattern": arnRoleResource},
					object{
						"if": object{"pattern": arnRoleResource},
						"then": object{"allOf": []any{
							object{
								RuleKeyword: RuleRoleARNPath,
								"allOf": []any{
									object{"pattern": arnRolePathChars},
									object{"pattern": arnRolePathLength},
								},
							},
							object{RuleKeyword: RuleRoleARNName, "pattern": arnRoleName},
						}},
					},
				}},
			},
		},
	}
}

func tokenExpirationSchema() object {
	digits := `^[0-9]+$`
	return object{
		"description": "Lifetime of the projected token in seconds, from " +
			strconv.Itoa(MinTokenExpirationSeconds) + " to " + strconv.Itoa(MaxTokenExpirationSeconds) + ", as a string.",
		"allOf": []any{
			object{RuleKeyword: RuleTokenExpirationType, "type": "string"},
			object{RuleKeyword: RuleTokenExpirationFormat, "pattern": digits},
			object{
				"if": object{"type": "string", "pattern": digits},
				"then": object{
					RuleKeyword: RuleTokenExpirationRange,
					"pattern":   decimalRangePattern(MinTokenExpirationSeconds, MaxTokenExpirationSeconds),
				},
			},
		},
	}
}

// podTemplateSchema applies to an object with the metadata and spec of a
// pod: a pod template, or a Pod itself. The webhook also reads
// token-expiration from the pod's annotations.
func podTemplateSchema() object {
	return object{
		"description": "Metadata and spec of a pod.",
		"properties": object{
			"metadata": object{"properties": object{"annotations": object{"properties": object{
				annotationTokenExpiration: ref("tokenExpiration"),
			}}}},
			"spec": ref("podSpec"),
		},
	}
}

func podSpecSchema() object {
	return object{
		"description": "A pod spec: every container and init container is checked.",
		"properties": object{
			"containers":     object{"items": ref("container")},
			"initContainers": object{"items": ref("container")},
		},
	}
}

// runnerImagePattern matches the images of the runner's repository with any
// tag or digest.
func runnerImagePattern(repository string) string {
	if repository == "" {
		return `^(?:[^/@]+/)*` + regexp.QuoteMeta(runnerRepositoryName) + imageTagAndDigest
	}
	return "^" + regexp.QuoteMeta(repository) + imageTagAndDigest
}

// containerSchema checks every container. The schema of an env entry is
// inlined rather than referenced because a $ref costs one more evaluation
// for each entry of every container.
func containerSchema(repository, region string) object {
	hasEnv := func(name string) object {
		return object{"contains": object{
			"required":   []any{"name"},
			"properties": object{"name": object{"const": name}},
		}}
	}
	return object{
		"description": "A container; the runner's containers must pin their image and set the region.",
		"properties":  object{"env": object{"items": envVarSchema(region)}},
		"if": object{
			"required":   []any{"image"},
			"properties": object{"image": object{"type": "string", "pattern": runnerImagePattern(repository)}},
		},
		"then": object{"allOf": []any{
			object{
				RuleKeyword: RuleRunnerImagePinned,
				"properties": object{"image": object{"anyOf": []any{
					object{"pattern": pinnedByDigest},
					object{"pattern": pinnedByTag, "not": object{"pattern": latestTag}},
				}}},
			},
			object{
				RuleKeyword: RuleRunnerEnvRegion,
				"required":  []any{"env"},
				"properties": object{"env": object{
					"type":  "array",
					"allOf": []any{hasEnv(envRegion), hasEnv(envDefaultRegion)},
				}},
			},
		}},
	}
}

// envVarSchema checks the literal value of a region variable. An entry whose
// value comes from valueFrom cannot be checked here.
func envVarSchema(region string) object {
	return object{
		"description": "An environment variable; a literal region must be the cluster's.",
		RuleKeyword:   RuleEnvRegion,
		"if": object{
			"required":   []any{"name", "value"},
			"properties": object{"name": object{"enum": []any{envRegion, envDefaultRegion}}},
			"not":        object{"required": []any{"valueFrom"}},
		},
		"then": object{"properties": object{"value": object{"const": region}}},
	}
}

func toAny(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// title names the target of the schema: the cluster, or the region alone.
func title(f *facts.Facts) string {
	if f.Cluster == "" {
		return "region " + f.Region
	}
	return "EKS cluster " + f.Cluster
}
