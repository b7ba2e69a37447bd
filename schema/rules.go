package schema

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/firefly-oss/irsa-render/facts"
)

// Rule IDs, the values of the x-rule keyword and of Violation.Rule.
const (
	RuleObject                = "document-object"
	RuleAPIVersion            = "document-api-version"
	RuleKind                  = "document-kind"
	RuleName                  = "document-name"
	RuleListItems             = "list-items"
	RuleRoleARNFormat         = "role-arn-format"
	RuleRoleARNPartition      = "role-arn-partition"
	RuleRoleARNAccount        = "role-arn-account"
	RuleRoleARNResource       = "role-arn-resource"
	RuleRoleARNPath           = "role-arn-path"
	RuleRoleARNName           = "role-arn-name"
	RuleTokenExpirationType   = "token-expiration-type"
	RuleTokenExpirationFormat = "token-expiration-format"
	RuleTokenExpirationRange  = "token-expiration-range"
	RuleRegionalSTS           = "sts-regional-endpoints"
	RuleAudience              = "audience"
	RuleEnvRegion             = "env-region"
	RuleRunnerImagePinned     = "runner-image-pinned"
	RuleRunnerEnvRegion       = "runner-env-region"

	// RuleJSONValue is reported for a Go value that has no JSON form, such
	// as a map[any]any left over from a YAML decoder.
	RuleJSONValue = "json-value"
	// RuleSchema is reported for an error under no x-rule subschema. The
	// generated schema has no such subschema, so this rule appears only if
	// a change to the schema leaves the keyword out.
	RuleSchema = "schema"
)

// Warning rule IDs, the values of Violation.Rule from Warnings.
const (
	WarnRoleARNCrossAccount = "role-arn-cross-account"
	WarnEnvRegionValueFrom  = "env-region-value-from"
)

// finding is the input of a message: base is the value that the x-rule
// subschema applied to, and value is the value at the reported pointer.
type finding struct {
	facts *facts.Facts
	base  any
	value any
	found bool
}

// rule is the pointer suffix and the message builder of one rule ID.
type rule struct {
	// suffix is appended to the instance location of the x-rule subschema
	// to form the violation's pointer.
	suffix  []string
	message func(f finding) string
}

var rules = map[string]rule{
	RuleObject: {message: func(f finding) string {
		return "document must be an object, got " + describe(f.value)
	}},
	RuleAPIVersion: {suffix: []string{"apiVersion"}, message: func(f finding) string {
		return missingOrInvalid(f, "document has no apiVersion", "apiVersion must be a non-empty string")
	}},
	RuleKind: {suffix: []string{"kind"}, message: func(f finding) string {
		return missingOrInvalid(f, "document has no kind", "kind must be a non-empty string")
	}},
	RuleName: {suffix: []string{"metadata", "name"}, message: func(f finding) string {
		kind := documentLabel(f.base)
		if metadata, ok := field(f.base, "metadata"); ok {
			if _, isObject := metadata.(map[string]any); !isObject {
				return fmt.Sprintf("metadata of %s must be an object, got %s", kind, describe(metadata))
			}
		}
		return missingOrInvalid(f, kind+" has no metadata.name", "metadata.name of "+kind+" must be a non-empty string")
	}},
	RuleListItems: {suffix: []string{"items"}, message: func(f finding) string {
		kind := documentLabel(f.base)
		return missingOrInvalid(f, kind+" has no items", "items of "+kind+" must be an array")
	}},
	RuleRoleARNFormat:    {message: roleARNFormatMessage},
	RuleRoleARNPartition: {message: roleARNPartitionMessage},
	RuleRoleARNAccount: {message: func(f finding) string {
		arn := arnParts(f.value)
		return fmt.Sprintf("account %s in role ARN %s is not a 12-digit AWS account ID", show(arn.account), show(f.value))
	}},
	RuleRoleARNResource: {message: func(f finding) string {
		arn := arnParts(f.value)
		return fmt.Sprintf("role ARN %s names %s, which is not an IAM role: use arn:%s:iam::%s:role/<name>",
			show(f.value), show(arn.resource), f.facts.Partition, accountOrPlaceholder(f.facts))
	}},
	RuleRoleARNPath: {message: func(f finding) string {
		arn := arnParts(f.value)
		path := strings.TrimPrefix(arn.resource, "role/")
		path = "/" + path[:strings.LastIndex(path, "/")+1]
		return fmt.Sprintf("role path %s in role ARN %s is invalid: each path element needs 1 or more letters, digits or +=,.@_- and the path is at most 512 characters",
			show(path), show(f.value))
	}},
	RuleRoleARNName: {message: func(f finding) string {
		arn := arnParts(f.value)
		name := arn.resource[strings.LastIndex(arn.resource, "/")+1:]
		return fmt.Sprintf("role name %s in role ARN %s is invalid: use 1 to 64 letters, digits or +=,.@_-", show(name), show(f.value))
	}},
	RuleTokenExpirationType: {message: func(f finding) string {
		switch f.value.(type) {
		case map[string]any, []any, nil:
			return fmt.Sprintf("%s must be a string of whole seconds, got %s", annotationTokenExpiration, describe(f.value))
		}
		return fmt.Sprintf("%s is %s, but annotation values are strings: quote it as %q",
			annotationTokenExpiration, describe(f.value), show(f.value))
	}},
	RuleTokenExpirationFormat: {message: func(f finding) string {
		return fmt.Sprintf("%s %s is not a whole number of seconds, such as \"3600\"", annotationTokenExpiration, show(f.value))
	}},
	RuleTokenExpirationRange: {message: tokenExpirationRangeMessage},
	RuleRegionalSTS: {message: func(f finding) string {
		return fmt.Sprintf("%s must be the string \"true\" or \"false\", got %s", annotationRegionalSTS, describe(f.value))
	}},
	RuleAudience: {message: func(f finding) string {
		return fmt.Sprintf("%s must be a non-empty string, got %s", annotationAudience, describe(f.value))
	}},
	RuleEnvRegion: {suffix: []string{"value"}, message: func(f finding) string {
		name, _ := field(f.base, "name")
		return fmt.Sprintf("%s=%s does not match the cluster's region %s (%s)",
			show(name), show(f.value), f.facts.Region, origin(f.facts))
	}},
	RuleRunnerImagePinned: {suffix: []string{"image"}, message: func(f finding) string {
		image, _ := f.value.(string)
		if _, digest, hasDigest := strings.Cut(image, "@"); hasDigest {
			return fmt.Sprintf("runner image %s is not pinned: digest %s is not sha256:<64 lowercase hex digits>; set a tag other than latest or a valid digest", image, show(digest))
		}
		return fmt.Sprintf("runner image %s is not pinned: set a tag other than latest or a digest", image)
	}},
	RuleRunnerEnvRegion: {suffix: []string{"env"}, message: runnerEnvRegionMessage},
}

