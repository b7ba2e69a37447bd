package trust

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/firefly-oss/irsa-render/internal/pattern"
)

// TerraformOptions names the aws_iam_role resource that Terraform writes.
type TerraformOptions struct {
	// RoleName is the IAM role name, the resource's name argument.
	RoleName string
	// ResourceName is the Terraform resource name. Empty means RoleName with
	// every character that Terraform does not allow in a name replaced by '_'.
	ResourceName string
}

var (
	// roleName follows the IAM CreateRole RoleName pattern and length limit.
	roleName = pattern.MustBounded(`^[\w+=,.@-]+$`, 64)
	// hclIdentifier is an HCL identifier as Terraform accepts it for names
	// and unquoted object keys.
	hclIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	notInHCLName  = regexp.MustCompile(`[^A-Za-z0-9_-]`)
)

// Terraform writes an aws_iam_role resource whose assume_role_policy is
// jsonencode of doc in HCL object syntax, laid out so that terraform fmt
// leaves it unchanged (the tests check this with Terraform 1.11 when it is
// installed).
// Keys that are not HCL identifiers, such as the condition keys with ':' and
// '/', are quoted. Errors wrap ErrInvalidInput.
func Terraform(doc Document, opts TerraformOptions) ([]byte, error) {
	if err := checkRoleName(opts.RoleName); err != nil {
		return nil, err
	}
	resource, err := terraformResourceName(opts)
	if err != nil {
		return nil, err
	}
	var w hclWriter
	fmt.Fprintf(&w.out, "resource \"aws_iam_role\" %s {\n", hclString(resource))
	w.writeItems(1, []hclItem{
		{key: "name", value: hclText(hclString(opts.RoleName))},
		{key: "assume_role_policy", value: hclCall{name: "jsonencode", argument: documentHCL(doc)}},
	})
	w.out.WriteString("}\n")
	return []byte(w.out.String()), nil
}

func checkRoleName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: missing role name", ErrInvalidInput)
	}
	if !roleName.MatchString(name) {
		return fmt.Errorf("%w: role name %q must be 1 to 64 letters, digits or any of +=,.@_-", ErrInvalidInput, name)
	}
	return nil
}

func terraformResourceName(opts TerraformOptions) (string, error) {
	if opts.ResourceName != "" {
		if !hclIdentifier.MatchString(opts.ResourceName) {
			return "", fmt.Errorf("%w: Terraform resource name %q must start with a letter or '_' "+
				"and contain only letters, digits, '_' and '-'", ErrInvalidInput, opts.ResourceName)
		}
		return opts.ResourceName, nil
	}
	name := notInHCLName.ReplaceAllString(opts.RoleName, "_")
	if !hclIdentifier.MatchString(name) {
		name = "role_" + name
	}
	return name, nil
}

// documentHCL converts doc to HCL values in the element order of JSON.
func documentHCL(doc Document) hclObject {
	var items []hclItem
	if doc.Version != "" {
		items = append(items, hclItem{key: "Version", value: hclText(hclString(doc.Version))})
	}
	if doc.ID != "" {
		items = append(items, hclItem{key: "Id", value: hclText(hclString(doc.ID))})
	}
	statements := hclList{}
	for _, statement := range doc.Statement {
		statements = append(statements, statementHCL(statement))
	}
	return append(items, hclItem{key: "Statement", value: statements})
}

func statementHCL(s Statement) hclObject {
	var items hclObject
	if s.Sid != "" {
		items = append(items, hclItem{key: "Sid", value: hclText(hclString(s.Sid))})
	}
	items = append(items, hclItem{key: "Effect", value: hclText(hclString(s.Effect))})
	items = appendPrincipalHCL(items, "Principal", s.Principal)
	items = appendPrincipalHCL(items, "NotPrincipal", s.NotPrincipal)
	items = appendValuesHCL(items, "Action", s.Action)
	items = appendValuesHCL(items, "NotAction", s.NotAction)
	items = appendValuesHCL(items, "Resource", s.Resource)
	items = appendValuesHCL(items, "NotResource", s.NotResource)
	if s.Condition != nil {
		items = append(items, hclItem{key: "Condition", value: conditionHCL(s.Condition)})
	}
	return items
}

func appendPrincipalHCL(items hclObject, key string, p *Principal) hclObject {
	switch {
	case p == nil:
		return items
	case p.All:
		return append(items, hclItem{key: key, value: hclText(`"*"`)})
	}
	object := hclObject{}
	object = appendValuesHCL(object, "AWS", p.AWS)
	object = appendValuesHCL(object, "CanonicalUser", p.CanonicalUser)
	object = appendValuesHCL(object, "Federated", p.Federated)
	object = appendValuesHCL(object, "Service", p.Service)
	return append(items, hclItem{key: key, value: object})
}

func appendValuesHCL(items hclObject, key string, values Values) hclObject {
	if values == nil {
		return items
	}
	return append(items, hclItem{key: key, value: valuesHCL(values)})
}

// valuesHCL writes one value as a string and any other number as a list,
// matching JSON.
func valuesHCL(values Values) hclValue {
	if len(values) == 1 {
		return hclText(hclString(values[0]))
	}
	list := hclList{}
	for _, value := range values {
		list = append(list, hclText(hclString(value)))
	}
	return list
}

func conditionHCL(condition Condition) hclObject {
	operators := hclObject{}
	for _, operator := range sortedKeys(condition) {
		keys := hclObject{}
		for _, key := range sortedKeys(condition[operator]) {
			keys = append(keys, hclItem{key: key, value: valuesHCL(condition[operator][key])})
		}
		operators = append(operators, hclItem{key: operator, value: keys})
	}
	return operators
}

// hclString quotes s as an HCL string literal. Besides the JSON-like escapes,
// HCL needs "$${" and "%%{" so that "${" and "%{" are not read as template
// sequences.
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hclKey writes an object key bare when HCL reads it back as the same
// string, and quoted otherwise. The keywords true, false and null are quoted
// because HCL reads them as values.
func hclKey(key string) string {
	if hclIdentifier.MatchString(key) && key != "true" && key != "false" && key != "null" {
		return key
	}
	return hclString(key)
}
