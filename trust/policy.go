package trust

import (
	"fmt"
	"strings"
)

// Input describes the role trust that Policy builds.
type Input struct {
	// ProviderARN is the IAM OIDC provider of the cluster,
	// arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>.
	ProviderARN string
	// Issuer is the cluster's OIDC issuer URL, with or without https://.
	Issuer string
	// Subjects are the ServiceAccounts that may assume the role.
	Subjects []Subject
	// Audience is the aud claim the tokens carry. Empty means DefaultAudience.
	Audience string
}

// Policy builds a trust policy with one statement that lets the listed
// ServiceAccounts assume the role through sts:AssumeRoleWithWebIdentity. The
// statement requires StringEquals on <issuer>:sub, as a string for one
// subject and as a list for several, and on <issuer>:aud. Repeated subjects
// are written once.
//
// Errors wrap ErrInvalidInput for a missing or malformed field,
// ErrInvalidSubject for a subject Kubernetes would reject, and
// ErrProviderMismatch for a provider ARN that names another issuer or
// partition.
func Policy(in Input) (Document, error) {
	issuer, err := checkInputProvider(in)
	if err != nil {
		return Document{}, err
	}
	subjects, err := subjectValues(in.Subjects)
	if err != nil {
		return Document{}, err
	}
	audience := strings.TrimSpace(in.Audience)
	if audience == "" {
		audience = DefaultAudience
	}
	statement := webIdentityStatement(in.ProviderARN, issuer, subjects, audience)
	return Document{Version: PolicyVersion, Statement: []Statement{statement}}, nil
}

// checkInputProvider validates the provider ARN and the issuer and returns
// the issuer without https://.
func checkInputProvider(in Input) (string, error) {
	if strings.TrimSpace(in.ProviderARN) == "" {
		return "", fmt.Errorf("%w: missing OIDC provider ARN", ErrInvalidInput)
	}
	if strings.TrimSpace(in.Issuer) == "" {
		return "", fmt.Errorf("%w: missing issuer", ErrInvalidInput)
	}
	provider, err := parseProviderARN(in.ProviderARN)
	if err != nil {
		return "", err
	}
	issuer, err := normalizeIssuer(in.Issuer)
	if err != nil {
		return "", err
	}
	if err := checkProviderMatchesIssuer(provider, in.ProviderARN, issuer); err != nil {
		return "", err
	}
	return issuer, nil
}

func subjectValues(subjects []Subject) (Values, error) {
	if len(subjects) == 0 {
		return nil, fmt.Errorf("%w: no subjects: name at least one ServiceAccount", ErrInvalidInput)
	}
	values := Values{}
	seen := map[string]bool{}
	for _, subject := range subjects {
		if err := subject.Validate(); err != nil {
			return nil, err
		}
		if !seen[subject.String()] {
			seen[subject.String()] = true
			values = append(values, subject.String())
		}
	}
	return values, nil
}

// webIdentityStatement returns the Allow statement that IRSA needs.
func webIdentityStatement(providerARN, issuer string, subjects Values, audience string) Statement {
	return Statement{
		Effect:    EffectAllow,
		Principal: &Principal{Federated: Values{providerARN}},
		Action:    Values{ActionAssumeRoleWithWebIdentity},
		Condition: Condition{
			"StringEquals": {
				issuer + ":sub": subjects,
				issuer + ":aud": {audience},
			},
		},
	}
}
