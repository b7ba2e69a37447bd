package schema

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Violation is one broken rule in one document.
type Violation struct {
	// Pointer is the RFC 6901 JSON pointer of the offending value in the
	// document, such as /metadata/annotations/eks.amazonaws.com~1role-arn.
	// For a missing value it points where the value belongs.
	Pointer string
	// Rule is the rule ID, such as "role-arn-partition".
	Rule string
	// Message names the offending value and the fact it was checked against.
	Message string
}

// Validator checks documents against a compiled schema. It is safe for
// concurrent use: compile it once and reuse it for every document.
type Validator struct {
	schema *jsonschema.Schema
	facts  facts.Facts
	// sites maps the location of every subschema under an x-rule subschema
	// to that rule and to how many instance levels it lies below it.
	sites map[string]ruleSite
}

// ruleSite is the rule that encloses one subschema.
type ruleSite struct {
	rule string
	// depth is the number of instance levels between the x-rule subschema
	// and this one: each properties, items or contains step adds one.
	depth int
}

// Compile builds the schema for s and compiles it. Nothing is fetched: the
// schema's only resource is held in memory and every other URL fails.
func Compile(s Settings) (*Validator, error) {
	raw, err := Build(s)
	if err != nil {
		return nil, err
	}
	document, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode generated schema: %w", err)
	}
	compiled, err := compileDocument(SchemaID, document)
	if err != nil {
		return nil, err
	}
	sites := map[string]ruleSite{}
	indexRules(document, nil, ruleSite{}, sites)
	return &Validator{
		schema: compiled,
		facts:  *s.Facts,
		sites:  sites,
	}, nil
}

// compileDocument compiles document as the resource id. The draft 2020-12
// metaschema is embedded in jsonschema/v6, and any other reference fails.
func compileDocument(id string, document any) (*jsonschema.Schema, error) {
	compiler := jsonschema.NewCompiler()
	compiler.DefaultDraft(jsonschema.Draft2020)
	compiler.UseLoader(memoryOnlyLoader{})
	compiler.UseRegexpEngine(regexpCache{}.compile)
	if err := compiler.AddResource(id, document); err != nil {
		return nil, fmt.Errorf("add generated schema: %w", err)
	}
	compiled, err := compiler.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("compile generated schema: %w", err)
	}
	return compiled, nil
}

// regexpCache compiles each regular expression of one schema once. The
// compiler checks every pattern against the metaschema's "regex" format
// before it compiles the pattern for use, which without the cache compiles
// it twice. A cache belongs to one compiler, which runs on one goroutine.
type regexpCache map[string]*regexp.Regexp

