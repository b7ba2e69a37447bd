package trust

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// ParseDocument reads a trust policy, either as plain JSON or URL-encoded as
// IAM's GetRole returns AssumeRolePolicyDocument (%7B%22Version...).
//
// It accepts the forms IAM allows. Statement is one object or a list.
// Principal is "*" or an object of AWS, CanonicalUser, Federated and Service
// entries. Action and the other list elements are a string or a list.
// Condition values are strings, booleans or numbers, alone or in a list.
// Element names are case-sensitive. Errors wrap ErrInvalidPolicy.
func ParseDocument(s string) (*Document, error) {
	text, err := decodePolicyText(s)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &top); err != nil {
		return nil, describeJSONError(text, err)
	}
	if err := checkElementNames("policy", top, "Version", "Id", "Statement"); err != nil {
		return nil, err
	}
	doc := &Document{}
	if err := parseOptionalString(top, "Version", "policy", &doc.Version); err != nil {
		return nil, err
	}
	if err := parseOptionalString(top, "Id", "policy", &doc.ID); err != nil {
		return nil, err
	}
	doc.Statement, err = parseStatements(top["Statement"])
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// decodePolicyText returns the policy JSON. Text that does not start with
// '{' is taken to be URL-encoded. IAM encodes following RFC 3986, where '+'
// is a literal plus sign, so the text is decoded as a URL path.
func decodePolicyText(s string) (string, error) {
	trimmed := strings.TrimSpace(s)
	if trimmed == "" {
		return "", fmt.Errorf("%w: the policy is empty", ErrInvalidPolicy)
	}
	if strings.HasPrefix(trimmed, "{") {
		return trimmed, nil
	}
	decoded, err := url.PathUnescape(trimmed)
	if err != nil {
		return "", fmt.Errorf("%w: the policy is neither JSON nor URL-encoded JSON: %v", ErrInvalidPolicy, err)
	}
	decoded = strings.TrimSpace(decoded)
	if !strings.HasPrefix(decoded, "{") {
		return "", fmt.Errorf("%w: the policy must be a JSON object, got text starting with %q",
			ErrInvalidPolicy, firstRunes(decoded, 20))
	}
	return decoded, nil
}

// describeJSONError turns a decoding error into one that gives the line and
// column of a syntax error.
func describeJSONError(text string, err error) error {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		line, column := lineAndColumn(text, syntaxErr.Offset)
		return fmt.Errorf("%w: malformed JSON at line %d, column %d: %v", ErrInvalidPolicy, line, column, err)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("%w: the policy must be a JSON object, got a JSON %s", ErrInvalidPolicy, typeErr.Value)
	}
	return fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
}

// lineAndColumn converts a byte offset into a 1-based line and column. A
// json.SyntaxError offset points just past the byte that failed.
func lineAndColumn(text string, offset int64) (int, int) {
	if offset > int64(len(text)) {
		offset = int64(len(text))
	}
	before := text[:max(offset-1, 0)]
	line := strings.Count(before, "\n") + 1
	column := len(before) - strings.LastIndex(before, "\n")
	return line, column
}

func firstRunes(s string, n int) string {
	runes := []rune(s)
	if len(runes) > n {
		return string(runes[:n]) + "..."
	}
	return s
}

