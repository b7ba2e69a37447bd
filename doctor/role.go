package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/internal/awsarn"
	"github.com/firefly-oss/irsa-render/trust"
)

// roleState is the runner's role as Run found it.
type roleState struct {
	// parsed is the role ARN; nil when there is none or parseErr is set.
	parsed   *awsarn.Role
	parseErr error
	// crossAccount is set when the role is in another account than the
	// credentials, so iam:GetRole was not called: it reads roles of the
	// caller's own account only.
	crossAccount bool
	notFound     bool
	// err is the iam:GetRole error, a *facts.AccessDeniedError when denied.
	err error
	// info is the role as iam:GetRole returned it.
	info *iamtypes.Role
}

// fetchRole reads the runner's role with iam:GetRole, unless the role is
// in another account than the credentials.
func (r *run) fetchRole(ctx context.Context) {
	if r.in.RoleARN == "" {
		return
	}
	parsed, err := awsarn.ParseRole(r.in.RoleARN)
	if err != nil {
		r.role.parseErr = err
		return
	}
	r.role.parsed = &parsed
	if r.caller != "" && r.caller != parsed.Account {
		r.role.crossAccount = true
		return
	}
	err = r.call(ctx, "iam:GetRole", parsed.String(), func(ctx context.Context) error {
		out, err := r.clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(parsed.Name)})
		if err == nil {
			r.role.info = out.Role
		}
		return err
	})
	switch {
	case isNotFound(err):
		r.role.notFound = true
	case err != nil:
		r.role.err = err
	case r.role.info == nil:
		r.role.err = fmt.Errorf("iam:GetRole returned no role for %s", parsed.Name)
	default:
		// GetRole looks the name up in the caller's account, which is
		// unknown when STS failed, so a role of the same name in another
		// account must not pass for the runner's.
		returned, err := awsarn.ParseRole(aws.ToString(r.role.info.Arn))
		if err == nil && returned.Account != parsed.Account {
			r.role.info = nil
			r.role.crossAccount = true
		}
	}
}

// roleLabel names the role and where its ARN came from, for messages.
func (r *run) roleLabel() string {
	name := r.in.RoleARN
	if r.role.parsed != nil {
		name = r.role.parsed.Name
	}
	return fmt.Sprintf("role %s (from %s)", name, r.in.RoleSource)
}

// checkTrustPolicy reports whether the role's trust policy lets the
// runner's ServiceAccount assume the role through IRSA.
func (r *run) checkTrustPolicy() Result {
	result := Result{Check: CheckTrustPolicy}
	subject := r.in.Subject.String()
	switch {
	case r.in.RoleARN == "":
		result.Status = Failed
		result.Message = fmt.Sprintf("no IAM role is set for %s: the ServiceAccount has no eks.amazonaws.com/role-arn annotation and --role-arn is not given", subject)
		result.Fix = "pass --role-arn with the role the runner assumes, the value the post-renderer gets, such as --role-arn=arn:aws:iam::111122223333:role/firefly-runner"
		return result
	case r.role.parseErr != nil:
		result.Status = Failed
		result.Message = fmt.Sprintf("the role ARN from %s is invalid: %v", r.in.RoleSource, r.role.parseErr)
		result.Fix = "set eks.amazonaws.com/role-arn to arn:<partition>:iam::<account>:role/<name>, for example by rendering through irsa-render --role-arn"
		return result
	case r.role.crossAccount:
		result.Status = Warning
		result.Message = fmt.Sprintf("the trust policy was not checked: %s is in account %s, but the AWS credentials are for account %s, "+
			"and iam:GetRole reads roles of the caller's own account only", r.roleLabel(), r.role.parsed.Account, r.caller)
		if r.caller == "" {
			result.Message = fmt.Sprintf("the trust policy was not checked: %s is in account %s, but iam:GetRole returned a role of another account, "+
				"because it reads roles of the caller's own account only", r.roleLabel(), r.role.parsed.Account)
		}
		result.Fix = crossAccountFix(r.role.parsed.Account, "iam:GetRole on "+r.role.parsed.String())
		return result
	case isDenied(r.role.err):
		result.Status = Warning
		result.Message = fmt.Sprintf("the trust policy of %s was not checked because AWS denied iam:GetRole", r.roleLabel())
		result.Fix = "allow iam:GetRole on " + r.role.parsed.String() + " (see the permissions check)"
		return result
	case r.role.notFound:
		result.Status = Failed
		result.Message = fmt.Sprintf("%s does not exist in account %s", r.roleLabel(), r.role.parsed.Account)
		result.Fix = r.createRoleFix()
		return result
	case r.role.err != nil:
		result.Status = Failed
		result.Message = fmt.Sprintf("%s could not be read: %v", r.roleLabel(), r.role.err)
		return result
	}
	if r.in.Facts == nil || r.in.Facts.OIDCIssuer == "" {
		result.Status = Skipped
		result.Message = fmt.Sprintf("%s exists, but its trust policy was not evaluated because the cluster's OIDC issuer is unknown (see the cluster check)",
			r.roleLabel())
		return result
	}
	return r.evaluateTrust()
}

