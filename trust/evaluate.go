package trust

import (
	"fmt"
	"strings"
)

// Request is one sts:AssumeRoleWithWebIdentity call as IRSA makes it.
type Request struct {
	// ProviderARN is the cluster's IAM OIDC provider, the federated
	// principal of the call.
	ProviderARN string
	// Issuer is the cluster's OIDC issuer URL, with or without https://.
	// Empty means the issuer named by ProviderARN.
	Issuer string
	// Subject is the token's sub claim, system:serviceaccount:<namespace>:<name>.
	Subject string
	// Audience is the token's aud claim. Empty means DefaultAudience.
	Audience string
}

// Decision is the outcome of Evaluate.
type Decision struct {
	// Allowed is true when an Allow statement matches and no Deny statement does.
	Allowed bool
	// Reason is one sentence that explains the outcome.
	Reason string
	// MatchedStatement is the index of the first Allow statement that
	// matches, or -1. It is set even when a Deny overrides that statement.
	MatchedStatement int
	// DeniedBy is the index of the first Deny statement that matches, or -1.
	DeniedBy int
	// NearMisses are sentences about statements that almost apply. They name
	// condition operators that Evaluate cannot apply, in any statement. When
	// the request is allowed, they note matching Allow statements that accept
	// any audience or any ServiceAccount. Otherwise they describe each Allow
	// statement that fails on exactly one check.
	NearMisses []string
}

// requestContext holds the resolved request and its condition keys.
type requestContext struct {
	providerARN string
	// issuer is the issuer without https://, the prefix of the condition keys.
	issuer   string
	subject  string
	audience string
	// values maps lowercase condition keys to their values. It contains
	// <issuer>:sub and <issuer>:aud only, so <issuer>:amr and every global
	// key such as aws:SourceIp count as absent.
	values map[string]string
}

func newRequestContext(req Request) (requestContext, error) {
	issuer := req.Issuer
	if strings.TrimSpace(issuer) == "" {
		provider, err := parseProviderARN(req.ProviderARN)
		if err != nil {
			return requestContext{}, fmt.Errorf("invalid request: no issuer and no usable OIDC provider ARN: %w", err)
		}
		issuer = provider.issuer
	}
	issuer, err := normalizeIssuer(issuer)
	if err != nil {
		return requestContext{}, fmt.Errorf("invalid request: %w", err)
	}
	audience := req.Audience
	if audience == "" {
		audience = DefaultAudience
	}
	return requestContext{
		providerARN: req.ProviderARN,
		issuer:      issuer,
		subject:     req.Subject,
		audience:    audience,
		values: map[string]string{
			strings.ToLower(issuer + ":sub"): req.Subject,
			strings.ToLower(issuer + ":aud"): audience,
		},
	}, nil
}

func (c requestContext) subjectKey() string  { return c.issuer + ":sub" }
func (c requestContext) audienceKey() string { return c.issuer + ":aud" }

// lookup returns the value of a condition key. IAM compares key names
// without regard to case.
func (c requestContext) lookup(key string) (string, bool) {
	value, ok := c.values[strings.ToLower(key)]
	return value, ok
}

// Evaluate decides whether doc lets req assume the role, with IAM's logic
// for a single policy. A matching Deny statement wins over every Allow, a
// matching Allow statement allows, and a request that no statement matches
// is denied implicitly.
//
// A statement matches when its principal is "*" or names req.ProviderARN as
// Federated (NotPrincipal inverts that), its Action or NotAction covers
// sts:AssumeRoleWithWebIdentity, and its Condition holds. A Condition holds
// when every operator holds for every key listed under it. A key holds when
// any of its values matches, or for a negated operator such as
// StringNotEquals when none does. A statement with an operator that IAM does
// not define never matches and is reported in NearMisses.
func Evaluate(doc *Document, req Request) Decision {
	decision := Decision{MatchedStatement: -1, DeniedBy: -1}
	ctx, err := newRequestContext(req)
	if err != nil {
		decision.Reason = err.Error()
		return decision
	}
	var checks []statementCheck
	if doc != nil {
		for i, statement := range doc.Statement {
			checks = append(checks, checkStatement(i, statement, ctx))
		}
	}
	for _, check := range checks {
		switch {
		case !check.matches():
		case check.statement.Effect == EffectDeny && decision.DeniedBy < 0:
			decision.DeniedBy = check.index
		case check.statement.Effect == EffectAllow && decision.MatchedStatement < 0:
			decision.MatchedStatement = check.index
		}
	}
	decision.Allowed = decision.MatchedStatement >= 0 && decision.DeniedBy < 0
	decision.Reason = decisionReason(decision, ctx)
	decision.NearMisses = nearMisses(checks, ctx, decision.Allowed)
	return decision
}

