package trust

import (
	"fmt"
	"strings"
)

// nearMisses returns the sentences for Decision.NearMisses, in statement
// order: operators that Evaluate cannot apply, in any statement. When the
// request is allowed, notes on matching Allow statements that leave the
// audience or the subject open. Otherwise, the single failing check of each
// Allow statement that fails on exactly one.
func nearMisses(checks []statementCheck, ctx requestContext, allowed bool) []string {
	var notes []string
	for _, check := range checks {
		notes = append(notes, operatorNotes(check)...)
		if check.statement.Effect != EffectAllow {
			continue
		}
		switch {
		case check.matches() && allowed:
			notes = append(notes, openConditionNotes(check, ctx)...)
		case !allowed && check.failures() == 1:
			if note := describeOnlyFailure(check, ctx); note != "" {
				notes = append(notes, note)
			}
		}
	}
	return notes
}

func operatorNotes(check statementCheck) []string {
	var notes []string
	for _, test := range check.failedConditions {
		switch {
		case test.op.kind == kindUnknown:
			notes = append(notes, fmt.Sprintf("statement %d uses the unknown condition operator %s, "+
				"so the statement never matches", check.index, test.op.name))
		case test.result == conditionUnsupported:
			notes = append(notes, fmt.Sprintf("statement %d applies %s to %s, which this check does not evaluate, "+
				"so it treats the statement as not matching", check.index, test.op.name, test.key))
		}
	}
	return notes
}

// openConditionNotes warns about a matching Allow statement without any
// condition on the audience or on the subject.
func openConditionNotes(check statementCheck, ctx requestContext) []string {
	var notes []string
	if !hasConditionOn(check.statement.Condition, ctx.audienceKey()) {
		notes = append(notes, fmt.Sprintf("statement %d has no condition on %s, so any audience is accepted",
			check.index, ctx.audienceKey()))
	}
	if !hasConditionOn(check.statement.Condition, ctx.subjectKey()) {
		notes = append(notes, fmt.Sprintf("statement %d has no condition on %s, so every ServiceAccount "+
			"in the cluster can assume the role", check.index, ctx.subjectKey()))
	}
	return notes
}

func hasConditionOn(condition Condition, key string) bool {
	for _, keys := range condition {
		for conditionKey := range keys {
			if strings.EqualFold(conditionKey, key) {
				return true
			}
		}
	}
	return false
}

func describeOnlyFailure(check statementCheck, ctx requestContext) string {
	switch {
	case check.principalFails:
		return principalMiss(check, ctx)
	case check.actionFails:
		return actionMiss(check)
	}
	return conditionMiss(check.index, check.failedConditions[0], ctx)
}

func principalMiss(check statementCheck, ctx requestContext) string {
	i := check.index
	principal := check.statement.Principal
	switch {
	case principal == nil && check.statement.NotPrincipal == nil:
		return fmt.Sprintf("statement %d names no principal", i)
	case principal == nil:
		return fmt.Sprintf("statement %d excludes this cluster's OIDC provider %s through NotPrincipal", i, ctx.providerARN)
	case len(principal.Federated) == 0:
		return fmt.Sprintf("statement %d names no federated principal, so it never matches a web identity request", i)
	}
	if want, err := parseProviderARN(ctx.providerARN); err == nil {
		for _, arn := range principal.Federated {
			if have, err := parseProviderARN(arn); err == nil {
				if note := providerDifference(i, have, want); note != "" {
					return note
				}
			}
		}
	}
	return fmt.Sprintf("statement %d trusts %s, this cluster's OIDC provider is %s",
		i, strings.Join(principal.Federated, " and "), ctx.providerARN)
}

// providerDifference describes how a trusted provider differs from the
// cluster's when exactly one of issuer, account and partition differs.
func providerDifference(i int, have, want providerARN) string {
	sameIssuer := have.issuer == want.issuer
	sameAccount := have.account == want.account
	samePartition := have.partition == want.partition
	switch {
	case !sameIssuer && sameAccount && samePartition:
		return fmt.Sprintf("statement %d trusts the OIDC provider of another cluster (%s), this cluster's is %s",
			i, have.issuer, want.issuer)
	case sameIssuer && !sameAccount && samePartition:
		return fmt.Sprintf("statement %d trusts the OIDC provider %s in account %s, this cluster's provider is in account %s",
			i, have.issuer, have.account, want.account)
	case sameIssuer && sameAccount && !samePartition:
		return fmt.Sprintf("statement %d trusts the OIDC provider %s in partition %s, this cluster's provider is in partition %s",
			i, have.issuer, have.partition, want.partition)
	}
	return ""
}