// trustRequest is the sts:AssumeRoleWithWebIdentity call that the runner's
// pods make.
func (r *run) trustRequest() trust.Request {
	issuer := r.in.Facts.OIDCIssuer
	return trust.Request{
		ProviderARN: facts.OIDCProviderARN(r.partition(), r.role.parsed.Account, issuer),
		Issuer:      issuer,
		Subject:     r.in.Subject.String(),
		Audience:    r.audience(),
	}
}

func (r *run) evaluateTrust() Result {
	result := Result{Check: CheckTrustPolicy}
	name := r.role.parsed.Name
	doc, err := trust.ParseDocument(aws.ToString(r.role.info.AssumeRolePolicyDocument))
	if err != nil {
		result.Status = Failed
		result.Message = fmt.Sprintf("the trust policy of %s cannot be read: %v", r.roleLabel(), err)
		if policy, err := r.policyFor(); err == nil {
			result.Fix = "replace it: " + updatePolicyCommand(name, policy)
		}
		return result
	}
	req := r.trustRequest()
	decision := trust.Evaluate(doc, req)
	details := strings.Join(decision.NearMisses, "\n")
	withDetails := func(message string) string {
		if details == "" {
			return message
		}
		return message + "\n" + details
	}

	switch {
	case decision.Allowed && len(decision.NearMisses) == 0:
		result.Status = Passed
		result.Message = fmt.Sprintf("the trust policy of %s lets %s assume it: %s", r.roleLabel(), req.Subject, decision.Reason)
	case decision.Allowed:
		result.Status = Warning
		result.Message = withDetails(fmt.Sprintf("the trust policy of %s lets %s assume it (%s), but it is broader than IRSA needs:",
			r.roleLabel(), req.Subject, decision.Reason))
		result.Fix = "where a statement above is broader than intended, restrict it to the runner's ServiceAccount and audience:\n" +
			statementJSON(trust.Fix(req, nil))
	case decision.DeniedBy >= 0:
		result.Status = Failed
		result.Message = withDetails(fmt.Sprintf("the trust policy of %s does not let %s assume it: %s", r.roleLabel(), req.Subject, decision.Reason))
		result.Fix = fmt.Sprintf("remove statement %d or narrow its condition so that it no longer matches %s, because an explicit Deny overrides every Allow; "+
			"then write the policy back with aws iam update-assume-role-policy --role-name %s --policy-document file://trust-policy.json",
			decision.DeniedBy, req.Subject, shellWord(name))
	default:
		result.Status = Failed
		result.Message = withDetails(fmt.Sprintf("the trust policy of %s does not let %s assume it: %s", r.roleLabel(), req.Subject, decision.Reason))
		statement := trust.Fix(req, doc)
		updated, replaced := withStatement(*doc, statement)
		if replaced >= 0 {
			result.Fix = fmt.Sprintf("replace statement %d of the trust policy with this one, which adds the runner's values to its conditions:\n", replaced)
		} else {
			result.Fix = "add this statement to the trust policy:\n"
		}
		result.Fix += statementJSON(statement)
		if policy, err := trust.JSON(updated); err == nil {
			result.Fix += "\nor write the whole updated policy:\n" + updatePolicyCommand(name, policy)
		}
	}
	return result
}