func decisionReason(d Decision, ctx requestContext) string {
	request := fmt.Sprintf("%s for %s with audience %s", ActionAssumeRoleWithWebIdentity, ctx.subject, ctx.audience)
	switch {
	case d.DeniedBy >= 0 && d.MatchedStatement >= 0:
		return fmt.Sprintf("statement %d explicitly denies %s, which overrides the Allow in statement %d",
			d.DeniedBy, request, d.MatchedStatement)
	case d.DeniedBy >= 0:
		return fmt.Sprintf("statement %d explicitly denies %s", d.DeniedBy, request)
	case d.Allowed:
		return fmt.Sprintf("statement %d allows %s", d.MatchedStatement, request)
	}
	return fmt.Sprintf("no statement allows %s, so IAM denies the request implicitly", request)
}

// statementCheck records which parts of one statement fail for a request.
type statementCheck struct {
	index     int
	statement Statement
	// principalFails and actionFails are set when that element does not
	// cover the request.
	principalFails bool
	actionFails    bool
	// failedConditions lists the operator and key pairs that do not hold,
	// unknown and unsupported operators included.
	failedConditions []conditionTest
}

// conditionTest is one operator applied to one condition key.
type conditionTest struct {
	op     operator
	key    string
	values Values
	// present and value describe the key in the request context.
	present bool
	value   string
	result  conditionResult
}

func (c statementCheck) matches() bool {
	return !c.principalFails && !c.actionFails && len(c.failedConditions) == 0
}

// failures counts the checks that fail.
func (c statementCheck) failures() int {
	count := len(c.failedConditions)
	if c.principalFails {
		count++
	}
	if c.actionFails {
		count++
	}
	return count
}

func checkStatement(index int, s Statement, ctx requestContext) statementCheck {
	return statementCheck{
		index:            index,
		statement:        s,
		principalFails:   !principalMatches(s, ctx.providerARN),
		actionFails:      !actionMatches(s, ActionAssumeRoleWithWebIdentity),
		failedConditions: failedConditions(s.Condition, ctx),
	}
}

// principalMatches applies Principal or NotPrincipal to a web identity
// caller, which only "*" and a Federated entry of its provider (or "*") name.
// AWS, CanonicalUser and Service entries never name it.
func principalMatches(s Statement, providerARN string) bool {
	switch {
	case s.Principal != nil:
		return s.Principal.namesProvider(providerARN)
	case s.NotPrincipal != nil:
		return !s.NotPrincipal.namesProvider(providerARN)
	}
	return false
}

func (p *Principal) namesProvider(providerARN string) bool {
	if p.All {
		return true
	}
	for _, federated := range p.Federated {
		if federated == "*" || (providerARN != "" && federated == providerARN) {
			return true
		}
	}
	return false
}

// actionMatches applies Action or NotAction. Action names are
// case-insensitive and may use the '*' and '?' wildcards.
func actionMatches(s Statement, action string) bool {
	switch {
	case s.Action != nil:
		return anyActionMatches(s.Action, action)
	case s.NotAction != nil:
		return !anyActionMatches(s.NotAction, action)
	}
	return false
}

func anyActionMatches(patterns Values, action string) bool {
	for _, pattern := range patterns {
		if matchWildcard(strings.ToLower(action), strings.ToLower(pattern)) {
			return true
		}
	}
	return false
}

// failedConditions applies every operator to every key of the condition
// block and returns the pairs that do not hold, in sorted order.
func failedConditions(condition Condition, ctx requestContext) []conditionTest {
	var failed []conditionTest
	for _, name := range sortedKeys(condition) {
		op := parseOperator(name)
		keys := condition[name]
		if op.kind == kindUnknown {
			failed = append(failed, conditionTest{op: op, result: conditionUnsupported})
			continue
		}
		for _, key := range sortedKeys(keys) {
			test := conditionTest{op: op, key: key, values: keys[key]}
			test.value, test.present = ctx.lookup(key)
			test.result = op.evaluate(test.present, test.value, test.values)
			if test.result != conditionTrue {
				failed = append(failed, test)
			}
		}
	}
	return failed
}
