package trust

import (
	"bytes"
	"net/url"
	"testing"
)

func FuzzParseDocument(f *testing.F) {
	generated, err := Policy(goldenCases[1].input)
	if err != nil {
		f.Fatal(err)
	}
	generatedJSON, err := JSON(generated)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(generatedJSON))
	f.Add(url.PathEscape(string(generatedJSON)))
	f.Add(listPolicy)
	f.Add(`{"Statement":{"Effect":"Deny","NotPrincipal":"*","NotAction":["a","b"],"Resource":[],"Condition":{"Null":{"k":true}}}}`)
	f.Add(`{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"","Effect":"Allow","Principal":{"AWS":[]},"Action":"*","Condition":{"NumericLessThan":{"k":[1,2e3]}}}]}`)
	f.Add(`{"Statement":[}`)
	f.Add(`%7B%22Statement%22%3A%5B%5D%7D`)

	f.Fuzz(func(t *testing.T, policy string) {
		doc, err := ParseDocument(policy)
		if err != nil {
			return
		}

		first, err := JSON(*doc)
		if err != nil {
			t.Fatalf("JSON of an accepted policy: %v", err)
		}
		again, err := ParseDocument(string(first))
		if err != nil {
			t.Fatalf("ParseDocument rejects its own output: %v\n%s", err, first)
		}
		second, err := JSON(*again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("parse and JSON are not stable:\n%s\n%s", first, second)
		}

		// The other entry points must not panic on any accepted policy.
		Evaluate(doc, chartRequest())
		Fix(chartRequest(), doc)
		if _, err := Terraform(*doc, TerraformOptions{RoleName: "role"}); err != nil {
			t.Fatalf("Terraform of an accepted policy: %v", err)
		}
	})
}
