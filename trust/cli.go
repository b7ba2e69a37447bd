package trust

import (
	"fmt"
	"slices"
	"strings"
)

// CLIOptions configures the shell script that CLI writes.
type CLIOptions struct {
	// RoleName is the IAM role to create.
	RoleName string
	// ProviderMissing adds a call that registers the cluster's OIDC issuer
	// as an IAM OIDC provider before the role is created.
	ProviderMissing bool
	// Issuer is the OIDC issuer URL, with or without https://, used when
	// ProviderMissing is set. Empty means the issuer named by the document's
	// OIDC provider ARN.
	Issuer string
	// Audience is the client ID registered with a new provider. Empty means
	// the audiences that the document's StringEquals conditions require, or
	// DefaultAudience when there are none.
	Audience string
}

// CLI writes a POSIX shell script that runs under set -eu and creates the
// role with doc as its trust policy, after creating the OIDC provider when
// opts.ProviderMissing is set. Every argument is single-quoted. Errors wrap
// ErrInvalidInput.
//
// The script passes no --thumbprint-list. The IAM API reference for
// CreateOpenIDConnectProvider marks ThumbprintList as optional, and the
// request model of botocore 1.43.11 (AWS CLI 1.45.11) requires only Url.
// Without thumbprints IAM verifies the issuer's certificate itself.
func CLI(doc Document, opts CLIOptions) ([]byte, error) {
	if err := checkRoleName(opts.RoleName); err != nil {
		return nil, err
	}
	policy, err := JSON(doc)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# Creates the IAM role %s with a trust policy for EKS IRSA.\n", opts.RoleName)
	b.WriteString("set -eu\n")
	if opts.ProviderMissing {
		if err := writeCreateProvider(&b, doc, opts); err != nil {
			return nil, err
		}
	}
	b.WriteString("\naws iam create-role \\\n")
	fmt.Fprintf(&b, "  --role-name %s \\\n", shellQuote(opts.RoleName))
	fmt.Fprintf(&b, "  --assume-role-policy-document %s\n", shellQuote(strings.TrimSuffix(string(policy), "\n")))
	return []byte(b.String()), nil
}

func writeCreateProvider(b *strings.Builder, doc Document, opts CLIOptions) error {
	issuer, err := cliIssuer(doc, opts.Issuer)
	if err != nil {
		return err
	}
	audiences := cliAudiences(doc, issuer, opts.Audience)
	quoted := make([]string, 0, len(audiences))
	for _, audience := range audiences {
		quoted = append(quoted, shellQuote(audience))
	}
	b.WriteString("\n# IAM verifies the issuer's TLS certificate itself, so no --thumbprint-list is passed.\n")
	b.WriteString("# AWS CLI releases that still require that option reject this call: update the CLI.\n")
	indent := ""
	if arn := providerARNOf(doc); arn != "" {
		// The provider is created only when IAM does not have it yet, so
		// the script also runs where its existence was unknown.
		fmt.Fprintf(b, "if ! aws iam get-open-id-connect-provider --open-id-connect-provider-arn %s >/dev/null 2>&1; then\n", shellQuote(arn))
		indent = "  "
	}
	fmt.Fprintf(b, "%saws iam create-open-id-connect-provider \\\n", indent)
	fmt.Fprintf(b, "%s  --url %s \\\n", indent, shellQuote("https://"+issuer))
	fmt.Fprintf(b, "%s  --client-id-list %s\n", indent, strings.Join(quoted, " "))
	if indent != "" {
		b.WriteString("fi\n")
	}
	return nil
}

// providerARNOf returns the first OIDC provider ARN among the document's
// federated principals, or "".
func providerARNOf(doc Document) string {
	for _, statement := range doc.Statement {
		if statement.Principal == nil {
			continue
		}
		for _, arn := range statement.Principal.Federated {
			if _, err := parseProviderARN(arn); err == nil {
				return arn
			}
		}
	}
	return ""
}

// cliIssuer returns the issuer without https://, from the option or else
// from the first OIDC provider ARN among the document's federated principals.
func cliIssuer(doc Document, issuer string) (string, error) {
	if strings.TrimSpace(issuer) != "" {
		return normalizeIssuer(issuer)
	}
	for _, statement := range doc.Statement {
		if statement.Principal == nil {
			continue
		}
		for _, arn := range statement.Principal.Federated {
			if provider, err := parseProviderARN(arn); err == nil {
				return provider.issuer, nil
			}
		}
	}
	return "", fmt.Errorf("%w: missing issuer: set CLIOptions.Issuer or use a policy whose principal "+
		"is an OIDC provider ARN", ErrInvalidInput)
}

// cliAudiences returns the client IDs for a new provider: the option, else
// the values of StringEquals on <issuer>:aud in Allow statements, else
// DefaultAudience.
func cliAudiences(doc Document, issuer, audience string) []string {
	if audience = strings.TrimSpace(audience); audience != "" {
		return []string{audience}
	}
	var audiences []string
	for _, statement := range doc.Statement {
		if statement.Effect != EffectAllow {
			continue
		}
		keys := statement.Condition["StringEquals"]
		for _, key := range sortedKeys(keys) {
			if strings.EqualFold(key, issuer+":aud") {
				audiences = appendNew(audiences, keys[key]...)
			}
		}
	}
	if len(audiences) == 0 {
		return []string{DefaultAudience}
	}
	return audiences
}

func appendNew(list []string, values ...string) []string {
	for _, value := range values {
		if !slices.Contains(list, value) {
			list = append(list, value)
		}
	}
	return list
}

// shellQuote quotes s for a POSIX shell: inside single quotes every byte is
// literal, and a single quote is written as '\” (close, escaped quote, open).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
