package trust

import (
	"reflect"
	"testing"
)

func TestFixWithoutDocument(t *testing.T) {
	req := chartRequest()
	got := Fix(req, nil)
	want, err := Policy(Input{ProviderARN: awsProvider, Issuer: awsIssuer,
		Subjects: []Subject{{Namespace: "firefly", Name: "ci-runner-worker"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want.Statement[0]) {
		t.Errorf("Fix = %+v, want the statement Policy builds: %+v", got, want.Statement[0])
	}
}

func TestFixExtendsNearMissStatement(t *testing.T) {
	policy := expandPolicy(policyOf(allowWith(`{"StringEquals":{"$ISSUER:sub":"system:serviceaccount:firefly:manager",` +
		`"$ISSUER:aud":"sts.amazonaws.com"},"StringLike":{"$ISSUER:aud":"sts.*"}}`)))
	doc, err := ParseDocument(policy)
	if err != nil {
		t.Fatal(err)
	}
	fix := Fix(chartRequest(), doc)
	wantSub := Values{"system:serviceaccount:firefly:manager", chartSubject}
	if got := fix.Condition["StringEquals"][awsIssuer+":sub"]; !reflect.DeepEqual(got, wantSub) {
		t.Errorf("fixed sub values = %v, want %v", got, wantSub)
	}
	if got := fix.Condition["StringLike"][awsIssuer+":aud"]; !reflect.DeepEqual(got, Values{"sts.*"}) {
		t.Errorf("fix dropped the other condition: StringLike aud = %v", got)
	}
	if got := doc.Statement[0].Condition["StringEquals"][awsIssuer+":sub"]; len(got) != 1 {
		t.Errorf("Fix changed the document: sub = %v", got)
	}
}

func TestFixIgnoresStatementsOfOtherProviders(t *testing.T) {
	doc, err := ParseDocument(expandPolicy(`{"Statement":{"Effect":"Allow","Principal":{"Federated":"$OTHER_PROVIDER"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"$ISSUER:sub":"system:serviceaccount:a:b"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	fix := Fix(chartRequest(), doc)
	if !reflect.DeepEqual(fix.Principal.Federated, Values{awsProvider}) {
		t.Errorf("Fix principal = %v, want the cluster's provider", fix.Principal.Federated)
	}
}

// TestFixAllowsEveryDeniedCase adds the fix to each evaluation case that is
// denied without an explicit Deny and checks that the request is then allowed.
func TestFixAllowsEveryDeniedCase(t *testing.T) {
	for _, c := range evaluateCases {
		doc, err := ParseDocument(expandPolicy(c.policy))
		if err != nil {
			t.Fatal(err)
		}
		req := chartRequest()
		if c.request != nil {
			c.request(&req)
		}
		if c.allowed || c.denied >= 0 {
			continue
		}
		doc.Statement = append(doc.Statement, Fix(req, doc))
		if d := Evaluate(doc, req); !d.Allowed {
			t.Errorf("%s: still denied after the fix: %s", c.name, d.Reason)
		}
	}
}
