package trust

import "strings"

// Fix returns a statement that, added to doc, lets req assume the role,
// unless a Deny statement of doc matches req, because an explicit Deny wins
// over any Allow.
//
// Fix first looks for an Allow statement of doc that fails only on string
// conditions on the request's sub or aud key, such as StringEquals or
// StringLike but no negated operator. It adds the request's values to those
// conditions in a copy of the statement and returns the copy if it then
// matches. The copy keeps the statement's other conditions and can replace
// it. Otherwise the result is the statement Policy builds for req's
// provider, issuer, subject and audience. doc may be nil.
func Fix(req Request, doc *Document) Statement {
	ctx, err := newRequestContext(req)
	if err != nil {
		// Without an issuer there are no condition keys to write, so the
		// statement names the provider and the action only.
		return Statement{
			Effect:    EffectAllow,
			Principal: &Principal{Federated: Values{req.ProviderARN}},
			Action:    Values{ActionAssumeRoleWithWebIdentity},
		}
	}
	if doc != nil {
		for i, statement := range doc.Statement {
			if extended, ok := extendStatement(checkStatement(i, statement, ctx), ctx); ok {
				return extended
			}
		}
	}
	return webIdentityStatement(req.ProviderARN, ctx.issuer, Values{ctx.subject}, ctx.audience)
}

// extendStatement adds the request's values to the failing conditions of an
// Allow statement and reports whether the result matches the request.
func extendStatement(check statementCheck, ctx requestContext) (Statement, bool) {
	if check.statement.Effect != EffectAllow || check.principalFails || check.actionFails ||
		len(check.failedConditions) == 0 {
		return Statement{}, false
	}
	extended := check.statement.clone()
	for _, test := range check.failedConditions {
		if !extendable(test, ctx) {
			return Statement{}, false
		}
		keys := extended.Condition[test.op.name]
		keys[test.key] = append(keys[test.key], test.value)
	}
	return extended, checkStatement(check.index, extended, ctx).matches()
}

// extendable reports whether adding the request's value to the condition's
// values makes it hold: a present sub or aud key under a string operator
// that is not negated.
func extendable(test conditionTest, ctx requestContext) bool {
	isRequestKey := strings.EqualFold(test.key, ctx.subjectKey()) || strings.EqualFold(test.key, ctx.audienceKey())
	return isRequestKey && test.present && test.op.kind == kindString && !test.op.negated
}
