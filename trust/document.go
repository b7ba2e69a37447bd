package trust

import (
	"bytes"
	"encoding/json"
)

// Policy language constants that IRSA trust policies use.
const (
	// PolicyVersion is the current version of the IAM policy language.
	PolicyVersion = "2012-10-17"
	// ActionAssumeRoleWithWebIdentity is the STS action that the AWS SDK
	// calls with the projected ServiceAccount token.
	ActionAssumeRoleWithWebIdentity = "sts:AssumeRoleWithWebIdentity"
	// DefaultAudience is the aud claim of the token that EKS projects for IRSA.
	DefaultAudience = "sts.amazonaws.com"

	EffectAllow = "Allow"
	EffectDeny  = "Deny"
)

// Document is an IAM policy, here a role trust policy.
type Document struct {
	Version string
	// ID is the optional Id element.
	ID        string
	Statement []Statement
}

// Statement is one entry of a policy's Statement element. A nil field stands
// for an element that the policy leaves out.
type Statement struct {
	Sid          string
	Effect       string
	Principal    *Principal
	NotPrincipal *Principal
	Action       Values
	NotAction    Values
	// Resource and NotResource are kept so that a parsed policy is written
	// back unchanged. IAM rejects them in trust policies and Evaluate
	// ignores them.
	Resource    Values
	NotResource Values
	Condition   Condition
}

// Principal is the value of a Principal or NotPrincipal element.
type Principal struct {
	// All marks the "*" principal, which matches every caller.
	All           bool
	AWS           Values
	CanonicalUser Values
	Federated     Values
	Service       Values
}

// Values is a policy value that IAM accepts either as one string or as a
// list of strings. JSON writes a single value as a string and any other
// number of values as a list.
type Values []string

// Condition maps a condition operator, such as StringEquals or
// ForAnyValue:StringLike, to condition keys and the values they are compared
// with.
type Condition map[string]map[string]Values

// JSON writes doc as policy JSON with two-space indentation and a final
// newline. Elements appear in a fixed order: Version, Id and Statement, and in
// each statement Sid, Effect, Principal, NotPrincipal, Action, NotAction,
// Resource, NotResource and Condition. Condition operators and keys are
// sorted.
func JSON(doc Document) ([]byte, error) {
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(doc.jsonTree()); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// MarshalJSON writes doc in the element order that JSON uses, without
// indentation.
func (doc Document) MarshalJSON() ([]byte, error) {
	return json.Marshal(doc.jsonTree())
}

// UnmarshalJSON reads a policy with the rules of ParseDocument. As usual for
// encoding/json, JSON null leaves doc unchanged.
func (doc *Document) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	parsed, err := ParseDocument(string(data))
	if err != nil {
		return err
	}
	*doc = *parsed
	return nil
}

// The json* types fix the element order of the written policy, because
// encoding/json writes struct fields in declaration order.
type jsonDocument struct {
	Version   string          `json:"Version,omitempty"`
	ID        string          `json:"Id,omitempty"`
	Statement []jsonStatement `json:"Statement"`
}

type jsonStatement struct {
	Sid          string                    `json:"Sid,omitempty"`
	Effect       string                    `json:"Effect"`
	Principal    any                       `json:"Principal,omitempty"`
	NotPrincipal any                       `json:"NotPrincipal,omitempty"`
	Action       any                       `json:"Action,omitempty"`
	NotAction    any                       `json:"NotAction,omitempty"`
	Resource     any                       `json:"Resource,omitempty"`
	NotResource  any                       `json:"NotResource,omitempty"`
	Condition    map[string]map[string]any `json:"Condition,omitempty"`
}

type jsonPrincipal struct {
	AWS           any `json:"AWS,omitempty"`
	CanonicalUser any `json:"CanonicalUser,omitempty"`
	Federated     any `json:"Federated,omitempty"`
	Service       any `json:"Service,omitempty"`
}

func (doc Document) jsonTree() jsonDocument {
	tree := jsonDocument{Version: doc.Version, ID: doc.ID, Statement: []jsonStatement{}}
	for _, statement := range doc.Statement {
		tree.Statement = append(tree.Statement, statement.jsonTree())
	}
	return tree
}

func (s Statement) jsonTree() jsonStatement {
	tree := jsonStatement{
		Sid:          s.Sid,
		Effect:       s.Effect,
		Principal:    s.Principal.jsonTree(),
		NotPrincipal: s.NotPrincipal.jsonTree(),
		Action:       s.Action.jsonTree(),
		NotAction:    s.NotAction.jsonTree(),
		Resource:     s.Resource.jsonTree(),
		NotResource:  s.NotResource.jsonTree(),
	}
	if s.Condition != nil {
		tree.Condition = map[string]map[string]any{}
		for operator, keys := range s.Condition {
			tree.Condition[operator] = map[string]any{}
			for key, values := range keys {
				tree.Condition[operator][key] = values.conditionTree()
			}
		}
	}
	return tree
}

// jsonTree returns nil for a missing principal so that omitempty drops it.
func (p *Principal) jsonTree() any {
	switch {
	case p == nil:
		return nil
	case p.All:
		return "*"
	}
	return jsonPrincipal{
		AWS:           p.AWS.jsonTree(),
		CanonicalUser: p.CanonicalUser.jsonTree(),
		Federated:     p.Federated.jsonTree(),
		Service:       p.Service.jsonTree(),
	}
}

// jsonTree returns nil for a missing element, a string for one value and a
// list otherwise, so that an empty but present list stays in the output.
func (v Values) jsonTree() any {
	switch {
	case v == nil:
		return nil
	case len(v) == 1:
		return v[0]
	}
	return []string(v)
}

// conditionTree is jsonTree for condition values, which are never left out.
func (v Values) conditionTree() any {
	if v == nil {
		return []string{}
	}
	return v.jsonTree()
}

// clone returns a deep copy, so that changing the copy leaves s unchanged.
func (s Statement) clone() Statement {
	out := s
	out.Principal = s.Principal.clone()
	out.NotPrincipal = s.NotPrincipal.clone()
	out.Action = s.Action.clone()
	out.NotAction = s.NotAction.clone()
	out.Resource = s.Resource.clone()
	out.NotResource = s.NotResource.clone()
	if s.Condition != nil {
		out.Condition = Condition{}
		for operator, keys := range s.Condition {
			out.Condition[operator] = map[string]Values{}
			for key, values := range keys {
				out.Condition[operator][key] = values.clone()
			}
		}
	}
	return out
}

func (p *Principal) clone() *Principal {
	if p == nil {
		return nil
	}
	return &Principal{
		All:           p.All,
		AWS:           p.AWS.clone(),
		CanonicalUser: p.CanonicalUser.clone(),
		Federated:     p.Federated.clone(),
		Service:       p.Service.clone(),
	}
}

func (v Values) clone() Values {
	if v == nil {
		return nil
	}
	return append(Values{}, v...)
}