func checkElementNames(where string, object map[string]json.RawMessage, allowed ...string) error {
	for _, name := range sortedKeys(object) {
		if !slices.Contains(allowed, name) {
			return fmt.Errorf("%w: %s has the unknown element %q, expected one of %s",
				ErrInvalidPolicy, where, name, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func parseOptionalString(object map[string]json.RawMessage, name, where string, target *string) error {
	raw, ok := object[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, target); err != nil {
		return fmt.Errorf("%w: %s element %s must be a string", ErrInvalidPolicy, where, name)
	}
	return nil
}

func parseStatements(raw json.RawMessage) ([]Statement, error) {
	if raw == nil {
		return nil, fmt.Errorf("%w: missing Statement element", ErrInvalidPolicy)
	}
	var objects []map[string]json.RawMessage
	switch firstByte(raw) {
	case '{':
		var object map[string]json.RawMessage
		if err := json.Unmarshal(raw, &object); err != nil {
			return nil, fmt.Errorf("%w: Statement: %v", ErrInvalidPolicy, err)
		}
		objects = append(objects, object)
	case '[':
		if err := json.Unmarshal(raw, &objects); err != nil {
			return nil, fmt.Errorf("%w: Statement must be an object or a list of objects", ErrInvalidPolicy)
		}
	default:
		return nil, fmt.Errorf("%w: Statement must be an object or a list of objects", ErrInvalidPolicy)
	}
	statements := make([]Statement, 0, len(objects))
	for i, object := range objects {
		statement, err := parseStatement(i, object)
		if err != nil {
			return nil, err
		}
		statements = append(statements, statement)
	}
	return statements, nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// sortedKeys returns the keys of m in order, so that errors and output do not
// depend on map iteration order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func firstByte(raw json.RawMessage) byte {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return 0
	}
	return trimmed[0]
}

var statementElements = []string{
	"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
	"Resource", "NotResource", "Condition",
}

func parseStatement(index int, object map[string]json.RawMessage) (Statement, error) {
	where := fmt.Sprintf("statement %d", index)
	if object == nil {
		return Statement{}, fmt.Errorf("%w: %s must be an object", ErrInvalidPolicy, where)
	}
	if err := checkElementNames(where, object, statementElements...); err != nil {
		return Statement{}, err
	}
	var s Statement
	if err := parseOptionalString(object, "Sid", where, &s.Sid); err != nil {
		return Statement{}, err
	}
	if err := parseEffect(where, object, &s); err != nil {
		return Statement{}, err
	}
	if err := parseStatementLists(where, object, &s); err != nil {
		return Statement{}, err
	}
	condition, err := parseCondition(where, object["Condition"])
	if err != nil {
		return Statement{}, err
	}
	s.Condition = condition
	return s, checkStatementShape(where, s)
}

func parseEffect(where string, object map[string]json.RawMessage, s *Statement) error {
	if _, ok := object["Effect"]; !ok {
		return fmt.Errorf("%w: %s has no Effect element", ErrInvalidPolicy, where)
	}
	if err := parseOptionalString(object, "Effect", where, &s.Effect); err != nil {
		return err
	}
	if s.Effect != EffectAllow && s.Effect != EffectDeny {
		return fmt.Errorf("%w: %s has Effect %q, expected Allow or Deny", ErrInvalidPolicy, where, s.Effect)
	}
	return nil
}

func parseStatementLists(where string, object map[string]json.RawMessage, s *Statement) error {
	var err error
	if s.Principal, err = parsePrincipal(where, "Principal", object["Principal"]); err != nil {
		return err
	}
	if s.NotPrincipal, err = parsePrincipal(where, "NotPrincipal", object["NotPrincipal"]); err != nil {
		return err
	}
	lists := []struct {
		name   string
		target *Values
	}{
		{"Action", &s.Action},
		{"NotAction", &s.NotAction},
		{"Resource", &s.Resource},
		{"NotResource", &s.NotResource},
	}
	for _, list := range lists {
		if *list.target, err = parseValues(where+" "+list.name, object[list.name], false); err != nil {
			return err
		}
	}
	return nil
}

// checkStatementShape rejects element combinations that IAM rejects in a
// trust policy statement.
func checkStatementShape(where string, s Statement) error {
	switch {
	case s.Principal != nil && s.NotPrincipal != nil:
		return fmt.Errorf("%w: %s has both Principal and NotPrincipal", ErrInvalidPolicy, where)
	case s.Principal == nil && s.NotPrincipal == nil:
		return fmt.Errorf("%w: %s has neither Principal nor NotPrincipal", ErrInvalidPolicy, where)
	case s.Action != nil && s.NotAction != nil:
		return fmt.Errorf("%w: %s has both Action and NotAction", ErrInvalidPolicy, where)
	case s.Action == nil && s.NotAction == nil:
		return fmt.Errorf("%w: %s has neither Action nor NotAction", ErrInvalidPolicy, where)
	case s.Resource != nil && s.NotResource != nil:
		return fmt.Errorf("%w: %s has both Resource and NotResource", ErrInvalidPolicy, where)
	}
	return nil
}

var principalTypes = []string{"AWS", "CanonicalUser", "Federated", "Service"}

func parsePrincipal(where, name string, raw json.RawMessage) (*Principal, error) {
	if raw == nil {
		return nil, nil
	}
	where = where + " " + name
	if isNull(raw) {
		return nil, fmt.Errorf("%w: %s must not be null", ErrInvalidPolicy, where)
	}

	var wildcard string
	if json.Unmarshal(raw, &wildcard) == nil {
		if wildcard != "*" {
			return nil, fmt.Errorf("%w: %s must be \"*\" or an object such as {\"Federated\": \"<ARN>\"}, got %q",
				ErrInvalidPolicy, where, wildcard)
		}
		return &Principal{All: true}, nil
	}

	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil || object == nil {
		return nil, fmt.Errorf("%w: %s must be \"*\" or an object", ErrInvalidPolicy, where)
	}
	if err := checkElementNames(where, object, principalTypes...); err != nil {
		return nil, err
	}

	p := &Principal{}
	targets := []*Values{&p.AWS, &p.CanonicalUser, &p.Federated, &p.Service}
	for i, principalType := range principalTypes {
		values, err := parseValues(where+" "+principalType, object[principalType], false)
		if err != nil {
			return nil, err
		}
		*targets[i] = values
	}
	return p, nil
}

// parseValues reads a string or a list of strings. With scalars set it also
// accepts booleans and numbers, as IAM does in condition values, and keeps
// their JSON text. A missing element gives nil and an empty list an empty,
// non-nil Values.
func parseValues(where string, raw json.RawMessage, scalars bool) (Values, error) {
	if raw == nil {
		return nil, nil
	}
	var items []json.RawMessage
	if firstByte(raw) == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("%w: %s must be a string or a list of strings", ErrInvalidPolicy, where)
		}
	} else {
		items = []json.RawMessage{raw}
	}
	values := Values{}
	for _, item := range items {
		value, err := parseScalar(where, item, scalars)
		if err != nil {
			return nil, err
		}
		values = append(values, value)
	}
	return values, nil
}

func parseScalar(where string, raw json.RawMessage, scalars bool) (string, error) {
	if isNull(raw) {
		return "", fmt.Errorf("%w: %s must not be null", ErrInvalidPolicy, where)
	}
	var value string
	if json.Unmarshal(raw, &value) == nil {
		return value, nil
	}
	if scalars {
		var other any
		decoder := json.NewDecoder(bytes.NewReader(raw))
		decoder.UseNumber()
		if decoder.Decode(&other) == nil {
			switch typed := other.(type) {
			case bool:
				return fmt.Sprint(typed), nil
			case json.Number:
				return typed.String(), nil
			}
		}
		return "", fmt.Errorf("%w: %s must be a string, boolean or number, or a list of them", ErrInvalidPolicy, where)
	}
	return "", fmt.Errorf("%w: %s must be a string or a list of strings", ErrInvalidPolicy, where)
}

func parseCondition(where string, raw json.RawMessage) (Condition, error) {
	if raw == nil {
		return nil, nil
	}
	where += " Condition"
	var operators map[string]json.RawMessage
	if err := json.Unmarshal(raw, &operators); err != nil || operators == nil {
		return nil, fmt.Errorf("%w: %s must be an object of condition operators", ErrInvalidPolicy, where)
	}
	condition := Condition{}
	for _, operator := range sortedKeys(operators) {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(operators[operator], &keys); err != nil || keys == nil {
			return nil, fmt.Errorf("%w: %s operator %s must map condition keys to values", ErrInvalidPolicy, where, operator)
		}
		condition[operator] = map[string]Values{}
		for _, key := range sortedKeys(keys) {
			values, err := parseValues(where+" "+operator+" "+key, keys[key], true)
			if err != nil {
				return nil, err
			}
			condition[operator][key] = values
		}
	}
	return condition, nil
}
