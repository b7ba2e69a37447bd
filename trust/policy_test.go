package trust

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestPolicyOneSubjectIsString(t *testing.T) {
	doc, err := Policy(Input{ProviderARN: awsProvider, Issuer: "https://" + awsIssuer + "/", Subjects: []Subject{worker}})
	if err != nil {
		t.Fatal(err)
	}

	if doc.Version != PolicyVersion {
		t.Errorf("Version = %q", doc.Version)
	}
	if len(doc.Statement) != 1 {
		t.Fatalf("%d statements, want 1", len(doc.Statement))
	}

	statement := doc.Statement[0]
	if statement.Effect != EffectAllow {
		t.Errorf("Effect = %q", statement.Effect)
	}
	if !reflect.DeepEqual(statement.Principal, &Principal{Federated: Values{awsProvider}}) {
		t.Errorf("Principal = %+v", statement.Principal)
	}
	if !reflect.DeepEqual(statement.Action, Values{ActionAssumeRoleWithWebIdentity}) {
		t.Errorf("Action = %v", statement.Action)
	}
	want := Condition{"StringEquals": {
		awsIssuer + ":sub": {worker.String()},
		awsIssuer + ":aud": {DefaultAudience},
	}}
	if !reflect.DeepEqual(statement.Condition, want) {
		t.Errorf("Condition = %v, want %v", statement.Condition, want)
	}

	out, _ := JSON(doc)
	if !strings.Contains(string(out), `:sub": "system:serviceaccount:firefly:runner-ci-runner-worker"`) {
		t.Errorf("one subject is not written as a string:\n%s", out)
	}
}

func TestPolicySeveralSubjectsAreList(t *testing.T) {
	doc, err := Policy(Input{ProviderARN: awsProvider, Issuer: awsIssuer, Subjects: []Subject{worker, manager, worker},
		Audience: "sts.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	condition := doc.Statement[0].Condition["StringEquals"]
	if got, want := condition[awsIssuer+":sub"], (Values{worker.String(), manager.String()}); !reflect.DeepEqual(got, want) {
		t.Errorf("sub = %v, want %v (in order, without the repeated subject)", got, want)
	}
	if got := condition[awsIssuer+":aud"]; !reflect.DeepEqual(got, Values{"sts.example.com"}) {
		t.Errorf("aud = %v, want sts.example.com", got)
	}
	out, _ := JSON(doc)
	if !strings.Contains(string(out), `:sub": [`) {
		t.Errorf("several subjects are not written as a list:\n%s", out)
	}
}

func TestPolicyErrors(t *testing.T) {
	otherCluster := "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/OTHER"
	cases := []struct {
		name      string
		input     Input
		wantErr   error
		wantInMsg string
	}{
		{"missing provider", Input{Issuer: awsIssuer, Subjects: []Subject{worker}}, ErrInvalidInput, "missing OIDC provider ARN"},
		{"missing issuer", Input{ProviderARN: awsProvider, Subjects: []Subject{worker}}, ErrInvalidInput, "missing issuer"},
		{"no subjects", Input{ProviderARN: awsProvider, Issuer: awsIssuer}, ErrInvalidInput, "no subjects"},
		{"invalid subject", Input{ProviderARN: awsProvider, Issuer: awsIssuer, Subjects: []Subject{{"NS", "a"}}},
			ErrInvalidSubject, `namespace "NS"`},
		{"http issuer", Input{ProviderARN: awsProvider, Issuer: "http://" + awsIssuer, Subjects: []Subject{worker}},
			ErrInvalidInput, "must be an https URL"},
		{"not an ARN", Input{ProviderARN: "oidc-provider/x", Issuer: awsIssuer, Subjects: []Subject{worker}},
			ErrInvalidInput, "is not an IAM ARN"},
		{"role ARN", Input{ProviderARN: "arn:aws:iam::111122223333:role/x", Issuer: awsIssuer, Subjects: []Subject{worker}},
			ErrInvalidInput, "does not name an OIDC provider"},
		{"short account", Input{ProviderARN: "arn:aws:iam::1234:oidc-provider/" + awsIssuer, Issuer: awsIssuer,
			Subjects: []Subject{worker}}, ErrInvalidInput, `account "1234"`},
		{"other cluster", Input{ProviderARN: otherCluster, Issuer: awsIssuer, Subjects: []Subject{worker}},
			ErrProviderMismatch, "names the issuer oidc.eks.eu-west-1.amazonaws.com/id/OTHER, the cluster's issuer is " + awsIssuer},
		{"wrong partition", Input{ProviderARN: "arn:aws:iam::111122223333:oidc-provider/" + cnIssuer, Issuer: cnIssuer,
			Subjects: []Subject{worker}}, ErrProviderMismatch, "is in partition aws, the issuer " + cnIssuer + " is served by partition aws-cn"},
		{"gov partition", Input{ProviderARN: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/X",
			Issuer: "oidc.eks.us-gov-west-1.amazonaws.com/id/X", Subjects: []Subject{worker}}, ErrProviderMismatch, "partition aws-us-gov"},
	}
	for _, c := range cases {
		_, err := Policy(c.input)
		if !errors.Is(err, c.wantErr) {
			t.Errorf("%s: error %v, want one that wraps %v", c.name, err, c.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), c.wantInMsg) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.wantInMsg)
		}
	}
}

func TestPolicyAcceptsNonEKSIssuer(t *testing.T) {
	issuer := "issuer.example.com/cluster"
	_, err := Policy(Input{ProviderARN: "arn:aws:iam::111122223333:oidc-provider/" + issuer, Issuer: "https://" + issuer,
		Subjects: []Subject{worker}})
	if err != nil {
		t.Errorf("Policy with a self-hosted issuer: %v", err)
	}
}