// policyFor returns the trust policy that IRSA needs for the runner, as
// JSON.
func (r *run) policyFor() ([]byte, error) {
	req := r.trustRequest()
	policy, err := trust.Policy(trust.Input{ProviderARN: req.ProviderARN, Issuer: req.Issuer, Subjects: []trust.Subject{r.in.Subject}, Audience: req.Audience})
	if err != nil {
		return nil, err
	}
	return trust.JSON(policy)
}

// createRoleFix returns the command that creates the missing role with the
// trust policy IRSA needs.
func (r *run) createRoleFix() string {
	name := r.role.parsed.Name
	if r.in.Facts == nil || r.in.Facts.OIDCIssuer == "" {
		return fmt.Sprintf("create the role %s with the trust policy that irsa-render trust-policy --format cli prints for the cluster", name)
	}
	policy, err := r.policyFor()
	if err != nil {
		return fmt.Sprintf("create the role %s with the trust policy that irsa-render trust-policy --format cli prints for the cluster", name)
	}
	path := ""
	if r.role.parsed.Path != "/" {
		path = " --path " + shellWord(r.role.parsed.Path)
	}
	return fmt.Sprintf("aws iam create-role --role-name %s%s --assume-role-policy-document %s",
		shellWord(name), path, shellWord(compactJSON(policy)))
}

// updatePolicyCommand returns the aws command that replaces a role's
// trust policy with policy.
func updatePolicyCommand(roleName string, policy []byte) string {
	return fmt.Sprintf("aws iam update-assume-role-policy --role-name %s --policy-document %s",
		shellWord(roleName), shellWord(compactJSON(policy)))
}

// withStatement returns doc with statement added, and -1. When statement
// extends one of doc's statements, as trust.Fix does by adding values to
// its conditions, it replaces that statement instead and returns its index.
func withStatement(doc trust.Document, statement trust.Statement) (trust.Document, int) {
	out := doc
	out.Statement = append([]trust.Statement{}, doc.Statement...)
	for i, existing := range out.Statement {
		if extends(statement, existing) {
			out.Statement[i] = statement
			return out, i
		}
	}
	out.Statement = append(out.Statement, statement)
	return out, -1
}

// extends reports whether extended equals original except for values
// appended to original's conditions.
func extends(extended, original trust.Statement) bool {
	withoutConditions := func(s trust.Statement) trust.Statement {
		s.Condition = nil
		return s
	}
	if !reflect.DeepEqual(withoutConditions(extended), withoutConditions(original)) || len(extended.Condition) != len(original.Condition) {
		return false
	}
	for operator, keys := range original.Condition {
		for key, values := range keys {
			got := extended.Condition[operator][key]
			if len(got) < len(values) || !reflect.DeepEqual([]string(got[:len(values)]), []string(values)) {
				return false
			}
		}
	}
	return true
}

// statementJSON writes one statement as indented JSON in the element order
// of trust.JSON.
func statementJSON(statement trust.Statement) string {
	data, err := trust.JSON(trust.Document{Statement: []trust.Statement{statement}})
	if err != nil {
		return fmt.Sprintf("(the statement cannot be written as JSON: %v)", err)
	}
	var doc struct{ Statement []json.RawMessage }
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Statement) != 1 {
		return strings.TrimSpace(string(data))
	}
	var out bytes.Buffer
	if err := json.Indent(&out, doc.Statement[0], "", "  "); err != nil {
		return string(doc.Statement[0])
	}
	return out.String()
}

func compactJSON(data []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, data); err != nil {
		return strings.TrimSpace(string(data))
	}
	return out.String()
}
