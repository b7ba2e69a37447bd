package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	// accountInARN captures the account of an IAM ARN.
	accountInARN = regexp.MustCompile(`^arn:[^:]*:iam::([0-9]{12}):`)
	// holderAPIVersions contains the compiled apiVersion pattern of each entry
	// of podTemplateHolders, at the same index.
	holderAPIVersions = compileHolderAPIVersions()
)

func compileHolderAPIVersions() []*regexp.Regexp {
	compiled := make([]*regexp.Regexp, len(podTemplateHolders))
	for i, holder := range podTemplateHolders {
		compiled[i] = regexp.MustCompile(holder.apiVersion)
	}
	return compiled
}

// Warnings returns what is legal in doc but may not work as intended,
// sorted like Validate's violations:
//   - a role ARN in an account other than the cluster's (rule
//     role-arn-cross-account), when the facts name the account;
//   - a region variable of a container that takes its value from valueFrom,
//     which cannot be compared with the cluster's region (rule
//     env-region-value-from).
func (v *Validator) Warnings(doc any) []Violation {
	var warnings []Violation
	v.warnDocument(doc, nil, &warnings)
	sortViolations(warnings)
	return warnings
}

func (v *Validator) warnDocument(doc any, at []string, out *[]Violation) {
	object, ok := doc.(map[string]any)
	if !ok {
		return
	}
	kind, _ := object["kind"].(string)
	apiVersion, _ := object["apiVersion"].(string)

	if strings.HasSuffix(kind, "List") {
		items, _ := object["items"].([]any)
		for i, item := range items {
			v.warnDocument(item, append(slices.Clip(at), "items", strconv.Itoa(i)), out)
		}
		return
	}
	if kind == "ServiceAccount" && apiVersion == "v1" {
		v.warnServiceAccount(object, at, out)
		return
	}
	for i, holder := range podTemplateHolders {
		if !slices.Contains(holder.kinds, kind) || !holderAPIVersions[i].MatchString(apiVersion) {
			continue
		}
		template, found := lookup(object, holder.path)
		if found {
			v.warnPodSpec(template, append(slices.Clip(at), holder.path...), out)
		}
		return
	}
}

func (v *Validator) warnServiceAccount(object map[string]any, at []string, out *[]Violation) {
	path := []string{"metadata", "annotations", annotationRoleARN}
	value, _ := lookup(object, path)
	arn, _ := value.(string)
	match := accountInARN.FindStringSubmatch(arn)
	if match == nil || v.facts.Account == "" || match[1] == v.facts.Account {
		return
	}
	message := fmt.Sprintf("role account %s differs from the cluster's account %s: cross-account roles work only when the role's trust policy names this cluster's OIDC provider, registered in account %s",
		match[1], v.facts.Account, match[1])
	if v.facts.OIDCIssuer != "" {
		message += " for issuer " + v.facts.OIDCIssuer
	}
	*out = append(*out, Violation{
		Pointer: formatPointer(append(slices.Clip(at), path...)),
		Rule:    WarnRoleARNCrossAccount,
		Message: message,
	})
}

// warnPodSpec checks the containers of template, whose location in the
// document is the token path at.
func (v *Validator) warnPodSpec(template any, at []string, out *[]Violation) {
	for _, list := range []string{"containers", "initContainers"} {
		containers, _ := lookup(template, []string{"spec", list})
		entries, _ := containers.([]any)
		for i, container := range entries {
			containerAt := append(slices.Clip(at), "spec", list, strconv.Itoa(i))
			v.warnContainerEnv(container, containerAt, out)
		}
	}
}

func (v *Validator) warnContainerEnv(container any, at []string, out *[]Violation) {
	env, _ := field(container, "env")
	entries, _ := env.([]any)
	for i, entry := range entries {
		name, _ := field(entry, "name")
		if name != envRegion && name != envDefaultRegion {
			continue
		}
		if _, hasValueFrom := field(entry, "valueFrom"); !hasValueFrom {
			continue
		}
		*out = append(*out, Violation{
			Pointer: formatPointer(append(slices.Clip(at), "env", strconv.Itoa(i), "valueFrom")),
			Rule:    WarnEnvRegionValueFrom,
			Message: fmt.Sprintf("%s comes from valueFrom, so it cannot be checked against the cluster's region %s (%s)",
				name, v.facts.Region, origin(&v.facts)),
		})
	}
}
