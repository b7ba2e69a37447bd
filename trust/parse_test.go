package trust

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const listPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": ["arn:aws:iam::111122223333:oidc-provider/a", "arn:aws:iam::111122223333:oidc-provider/b"]},
    "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
    "Condition": {"StringEquals": {"a:sub": ["x", "y"], "a:aud": "sts.amazonaws.com"}, "Null": {"a:amr": true}}
  }]
}`

func TestParseDocumentLists(t *testing.T) {
	doc, err := ParseDocument(listPolicy)
	if err != nil {
		t.Fatal(err)
	}
	statement := doc.Statement[0]
	wantFederated := Values{"arn:aws:iam::111122223333:oidc-provider/a", "arn:aws:iam::111122223333:oidc-provider/b"}
	if !reflect.DeepEqual(statement.Principal.Federated, wantFederated) {
		t.Errorf("Federated = %v", statement.Principal.Federated)
	}
	if !reflect.DeepEqual(statement.Action, Values{"sts:AssumeRoleWithWebIdentity", "sts:TagSession"}) {
		t.Errorf("Action = %v", statement.Action)
	}
	wantCondition := Condition{
		"StringEquals": {"a:sub": {"x", "y"}, "a:aud": {"sts.amazonaws.com"}},
		"Null":         {"a:amr": {"true"}},
	}
	if !reflect.DeepEqual(statement.Condition, wantCondition) {
		t.Errorf("Condition = %v, want %v", statement.Condition, wantCondition)
	}
}

func TestParseDocumentStatementObject(t *testing.T) {
	asObject := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","NotAction":"iam:*"}}`
	asList := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"iam:*"}]}`
	object, err := ParseDocument(asObject)
	if err != nil {
		t.Fatal(err)
	}
	list, err := ParseDocument(asList)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(object, list) {
		t.Errorf("object form %+v differs from list form %+v", object, list)
	}
	if !object.Statement[0].Principal.All {
		t.Errorf("Principal \"*\" not parsed as All")
	}
}

func TestParseDocumentURLEncoded(t *testing.T) {
	// GetRole returns the policy encoded like this, with %20 for spaces.
	encoded := strings.ReplaceAll(url.QueryEscape(listPolicy), "+", "%20")
	if !strings.HasPrefix(encoded, "%7B%0A%20%20%22Version%22") {
		t.Fatalf("unexpected encoding %q", encoded[:30])
	}
	fromEncoded, err := ParseDocument(encoded)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := ParseDocument(listPolicy)
	if !reflect.DeepEqual(fromEncoded, plain) {
		t.Errorf("URL-encoded policy parsed as %+v, plain as %+v", fromEncoded, plain)
	}
}

func TestParseDocumentKeepsPlusSigns(t *testing.T) {
	doc, err := ParseDocument(`%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%22*%22%2C%22Action%22%3A%22a+b%22%7D%7D`)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Statement[0].Action[0]; got != "a+b" {
		t.Errorf("Action = %q, want a+b", got)
	}
}

func TestParseDocumentPrincipalTypes(t *testing.T) {
	doc, err := ParseDocument(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root",
		"Service":["eks.amazonaws.com"],"CanonicalUser":"abc"},"Action":"sts:AssumeRole"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := &Principal{AWS: Values{"arn:aws:iam::111122223333:root"}, Service: Values{"eks.amazonaws.com"},
		CanonicalUser: Values{"abc"}}
	if !reflect.DeepEqual(doc.Statement[0].Principal, want) {
		t.Errorf("Principal = %+v, want %+v", doc.Statement[0].Principal, want)
	}
}

func TestParseDocumentConditionScalars(t *testing.T) {
	doc, err := ParseDocument(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*",
		"Condition":{"NumericLessThan":{"k":[1, 2.50, -3e2]},"Bool":{"b":false}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	condition := doc.Statement[0].Condition
	if got := condition["NumericLessThan"]["k"]; !reflect.DeepEqual(got, Values{"1", "2.50", "-3e2"}) {
		t.Errorf("numbers = %v", got)
	}
	if got := condition["Bool"]["b"]; !reflect.DeepEqual(got, Values{"false"}) {
		t.Errorf("booleans = %v", got)
	}
}

func TestParseDocumentErrors(t *testing.T) {
	cases := []struct {
		name, policy, want string
	}{
		{"empty", "  ", "the policy is empty"},
		{"malformed JSON", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [}\n", "malformed JSON at line 3, column 17"},
		{"truncated", `{"Statement": [`, "malformed JSON at line 1"},
		{"trailing data", `{"Statement": []} x`, "malformed JSON at line 1, column 19"},
		{"list at top", `%5B%5D`, "must be a JSON object"},
		{"bad percent", `%7B%ZZ`, "neither JSON nor URL-encoded JSON"},
		{"missing statement", `{"Version":"2012-10-17"}`, "missing Statement element"},
		{"statement string", `{"Statement":"x"}`, "Statement must be an object or a list of objects"},
		{"statement null", `{"Statement":[null]}`, "statement 0 must be an object"},
		{"unknown element", `{"Statement":[],"Extra":1}`, `policy has the unknown element "Extra"`},
		{"lowercase element", `{"Statement":{"effect":"Allow"}}`, `statement 0 has the unknown element "effect"`},
		{"no effect", `{"Statement":{"Principal":"*","Action":"*"}}`, "statement 0 has no Effect element"},
		{"bad effect", `{"Statement":{"Effect":"allow","Principal":"*","Action":"*"}}`, `Effect "allow", expected Allow or Deny`},
		{"no principal", `{"Statement":{"Effect":"Allow","Action":"*"}}`, "neither Principal nor NotPrincipal"},
		{"both principals", `{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*"}}`,
			"both Principal and NotPrincipal"},
		{"no action", `{"Statement":{"Effect":"Allow","Principal":"*"}}`, "neither Action nor NotAction"},
		{"both actions", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"*"}}`,
			"both Action and NotAction"},
		{"principal string", `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"*"}}`,
			`must be "*" or an object`},
		{"principal type", `{"Statement":{"Effect":"Allow","Principal":{"Federal":"x"},"Action":"*"}}`,
			`unknown element "Federal"`},
		{"principal null", `{"Statement":{"Effect":"Allow","Principal":null,"Action":"*"}}`, "Principal must not be null"},
		{"action number", `{"Statement":{"Effect":"Allow","Principal":"*","Action":1}}`, "Action must be a string or a list of strings"},
		{"action null", `{"Statement":{"Effect":"Allow","Principal":"*","Action":[null]}}`, "Action must not be null"},
		{"condition list", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":[]}}`,
			"Condition must be an object of condition operators"},
		{"condition value object", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*",
			"Condition":{"StringEquals":{"k":{"a":1}}}}}`, "must be a string, boolean or number"},
		{"condition operator string", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*",
			"Condition":{"StringEquals":"k"}}}`, "operator StringEquals must map condition keys to values"},
	}
	for _, c := range cases {
		_, err := ParseDocument(c.policy)
		if !errors.Is(err, ErrInvalidPolicy) {
			t.Errorf("%s: error %v, want one that wraps ErrInvalidPolicy", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
	}
}

func TestDocumentJSONRoundTrip(t *testing.T) {
	doc, err := ParseDocument(listPolicy)
	if err != nil {
		t.Fatal(err)
	}
	data, err := doc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var again Document
	if err := again.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*doc, again) {
		t.Errorf("round trip changed the document:\n%+v\n%+v", *doc, again)
	}
}

func TestDocumentUnmarshalNull(t *testing.T) {
	doc := Document{Version: PolicyVersion}
	if err := doc.UnmarshalJSON([]byte("null")); err != nil {
		t.Fatal(err)
	}
	if doc.Version != PolicyVersion {
		t.Errorf("null changed the document to %+v", doc)
	}
}
