package trust

import "strings"

// operatorKind sorts condition operators by how Evaluate handles them.
type operatorKind int

const (
	// kindUnknown is an operator that IAM does not define.
	kindUnknown operatorKind = iota
	// kindString is a string operator, which Evaluate implements fully.
	kindString
	// kindNull is the Null operator, which tests whether a key is present.
	kindNull
	// kindOther is an IAM operator for numbers, dates, booleans, binary
	// data, IP addresses or ARNs. Evaluate applies it only to keys that the
	// request lacks, where IAM's missing-key rule decides the result.
	kindOther
)

// setOperator is the ForAnyValue: or ForAllValues: prefix of an operator.
type setOperator int

const (
	setNone setOperator = iota
	setForAnyValue
	setForAllValues
)

// operator is a parsed condition operator such as ForAnyValue:StringLikeIfExists.
type operator struct {
	// name is the operator as the policy writes it.
	name     string
	base     string
	kind     operatorKind
	set      setOperator
	ifExists bool
	// negated marks operators such as StringNotEquals that are true when no
	// policy value matches, and true for a key the request lacks.
	negated bool
	// match compares a request value with one policy value; only string
	// operators have it.
	match func(value, pattern string) bool
}

type baseOperator struct {
	kind    operatorKind
	negated bool
	match   func(value, pattern string) bool
}

// baseOperators lists IAM's condition operators without set prefix and
// IfExists suffix, keyed by lowercase name.
var baseOperators = map[string]baseOperator{
	"stringequals":              {kindString, false, equalsExactly},
	"stringnotequals":           {kindString, true, equalsExactly},
	"stringequalsignorecase":    {kindString, false, strings.EqualFold},
	"stringnotequalsignorecase": {kindString, true, strings.EqualFold},
	"stringlike":                {kindString, false, matchWildcard},
	"stringnotlike":             {kindString, true, matchWildcard},
	"null":                      {kind: kindNull},
	"numericequals":             {kind: kindOther},
	"numericnotequals":          {kind: kindOther, negated: true},
	"numericlessthan":           {kind: kindOther},
	"numericlessthanequals":     {kind: kindOther},
	"numericgreaterthan":        {kind: kindOther},
	"numericgreaterthanequals":  {kind: kindOther},
	"dateequals":                {kind: kindOther},
	"datenotequals":             {kind: kindOther, negated: true},
	"datelessthan":              {kind: kindOther},
	"datelessthanequals":        {kind: kindOther},
	"dategreaterthan":           {kind: kindOther},
	"dategreaterthanequals":     {kind: kindOther},
	"bool":                      {kind: kindOther},
	"binaryequals":              {kind: kindOther},
	"ipaddress":                 {kind: kindOther},
	"notipaddress":              {kind: kindOther, negated: true},
	"arnequals":                 {kind: kindOther},
	"arnlike":                   {kind: kindOther},
	"arnnotequals":              {kind: kindOther, negated: true},
	"arnnotlike":                {kind: kindOther, negated: true},
}

func equalsExactly(value, pattern string) bool { return value == pattern }

// parseOperator splits name into its set prefix, base operator and IfExists
// suffix. Names are matched without regard to case. Null takes neither a
// prefix nor the suffix, and a name that fits no rule is kindUnknown.
func parseOperator(name string) operator {
	op := operator{name: name}
	rest := name
	if after, ok := cutPrefixFold(rest, "ForAnyValue:"); ok {
		op.set, rest = setForAnyValue, after
	} else if after, ok := cutPrefixFold(rest, "ForAllValues:"); ok {
		op.set, rest = setForAllValues, after
	}
	if before, ok := cutSuffixFold(rest, "IfExists"); ok {
		op.ifExists, rest = true, before
	}
	base, ok := baseOperators[strings.ToLower(rest)]
	if !ok || (base.kind == kindNull && (op.set != setNone || op.ifExists)) {
		return operator{name: name, kind: kindUnknown}
	}
	op.base, op.kind, op.negated, op.match = rest, base.kind, base.negated, base.match
	return op
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// conditionResult is the outcome of one operator on one key.
type conditionResult int

const (
	conditionTrue conditionResult = iota
	conditionFalse
	// conditionUnsupported marks a kindOther operator on a key the request
	// carries, which Evaluate cannot compare and counts as not matching.
	conditionUnsupported
)

// evaluate applies the operator to one condition key. present and value
// describe the key in the request context, which holds single-valued keys
// only, so a set operator sees a one-element set.
//
// A key the request lacks follows IAM's rules: ...IfExists is true, Null
// "true" is true, ForAllValues is true, ForAnyValue is false, a negated
// operator is true and any other operator is false. For a present key, a
// plain operator is true when any policy value matches, and a negated one
// when none does.
func (op operator) evaluate(present bool, value string, policyValues Values) conditionResult {
	if op.kind == kindNull {
		return boolResult(nullMatches(present, policyValues))
	}
	if !present {
		switch {
		case op.ifExists:
			return conditionTrue
		case op.set == setForAllValues:
			return conditionTrue
		case op.set == setForAnyValue:
			return conditionFalse
		}
		return boolResult(op.negated)
	}
	if op.kind != kindString {
		return conditionUnsupported
	}
	matched := false
	for _, pattern := range policyValues {
		if op.match(value, pattern) {
			matched = true
			break
		}
	}
	return boolResult(matched != op.negated)
}

// nullMatches is true when a policy value "true" meets an absent key or a
// policy value "false" meets a present one.
func nullMatches(present bool, policyValues Values) bool {
	for _, pattern := range policyValues {
		switch strings.ToLower(pattern) {
		case "true":
			if !present {
				return true
			}
		case "false":
			if present {
				return true
			}
		}
	}
	return false
}

func boolResult(ok bool) conditionResult {
	if ok {
		return conditionTrue
	}
	return conditionFalse
}

// matchWildcard reports whether value matches an IAM pattern in which '*'
// matches any run of characters, the empty run included, and '?' matches
// exactly one character. The comparison is case-sensitive and works on
// runes. Policy variables such as ${aws:username} are not expanded.
func matchWildcard(value, pattern string) bool {
	v, p := []rune(value), []rune(pattern)
	vi, pi := 0, 0
	star, starValue := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || (p[pi] != '*' && p[pi] == v[vi])):
			vi++
			pi++
		case pi < len(p) && p[pi] == '*':
			star, starValue = pi, vi
			pi++
		case star >= 0:
			// Let the last '*' absorb one more character and retry.
			starValue++
			vi, pi = starValue, star+1
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