func actionMiss(check statementCheck) string {
	s := check.statement
	if s.Action != nil {
		return fmt.Sprintf("statement %d allows %s, not %s, which the AWS SDK calls for IRSA",
			check.index, strings.Join(s.Action, " and "), ActionAssumeRoleWithWebIdentity)
	}
	return fmt.Sprintf("statement %d excludes %s through NotAction %s",
		check.index, ActionAssumeRoleWithWebIdentity, strings.Join(s.NotAction, " and "))
}

func conditionMiss(i int, test conditionTest, ctx requestContext) string {
	switch {
	case test.op.kind == kindUnknown || test.result == conditionUnsupported:
		// operatorNotes has reported it already.
		return ""
	case test.op.kind == kindNull && test.present:
		return fmt.Sprintf("statement %d requires %s to be absent (Null), but the request carries it", i, test.key)
	case !test.present:
		return missingKeyMiss(i, test, ctx)
	case strings.EqualFold(test.key, ctx.subjectKey()):
		return subjectMiss(i, test, ctx)
	case strings.EqualFold(test.key, ctx.audienceKey()):
		return audienceMiss(i, test, ctx)
	}
	return fmt.Sprintf("statement %d requires %s %s %s, the request has %s",
		i, test.key, test.op.name, strings.Join(test.values, " or "), test.value)
}

// missingKeyMiss describes a condition on a key the request lacks, which is
// often the sub or aud key of another cluster's issuer.
func missingKeyMiss(i int, test conditionTest, ctx requestContext) string {
	lower := strings.ToLower(test.key)
	switch {
	case strings.HasSuffix(lower, ":sub"):
		return fmt.Sprintf("statement %d checks %s, the subject key of another issuer, this cluster's key is %s",
			i, test.key, ctx.subjectKey())
	case strings.HasSuffix(lower, ":aud"):
		return fmt.Sprintf("statement %d checks %s, the audience key of another issuer, this cluster's key is %s",
			i, test.key, ctx.audienceKey())
	}
	return fmt.Sprintf("statement %d requires the condition key %s (%s), which IRSA requests do not carry",
		i, test.key, test.op.name)
}

func audienceMiss(i int, test conditionTest, ctx requestContext) string {
	if test.op.negated {
		return fmt.Sprintf("statement %d excludes audience %s with %s", i, ctx.audience, test.op.name)
	}
	return fmt.Sprintf("statement %d requires audience %s, the ServiceAccount requests %s",
		i, strings.Join(test.values, " or "), ctx.audience)
}

// subjectMiss names the part of the subject that differs when a policy value
// matches the rendered ServiceAccount in all but its namespace or its name.
func subjectMiss(i int, test conditionTest, ctx requestContext) string {
	if test.op.negated {
		return fmt.Sprintf("statement %d excludes %s with %s", i, ctx.subject, test.op.name)
	}
	rendered, err := ParseSubject(ctx.subject)
	if err == nil {
		for _, value := range test.values {
			if note := subjectPartMiss(i, test.op, value, rendered); note != "" {
				return note
			}
		}
	}
	return fmt.Sprintf("statement %d allows %s, the chart renders %s", i, strings.Join(test.values, " or "), ctx.subject)
}

func subjectPartMiss(i int, op operator, value string, rendered Subject) string {
	rest, ok := strings.CutPrefix(value, subjectPrefix)
	if !ok {
		return ""
	}
	namespace, name, ok := strings.Cut(rest, ":")
	if !ok {
		return ""
	}
	namespaceMatches := op.match(rendered.Namespace, namespace)
	nameMatches := op.match(rendered.Name, name)
	switch {
	case namespaceMatches && !nameMatches:
		return fmt.Sprintf("statement %d allows ServiceAccount %s, the chart renders %s%s",
			i, name, rendered.Name, releasePrefixHint(name, rendered.Name))
	case !namespaceMatches && nameMatches:
		return fmt.Sprintf("statement %d allows %s, the chart renders namespace %s", i, value, rendered.Namespace)
	}
	return ""
}

// releasePrefixHint explains a name difference that is only a Helm release
// prefix, such as runner-ci-runner-worker against ci-runner-worker.
func releasePrefixHint(allowed, rendered string) string {
	switch {
	case strings.ContainsAny(allowed, "*?"):
		return ""
	case strings.HasSuffix(rendered, "-"+allowed):
		return fmt.Sprintf(", which adds the release prefix %s", strings.TrimSuffix(rendered, allowed))
	case strings.HasSuffix(allowed, "-"+rendered):
		return fmt.Sprintf(" without the release prefix %s", strings.TrimSuffix(allowed, rendered))
	}
	return ""
}
