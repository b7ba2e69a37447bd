package trust

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const (
	otherIssuer   = "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789"
	otherProvider = "arn:aws:iam::111122223333:oidc-provider/" + otherIssuer
	chartSubject  = "system:serviceaccount:firefly:ci-runner-worker"
)

// expandPolicy replaces $PROVIDER, $OTHER_PROVIDER and $ISSUER in a policy
// template, so that the tables below stay readable.
func expandPolicy(template string) string {
	return strings.NewReplacer(
		"$OTHER_PROVIDER", otherProvider,
		"$PROVIDER", awsProvider,
		"$ISSUER", awsIssuer,
	).Replace(template)
}

// allowWith returns an Allow statement for the cluster's provider and the
// IRSA action with the given Condition element.
func allowWith(condition string) string {
	return `{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"Action":"sts:AssumeRoleWithWebIdentity",` +
		`"Condition":` + condition + `}`
}

func policyOf(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

var exactCondition = `{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"}}`

func chartRequest() Request {
	return Request{ProviderARN: awsProvider, Issuer: "https://" + awsIssuer, Subject: chartSubject, Audience: DefaultAudience}
}

type evaluateCase struct {
	name    string
	policy  string
	request func(*Request)
	allowed bool
	matched int
	denied  int
	// nearMisses are the expected sentences, with $ISSUER and the other
	// placeholders expanded.
	nearMisses []string
}

var evaluateCases = []evaluateCase{
	{name: "exact match", policy: policyOf(allowWith(exactCondition)), allowed: true, matched: 0, denied: -1},
	{
		name:    "wildcard namespace",
		policy:  policyOf(allowWith(`{"StringLike":{"$ISSUER:sub":"system:serviceaccount:*:ci-runner-worker","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "question mark matches one character",
		policy:  policyOf(allowWith(`{"StringLike":{"$ISSUER:sub":"system:serviceaccount:firefly:ci-runner-worke?","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "question mark needs a character",
		policy:  policyOf(allowWith(`{"StringLike":{"$ISSUER:sub":"system:serviceaccount:firefly:ci-runner-worker?","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows ServiceAccount ci-runner-worker?, the chart renders ci-runner-worker"},
	},
	{
		name:    "wrong namespace",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"system:serviceaccount:default:ci-runner-worker","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows system:serviceaccount:default:ci-runner-worker, the chart renders namespace firefly"},
	},
	{
		name:    "wrong name",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"system:serviceaccount:firefly:runner","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows ServiceAccount runner, the chart renders ci-runner-worker"},
	},
	{
		name:    "release prefix added by the chart",
		policy:  policyOf(allowWith(exactCondition)),
		request: func(r *Request) { r.Subject = "system:serviceaccount:firefly:runner-ci-runner-worker" },
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows ServiceAccount ci-runner-worker, the chart renders runner-ci-runner-worker, " +
			"which adds the release prefix runner-"},
	},
	{
		name:    "release prefix missing from the chart",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"system:serviceaccount:firefly:runner-ci-runner-worker"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows ServiceAccount runner-ci-runner-worker, the chart renders ci-runner-worker " +
			"without the release prefix runner-"},
	},
	{
		name:    "namespace and name differ",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":["system:serviceaccount:a:b","system:serviceaccount:c:d"]}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows system:serviceaccount:a:b or system:serviceaccount:c:d, " +
			"the chart renders system:serviceaccount:firefly:ci-runner-worker"},
	},
	{
		name:    "wrong audience",
		policy:  policyOf(allowWith(exactCondition)),
		request: func(r *Request) { r.Audience = "sts.example.com" },
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 requires audience sts.amazonaws.com, the ServiceAccount requests sts.example.com"},
	},
	{
		name:    "empty audience means the default",
		policy:  policyOf(allowWith(exactCondition)),
		request: func(r *Request) { r.Audience = "" },
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "missing audience condition",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `"}}`)),
		allowed: true, matched: 0, denied: -1,
		nearMisses: []string{"statement 0 has no condition on $ISSUER:aud, so any audience is accepted"},
	},
	{
		name:    "no condition at all",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
		allowed: true, matched: 0, denied: -1,
		nearMisses: []string{
			"statement 0 has no condition on $ISSUER:aud, so any audience is accepted",
			"statement 0 has no condition on $ISSUER:sub, so every ServiceAccount in the cluster can assume the role",
		},
	},
	{
		name: "second statement allows",
		policy: policyOf(
			allowWith(`{"StringEquals":{"$ISSUER:sub":"system:serviceaccount:firefly:other"}}`),
			allowWith(exactCondition),
		),
		allowed: true, matched: 1, denied: -1,
	},
	{
		name: "deny with StringNotEquals wins",
		policy: policyOf(
			allowWith(`{"StringLike":{"$ISSUER:sub":"system:serviceaccount:firefly:*"}}`),
			`{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringNotEquals":{"$ISSUER:sub":"system:serviceaccount:firefly:manager"}}}`,
		),
		allowed: false, matched: 0, denied: 1,
	},
	{
		name: "deny listing the subject does not match",
		policy: policyOf(
			allowWith(exactCondition),
			`{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringNotEquals":{"$ISSUER:sub":["system:serviceaccount:firefly:manager","`+chartSubject+`"]}}}`,
		),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "deny without allow",
		policy:  policyOf(`{"Effect":"Deny","Principal":{"Federated":"$PROVIDER"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
		allowed: false, matched: -1, denied: 0,
	},
	{
		name: "principal of another cluster",
		policy: policyOf(`{"Effect":"Allow","Principal":{"Federated":"$OTHER_PROVIDER"},"Action":"sts:AssumeRoleWithWebIdentity",` +
			`"Condition":{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `"}}}`),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 trusts the OIDC provider of another cluster (" + otherIssuer + "), this cluster's is $ISSUER"},
	},
	{
		name: "principal in another account",
		policy: policyOf(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::444455556666:oidc-provider/$ISSUER"},` +
			`"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + exactCondition + `}`),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 trusts the OIDC provider $ISSUER in account 444455556666, this cluster's provider is in account 111122223333"},
	},
	{
		name: "principal of another service",
		policy: policyOf(`{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com","AWS":"*"},` +
			`"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + exactCondition + `}`),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 names no federated principal, so it never matches a web identity request"},
	},
	{
		name:    "principal as list",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":["$OTHER_PROVIDER","$PROVIDER"]},"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + exactCondition + `}`),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "principal wildcard",
		policy:  policyOf(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":` + exactCondition + `}`),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "NotPrincipal naming the provider",
		policy:  policyOf(`{"Effect":"Allow","NotPrincipal":{"Federated":"$PROVIDER"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + exactCondition + `}`),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 excludes this cluster's OIDC provider $PROVIDER through NotPrincipal"},
	},
	{
		name:    "action as list",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"Action":["sts:TagSession","sts:AssumeRoleWithWebIdentity"],"Condition":` + exactCondition + `}`),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "action wildcard",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"Action":"sts:AssumeRoleWith*","Condition":` + exactCondition + `}`),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "action in another case",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"Action":"STS:assumerolewithwebidentity","Condition":` + exactCondition + `}`),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "wrong action",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":` + exactCondition + `}`),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows sts:AssumeRole and sts:TagSession, not sts:AssumeRoleWithWebIdentity, which the AWS SDK calls for IRSA"},
	},
	{
		name:    "NotAction excluding the action",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"NotAction":"sts:AssumeRoleWith*","Condition":` + exactCondition + `}`),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 excludes sts:AssumeRoleWithWebIdentity through NotAction sts:AssumeRoleWith*"},
	},
	{
		name:    "NotAction of another action",
		policy:  policyOf(`{"Effect":"Allow","Principal":{"Federated":"$PROVIDER"},"NotAction":"iam:*","Condition":` + exactCondition + `}`),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "condition key in another case",
		policy:  policyOf(allowWith(strings.ToUpper(`{"StringEquals":{"$ISSUER:sub":"`) + chartSubject + `","` + strings.ToUpper(awsIssuer) + `:AUD":"sts.amazonaws.com"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "operator name in another case",
		policy:  policyOf(allowWith(`{"stringequals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "values are case-sensitive",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"SYSTEM:SERVICEACCOUNT:FIREFLY:CI-RUNNER-WORKER","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows SYSTEM:SERVICEACCOUNT:FIREFLY:CI-RUNNER-WORKER, the chart renders " + chartSubject},
	},
	{
		name:    "StringEqualsIgnoreCase",
		policy:  policyOf(allowWith(`{"StringEqualsIgnoreCase":{"$ISSUER:sub":"SYSTEM:SERVICEACCOUNT:FIREFLY:CI-RUNNER-WORKER","$ISSUER:aud":"STS.amazonaws.COM"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name: "StringNotEqualsIgnoreCase excludes",
		policy: policyOf(allowWith(`{"StringEquals":{"$ISSUER:aud":"sts.amazonaws.com"},` +
			`"StringNotEqualsIgnoreCase":{"$ISSUER:sub":"SYSTEM:SERVICEACCOUNT:FIREFLY:CI-RUNNER-WORKER"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 excludes " + chartSubject + " with StringNotEqualsIgnoreCase"},
	},
	{
		name:    "StringNotLike allows others",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:aud":"sts.amazonaws.com"},"StringNotLike":{"$ISSUER:sub":"system:serviceaccount:kube-system:*"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "IfExists on an absent key",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"},"StringEqualsIfExists":{"$ISSUER:amr":"authenticated"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "IfExists on a present key still compares",
		policy:  policyOf(allowWith(`{"StringLikeIfExists":{"$ISSUER:sub":"system:serviceaccount:default:*","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 allows system:serviceaccount:default:*, the chart renders namespace firefly"},
	},
	{
		name:    "absent key without IfExists",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com","$ISSUER:amr":"authenticated"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 requires the condition key $ISSUER:amr (StringEquals), which IRSA requests do not carry"},
	},
	{
		name:    "ForAnyValue on a present key",
		policy:  policyOf(allowWith(`{"ForAnyValue:StringEquals":{"$ISSUER:sub":["system:serviceaccount:firefly:other","` + chartSubject + `"],"$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "ForAnyValue on an absent key",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"},"ForAnyValue:StringLike":{"aws:TagKeys":"*"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 requires the condition key aws:TagKeys (ForAnyValue:StringLike), which IRSA requests do not carry"},
	},
	{
		name:    "ForAllValues on an absent key",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"},"ForAllValues:StringEquals":{"aws:TagKeys":"team"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "ForAllValues on a present key",
		policy:  policyOf(allowWith(`{"ForAllValues:StringLike":{"$ISSUER:sub":"system:serviceaccount:firefly:*","$ISSUER:aud":"sts.*"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "Null on an absent key",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"},"Null":{"$ISSUER:amr":"true","$ISSUER:sub":false}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "Null on a present key",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:aud":"sts.amazonaws.com"},"Null":{"$ISSUER:sub":"true"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 requires $ISSUER:sub to be absent (Null), but the request carries it"},
	},
	{
		name:    "keys under one operator are AND",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"other"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 requires audience other, the ServiceAccount requests sts.amazonaws.com"},
	},
	{
		name:    "operators are AND",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `"},"StringLike":{"$ISSUER:aud":"other*"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 requires audience other*, the ServiceAccount requests sts.amazonaws.com"},
	},
	{
		name:    "values of one key are OR",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":["system:serviceaccount:a:b","` + chartSubject + `"],"$ISSUER:aud":["x","sts.amazonaws.com"]}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "two failures give no near miss",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"system:serviceaccount:default:ci-runner-worker","$ISSUER:aud":"other"}}`)),
		allowed: false, matched: -1, denied: -1,
	},
	{
		name:    "unknown operator",
		policy:  policyOf(allowWith(`{"StringEqualz":{"$ISSUER:sub":"` + chartSubject + `"},"StringEquals":{"$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 uses the unknown condition operator StringEqualz, so the statement never matches"},
	},
	{
		name: "unknown operator in a deny is reported",
		policy: policyOf(allowWith(exactCondition),
			`{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"ForAnyValue:Null":{"k":"true"}}}`),
		allowed: true, matched: 0, denied: -1,
		nearMisses: []string{"statement 1 uses the unknown condition operator ForAnyValue:Null, so the statement never matches"},
	},
	{
		name:    "operator that is not evaluated",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"},"ArnLike":{"$ISSUER:sub":"arn:*"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 applies ArnLike to $ISSUER:sub, which this check does not evaluate, so it treats the statement as not matching"},
	},
	{
		name:    "other operator on an absent key",
		policy:  policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"},"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)),
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "condition key of another issuer",
		policy:  policyOf(allowWith(`{"StringEquals":{"` + otherIssuer + `:sub":"` + chartSubject + `","$ISSUER:aud":"sts.amazonaws.com"}}`)),
		allowed: false, matched: -1, denied: -1,
		nearMisses: []string{"statement 0 checks " + otherIssuer + ":sub, the subject key of another issuer, this cluster's key is $ISSUER:sub"},
	},
	{
		name:    "request without issuer uses the provider ARN",
		policy:  policyOf(allowWith(exactCondition)),
		request: func(r *Request) { r.Issuer = "" },
		allowed: true, matched: 0, denied: -1,
	},
	{
		name:    "no statements",
		policy:  `{"Version":"2012-10-17","Statement":[]}`,
		allowed: false, matched: -1, denied: -1,
	},
}

func TestEvaluate(t *testing.T) {
	for _, c := range evaluateCases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := ParseDocument(expandPolicy(c.policy))
			if err != nil {
				t.Fatal(err)
			}
			req := chartRequest()
			if c.request != nil {
				c.request(&req)
			}
			d := Evaluate(doc, req)
			if d.Allowed != c.allowed {
				t.Errorf("Allowed = %v, want %v (reason: %s)", d.Allowed, c.allowed, d.Reason)
			}
			if d.MatchedStatement != c.matched {
				t.Errorf("MatchedStatement = %d, want %d", d.MatchedStatement, c.matched)
			}
			if d.DeniedBy != c.denied {
				t.Errorf("DeniedBy = %d, want %d", d.DeniedBy, c.denied)
			}
			var want []string
			for _, note := range c.nearMisses {
				want = append(want, expandPolicy(note))
			}
			if !reflect.DeepEqual(d.NearMisses, want) {
				t.Errorf("NearMisses:\n got %q\nwant %q", d.NearMisses, want)
			}
		})
	}
}

func TestEvaluateURLEncodedGetRolePolicy(t *testing.T) {
	policy := expandPolicy(policyOf(allowWith(exactCondition)))
	encoded := strings.ReplaceAll(url.QueryEscape(policy), "+", "%20")
	doc, err := ParseDocument(encoded)
	if err != nil {
		t.Fatal(err)
	}
	if d := Evaluate(doc, chartRequest()); !d.Allowed {
		t.Errorf("URL-encoded policy denied: %s", d.Reason)
	}
}

func TestEvaluateReasons(t *testing.T) {
	cases := []struct {
		name, policy, want string
	}{
		{"allow", policyOf(allowWith(exactCondition)),
			"statement 0 allows sts:AssumeRoleWithWebIdentity for " + chartSubject + " with audience sts.amazonaws.com"},
		{"implicit deny", `{"Statement":[]}`,
			"no statement allows sts:AssumeRoleWithWebIdentity for " + chartSubject + " with audience sts.amazonaws.com, " +
				"so IAM denies the request implicitly"},
		{"explicit deny over allow", policyOf(allowWith(exactCondition), `{"Effect":"Deny","Principal":"*","Action":"*"}`),
			"statement 1 explicitly denies sts:AssumeRoleWithWebIdentity for " + chartSubject +
				" with audience sts.amazonaws.com, which overrides the Allow in statement 0"},
		{"explicit deny", policyOf(`{"Effect":"Deny","Principal":"*","Action":"*"}`),
			"statement 0 explicitly denies sts:AssumeRoleWithWebIdentity for " + chartSubject + " with audience sts.amazonaws.com"},
	}
	for _, c := range cases {
		doc, err := ParseDocument(expandPolicy(c.policy))
		if err != nil {
			t.Fatal(err)
		}
		if got := Evaluate(doc, chartRequest()).Reason; got != c.want {
			t.Errorf("%s: Reason = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestEvaluateInvalidRequest(t *testing.T) {
	doc, _ := ParseDocument(expandPolicy(policyOf(allowWith(exactCondition))))
	d := Evaluate(doc, Request{Subject: chartSubject})
	if d.Allowed || d.MatchedStatement != -1 || d.DeniedBy != -1 {
		t.Errorf("Evaluate without issuer and provider = %+v, want a denial", d)
	}
	if !strings.HasPrefix(d.Reason, "invalid request: ") {
		t.Errorf("Reason = %q, want an invalid request message", d.Reason)
	}
}

func TestEvaluateNilDocument(t *testing.T) {
	d := Evaluate(nil, chartRequest())
	if d.Allowed || d.MatchedStatement != -1 || d.DeniedBy != -1 {
		t.Errorf("Evaluate(nil) = %+v, want an implicit deny", d)
	}
}

func TestMatchWildcard(t *testing.T) {
	cases := []struct {
		value, pattern string
		want           bool
	}{
		{"", "", true},
		{"", "*", true},
		{"", "?", false},
		{"abc", "abc", true},
		{"abc", "ABC", false},
		{"abc", "a*", true},
		{"abc", "*c", true},
		{"abc", "a*b*c", true},
		{"abc", "a**c", true},
		{"ac", "a*c", true},
		{"abc", "a?c", true},
		{"ac", "a?c", false},
		{"abcbc", "a*bc", true},
		{"abcbd", "a*bc", false},
		{"ä", "?", true},
		{"system:serviceaccount:firefly:worker", "system:serviceaccount:*:worker", true},
		{"system:serviceaccount:firefly:worker2", "system:serviceaccount:*:worker", false},
	}
	for _, c := range cases {
		if got := matchWildcard(c.value, c.pattern); got != c.want {
			t.Errorf("matchWildcard(%q, %q) = %v, want %v", c.value, c.pattern, got, c.want)
		}
	}
}

func TestParseOperator(t *testing.T) {
	cases := []struct {
		name     string
		kind     operatorKind
		set      setOperator
		ifExists bool
		negated  bool
	}{
		{"StringEquals", kindString, setNone, false, false},
		{"StringNotLikeIfExists", kindString, setNone, true, true},
		{"ForAnyValue:StringEquals", kindString, setForAnyValue, false, false},
		{"ForAllValues:StringNotEqualsIgnoreCaseIfExists", kindString, setForAllValues, true, true},
		{"forallvalues:stringlike", kindString, setForAllValues, false, false},
		{"Null", kindNull, setNone, false, false},
		{"NullIfExists", kindUnknown, setNone, false, false},
		{"ArnNotLike", kindOther, setNone, false, true},
		{"BoolIfExists", kindOther, setNone, true, false},
		{"StringEqualz", kindUnknown, setNone, false, false},
		{"IfExists", kindUnknown, setNone, false, false},
		{"ForAnyValue:", kindUnknown, setNone, false, false},
	}
	for _, c := range cases {
		op := parseOperator(c.name)
		if op.kind != c.kind || op.set != c.set || op.ifExists != c.ifExists || op.negated != c.negated {
			t.Errorf("parseOperator(%q) = kind %d set %d ifExists %v negated %v, want %d %d %v %v",
				c.name, op.kind, op.set, op.ifExists, op.negated, c.kind, c.set, c.ifExists, c.negated)
		}
	}
}