func roleARNFormatMessage(f finding) string {
	form := fmt.Sprintf("arn:%s:iam::%s:role/<name>", f.facts.Partition, accountOrPlaceholder(f.facts))
	if _, isString := f.value.(string); !isString {
		return fmt.Sprintf("%s must be a string such as %s, got %s", annotationRoleARN, form, describe(f.value))
	}
	return fmt.Sprintf("role ARN %s is not an IAM role ARN of the form %s", show(f.value), form)
}

func roleARNPartitionMessage(f finding) string {
	arn := arnParts(f.value)
	return fmt.Sprintf("partition %s does not match the cluster's partition %s (%s, %s)",
		show(arn.partition), f.facts.Partition, origin(f.facts), f.facts.Region)
}

func tokenExpirationRangeMessage(f finding) string {
	text, _ := f.value.(string)
	seconds, err := strconv.ParseUint(text, 10, 64)
	if err == nil && seconds < MinTokenExpirationSeconds {
		return fmt.Sprintf("%s %s is below the minimum of %d seconds that the EKS pod identity webhook accepts",
			annotationTokenExpiration, show(text), MinTokenExpirationSeconds)
	}
	return fmt.Sprintf("%s %s is above the maximum of %d seconds that the EKS pod identity webhook accepts",
		annotationTokenExpiration, show(text), MaxTokenExpirationSeconds)
}

func runnerEnvRegionMessage(f finding) string {
	image, _ := field(f.base, "image")
	label := "runner container"
	if name, ok := field(f.base, "name"); ok {
		label = fmt.Sprintf("runner container %s", show(name))
	}
	if f.found {
		if _, isArray := f.value.([]any); !isArray {
			return fmt.Sprintf("env of %s (image %s) must be an array, got %s", label, show(image), describe(f.value))
		}
	}
	var missing []string
	for _, name := range []string{envRegion, envDefaultRegion} {
		if !hasEnvEntry(f.value, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 1 {
		return fmt.Sprintf("%s (image %s) has no env entry %s: add it with the value %s, the region of %s",
			label, show(image), missing[0], f.facts.Region, origin(f.facts))
	}
	return fmt.Sprintf("%s (image %s) has no env entries %s: add them with the value %s, the region of %s",
		label, show(image), strings.Join(missing, " and "), f.facts.Region, origin(f.facts))
}

func hasEnvEntry(env any, name string) bool {
	entries, _ := env.([]any)
	for _, entry := range entries {
		if value, ok := field(entry, "name"); ok && value == name {
			return true
		}
	}
	return false
}

func missingOrInvalid(f finding, missing, invalid string) string {
	if !f.found {
		return missing
	}
	return invalid + ", got " + describe(f.value)
}

func accountOrPlaceholder(f *facts.Facts) string {
	if f.Account == "" {
		return "<account>"
	}
	return f.Account
}

// roleARN contains the partition, account and resource of an ARN.
type roleARN struct {
	partition, account, resource string
}

func arnParts(value any) roleARN {
	text, _ := value.(string)
	parts := strings.SplitN(text, ":", 6)
	for len(parts) < 6 {
		parts = append(parts, "")
	}
	return roleARN{partition: parts[1], account: parts[4], resource: parts[5]}
}

// documentLabel names a document by its kind: "document of kind ConfigMap",
// or "document" when the kind is unknown.
func documentLabel(document any) string {
	if kind, ok := field(document, "kind"); ok {
		if text, isString := kind.(string); isString && text != "" {
			return "document of kind " + text
		}
	}
	return "document"
}

func field(value any, name string) (any, bool) {
	object, ok := value.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := object[name]
	return v, ok
}

// show formats a value for a message: strings bare unless empty or
// containing spaces or control characters, other scalars in JSON form.
func show(value any) string {
	switch v := value.(type) {
	case string:
		if v == "" || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == '"' || r == 0x7f }) {
			return strconv.Quote(v)
		}
		return v
	case nil:
		return "null"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprint(value)
}

// describe formats a value with its JSON type, such as `the number 5`.
func describe(value any) string {
	switch value.(type) {
	case map[string]any, []any:
		return show(value)
	case string:
		return "the string " + strconv.Quote(value.(string))
	case nil:
		return "null"
	}
	return "the " + typeName(value) + " " + show(value)
}

func typeName(value any) string {
	switch value.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "number"
}

// origin names where the facts came from for messages: "cluster demo", or
// "--region" when no cluster was looked up and the region came from the flag.
func origin(f *facts.Facts) string {
	if f.Cluster == "" {
		return "--region"
	}
	return "cluster " + f.Cluster
}
