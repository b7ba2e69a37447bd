package trust

import (
	"fmt"
	"regexp"
	"strings"
)

// subjectPrefix starts the sub claim of every Kubernetes ServiceAccount token.
const subjectPrefix = "system:serviceaccount:"

// Limits and patterns from Kubernetes' apimachinery validation: a namespace
// name is a DNS-1123 label and a ServiceAccount name a DNS-1123 subdomain.
const (
	maxLabelLength     = 63
	maxSubdomainLength = 253
)

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// Subject is a Kubernetes ServiceAccount as the sub claim of its token names it.
type Subject struct {
	Namespace string
	Name      string
}

// String returns the sub claim, system:serviceaccount:<namespace>:<name>.
func (s Subject) String() string {
	return subjectPrefix + s.Namespace + ":" + s.Name
}

// Validate checks that Kubernetes would accept the namespace and the
// ServiceAccount name. Errors wrap ErrInvalidSubject.
func (s Subject) Validate() error {
	if err := validateNamespace(s.Namespace); err != nil {
		return err
	}
	return validateServiceAccountName(s.Name)
}

// ParseSubject splits a sub claim of the form
// system:serviceaccount:<namespace>:<name> and validates both parts.
func ParseSubject(sub string) (Subject, error) {
	rest, ok := strings.CutPrefix(sub, subjectPrefix)
	if !ok {
		return Subject{}, fmt.Errorf("%w: %q does not start with %s", ErrInvalidSubject, sub, subjectPrefix)
	}
	namespace, name, ok := strings.Cut(rest, ":")
	if !ok {
		return Subject{}, fmt.Errorf("%w: %q has no ServiceAccount name after the namespace", ErrInvalidSubject, sub)
	}
	s := Subject{Namespace: namespace, Name: name}
	if err := s.Validate(); err != nil {
		return Subject{}, err
	}
	return s, nil
}

func validateNamespace(namespace string) error {
	switch {
	case namespace == "":
		return fmt.Errorf("%w: missing namespace", ErrInvalidSubject)
	case len(namespace) > maxLabelLength:
		return fmt.Errorf("%w: namespace %q is %d characters long, the maximum is %d",
			ErrInvalidSubject, namespace, len(namespace), maxLabelLength)
	case !dnsLabel.MatchString(namespace):
		return fmt.Errorf("%w: namespace %q is not a DNS label: use lowercase letters, digits and '-', "+
			"and start and end with a letter or digit", ErrInvalidSubject, namespace)
	}
	return nil
}

func validateServiceAccountName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: missing ServiceAccount name", ErrInvalidSubject)
	case len(name) > maxSubdomainLength:
		return fmt.Errorf("%w: ServiceAccount name %q is %d characters long, the maximum is %d",
			ErrInvalidSubject, name, len(name), maxSubdomainLength)
	case !dnsSubdomain.MatchString(name):
		return fmt.Errorf("%w: ServiceAccount name %q is not a DNS subdomain: use lowercase letters, digits, "+
			"'-' and '.', and start and end each dot-separated part with a letter or digit", ErrInvalidSubject, name)
	}
	return nil
}