func (c regexpCache) compile(pattern string) (jsonschema.Regexp, error) {
	if re, ok := c[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	c[pattern] = re
	return re, nil
}

// memoryOnlyLoader is asked only for URLs that are not in memory, and fails
// for all of them.
type memoryOnlyLoader struct{}

func (memoryOnlyLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not in memory, and remote schemas are never loaded", url)
}

// Validate returns every violation in doc, one per pointer and rule, sorted
// by pointer, array indexes in numeric order.
func (v *Validator) Validate(doc any) []Violation {
	return validateWith(v.schema, doc, "document", func(e *jsonschema.ValidationError, out map[[2]string]Violation) bool {
		site, ok := v.sites[e.SchemaURL]
		if ok {
			v.addViolation(e, site, doc, out)
		}
		return ok
	})
}

// addViolation turns a failed keyword under a rule into that rule's
// violation.
func (v *Validator) addViolation(e *jsonschema.ValidationError, site ruleSite, doc any, out map[[2]string]Violation) {
	baseLength := max(len(e.InstanceLocation)-site.depth, 0)
	base := e.InstanceLocation[:baseLength]
	r := rules[site.rule]
	location := reachableLocation(doc, append(slices.Clip(base), r.suffix...))
	pointer := formatPointer(location)
	key := [2]string{pointer, site.rule}
	if _, seen := out[key]; seen {
		return
	}
	baseValue, _ := lookup(doc, base)
	value, found := lookup(doc, location)
	out[key] = Violation{
		Pointer: pointer,
		Rule:    site.rule,
		Message: r.message(finding{facts: &v.facts, base: baseValue, value: value, found: found}),
	}
}

// ruleLeaf adds the violation for one leaf of a validation error tree and
// reports whether the leaf belongs to a rule.
type ruleLeaf func(e *jsonschema.ValidationError, out map[[2]string]Violation) bool

// validateWith validates instance, what is named in messages, against a
// compiled schema and maps every failed keyword to a violation through
// leaf: one violation per pointer and rule, sorted.
func validateWith(s *jsonschema.Schema, instance any, what string, leaf ruleLeaf) []Violation {
	err := s.Validate(instance)
	if err == nil {
		return nil
	}
	var root *jsonschema.ValidationError
	if !errors.As(err, &root) {
		return []Violation{{Rule: RuleSchema, Message: what + " could not be validated: " + err.Error()}}
	}
	collected := map[[2]string]Violation{}
	collectLeaves(root, collected, leaf)
	violations := make([]Violation, 0, len(collected))
	for _, violation := range collected {
		violations = append(violations, violation)
	}
	sortViolations(violations)
	return violations
}

// collectLeaves walks the error tree down to its leaves, the deepest failed
// keywords, and maps each one: a value without a JSON form, a keyword of a
// rule through leaf, and any other keyword to RuleSchema.
func collectLeaves(e *jsonschema.ValidationError, out map[[2]string]Violation, leaf ruleLeaf) {
	if len(e.Causes) > 0 {
		for _, cause := range e.Causes {
			collectLeaves(cause, out, leaf)
		}
		return
	}
	pointer := formatPointer(e.InstanceLocation)
	if invalid, ok := e.ErrorKind.(*kind.InvalidJsonValue); ok {
		out[[2]string{pointer, RuleJSONValue}] = Violation{
			Pointer: pointer,
			Rule:    RuleJSONValue,
			Message: fmt.Sprintf("value at %s has the Go type %T, which has no JSON form", displayPointer(pointer), invalid.Value),
		}
		return
	}
	if !leaf(e, out) {
		out[[2]string{pointer, RuleSchema}] = Violation{
			Pointer: pointer,
			Rule:    RuleSchema,
			Message: fmt.Sprintf("value at %s breaks a schema keyword that belongs to no rule (jsonschema: %s)", displayPointer(pointer), e.Error()),
		}
	}
}

// Keywords of the generated schema whose subschemas apply to a child of the
// instance, and those whose subschemas are named by the next token.
var (
	childKeywords = map[string]bool{
		"properties": true, "patternProperties": true, "additionalProperties": true,
		"items": true, "prefixItems": true, "contains": true,
		"unevaluatedProperties": true, "unevaluatedItems": true, "propertyNames": true,
	}
	namedKeywords = map[string]bool{
		"properties": true, "patternProperties": true, "$defs": true, "dependentSchemas": true,
		"allOf": true, "anyOf": true, "oneOf": true, "prefixItems": true,
	}
)

// indexRules records the rule site of every subschema of node, whose
// location is the token path tokens. A subschema of $defs starts outside
// any rule, because it is reached by $ref and not by nesting.
func indexRules(node any, tokens []string, site ruleSite, out map[string]ruleSite) {
	schema, ok := node.(map[string]any)
	if !ok {
		return
	}
	if id, ok := schema[RuleKeyword].(string); ok {
		site = ruleSite{rule: id}
	}
	if site.rule != "" {
		out[schemaLocation(tokens)] = site
	}

	for keyword, child := range schema {
		childSite := site
		if keyword == "$defs" {
			childSite = ruleSite{}
		} else if childKeywords[keyword] {
			childSite.depth++
		}
		path := append(slices.Clip(tokens), keyword)
		if !namedKeywords[keyword] {
			indexRules(child, path, childSite, out)
			continue
		}
		switch children := child.(type) {
		case map[string]any:
			for name, grandchild := range children {
				indexRules(grandchild, append(slices.Clip(path), name), childSite, out)
			}
		case []any:
			for i, grandchild := range children {
				indexRules(grandchild, append(slices.Clip(path), strconv.Itoa(i)), childSite, out)
			}
		}
	}
}

// schemaLocation formats a subschema location the way jsonschema/v6 sets
// ValidationError.SchemaURL: the resource URL, "#", and a JSON pointer whose
// tokens are percent-encoded as URL path segments.
func schemaLocation(tokens []string) string {
	var b strings.Builder
	b.WriteString(SchemaID)
	b.WriteByte('#')
	for _, token := range tokens {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(escapeToken(token)))
	}
	return b.String()
}

func formatPointer(tokens []string) string {
	var b strings.Builder
	for _, token := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(token))
	}
	return b.String()
}

func displayPointer(pointer string) string {
	if pointer == "" {
		return "the document root"
	}
	return pointer
}

func escapeToken(token string) string {
	token = strings.ReplaceAll(token, "~", "~0")
	return strings.ReplaceAll(token, "/", "~1")
}

// reachableLocation shortens location to the first value on it that is
// neither an object nor an array, because nothing can be below that value.
// A missing member of an object or array keeps the full location: it points
// where the value belongs.
func reachableLocation(doc any, location []string) []string {
	value := doc
	for i, token := range location {
		switch container := value.(type) {
		case map[string]any:
			child, ok := container[token]
			if !ok {
				return location
			}
			value = child
		case []any:
			index, err := strconv.Atoi(token)
			if err != nil || index < 0 || index >= len(container) {
				return location
			}
			value = container[index]
		default:
			return location[:i]
		}
	}
	return location
}

// lookup returns the value at the token path tokens in doc.
func lookup(doc any, tokens []string) (any, bool) {
	value := doc
	for _, token := range tokens {
		switch container := value.(type) {
		case map[string]any:
			child, ok := container[token]
			if !ok {
				return nil, false
			}
			value = child
		case []any:
			index, err := strconv.Atoi(token)
			if err != nil || index < 0 || index >= len(container) {
				return nil, false
			}
			value = container[index]
		default:
			return nil, false
		}
	}
	return value, true
}

// sortViolations orders violations by pointer, comparing array indexes as
// numbers so that /items/2 comes before /items/10, then by rule.
func sortViolations(violations []Violation) {
	slices.SortFunc(violations, func(a, b Violation) int {
		if c := comparePointers(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

func comparePointers(a, b string) int {
	tokensA := strings.Split(a, "/")
	tokensB := strings.Split(b, "/")
	for i := 0; i < len(tokensA) && i < len(tokensB); i++ {
		if c := compareTokens(tokensA[i], tokensB[i]); c != 0 {
			return c
		}
	}
	return len(tokensA) - len(tokensB)
}

func compareTokens(a, b string) int {
	numberA, errA := strconv.ParseUint(a, 10, 64)
	numberB, errB := strconv.ParseUint(b, 10, 64)
	if errA == nil && errB == nil && numberA != numberB {
		if numberA < numberB {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
