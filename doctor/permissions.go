package doctor

import (
	"encoding/json"
	"fmt"
	"strings"
)

// checkPermissions lists the AWS calls that IAM denied, with the policy
// that allows them. The checks that needed those calls are warnings.
func (r *run) checkPermissions() Result {
	result := Result{Check: CheckPermissions}
	if r.credentialsErr != nil {
		result.Status = Failed
		result.Message = "no AWS call could be made: " + r.credentialsErr.Error()
		result.Fix = credentialsFix
		return result
	}
	if len(r.denied) == 0 {
		result.Status = Passed
		result.Message = "AWS denied no call"
		if len(r.allowed) > 0 {
			result.Message += "; these succeeded: " + strings.Join(r.allowed, ", ")
		}
		return result
	}

	var actions []string
	statements := []policyStatement{}
	for _, d := range r.denied {
		if action := d.action + " on " + d.resource; !containsString(actions, action) {
			actions = append(actions, action)
		}
		merged := false
		for i := range statements {
			if statements[i].Resource == d.resource {
				if !containsString(statements[i].Action, d.action) {
					statements[i].Action = append(statements[i].Action, d.action)
				}
				merged = true
				break
			}
		}
		if !merged {
			statements = append(statements, policyStatement{Effect: "Allow", Action: []string{d.action}, Resource: d.resource})
		}
	}
	result.Status = Warning
	result.Message = fmt.Sprintf("AWS denied %d action(s), so the checks that needed them are incomplete: %s",
		len(actions), strings.Join(actions, ", "))
	policy, err := json.MarshalIndent(policyDocument{Version: "2012-10-17", Statement: statements}, "", "  ")
	if err != nil {
		result.Fix = "allow " + strings.Join(actions, ", ")
		return result
	}
	result.Fix = "allow these read-only actions for the AWS identity that runs irsa-render doctor, for example with this policy:\n" + string(policy)
	return result
}

// policyDocument is an IAM identity policy, written in element order.
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource string   `json:"Resource"`
}
