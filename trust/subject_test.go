package trust

import (
	"errors"
	"strings"
	"testing"
)

func TestSubjectString(t *testing.T) {
	got := Subject{Namespace: "firefly", Name: "runner-ci-runner-worker"}.String()
	if want := "system:serviceaccount:firefly:runner-ci-runner-worker"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestSubjectValidate(t *testing.T) {
	cases := []struct {
		subject Subject
		// wantError is a part of the expected message, or empty for no error.
		wantError string
	}{
		{Subject{"firefly", "ci-runner-worker"}, ""},
		{Subject{"a", "a.b-c.d"}, ""},
		{Subject{strings.Repeat("n", 63), strings.Repeat("s", 253)}, ""},
		{Subject{"", "worker"}, "missing namespace"},
		{Subject{"firefly", ""}, "missing ServiceAccount name"},
		{Subject{"Firefly", "worker"}, `namespace "Firefly" is not a DNS label`},
		{Subject{"fire.fly", "worker"}, `namespace "fire.fly" is not a DNS label`},
		{Subject{"-firefly", "worker"}, "is not a DNS label"},
		{Subject{strings.Repeat("n", 64), "worker"}, "64 characters long, the maximum is 63"},
		{Subject{"firefly", "Worker"}, `ServiceAccount name "Worker" is not a DNS subdomain`},
		{Subject{"firefly", "worker-"}, "is not a DNS subdomain"},
		{Subject{"firefly", "a..b"}, "is not a DNS subdomain"},
		{Subject{"firefly", "ci_runner"}, "is not a DNS subdomain"},
		{Subject{"firefly", strings.Repeat("s", 254)}, "254 characters long, the maximum is 253"},
	}
	for _, c := range cases {
		err := c.subject.Validate()
		if c.wantError == "" {
			if err != nil {
				t.Errorf("Validate(%+v) = %v, want nil", c.subject, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantError) {
			t.Errorf("Validate(%+v) = %v, want an error containing %q", c.subject, err, c.wantError)
		}
		if !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Validate(%+v) error does not wrap ErrInvalidSubject", c.subject)
		}
	}
}

func TestParseSubject(t *testing.T) {
	got, err := ParseSubject("system:serviceaccount:firefly:runner-ci-runner-worker")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Subject{"firefly", "runner-ci-runner-worker"}); got != want {
		t.Errorf("ParseSubject = %+v, want %+v", got, want)
	}
	for _, bad := range []string{
		"firefly:worker",
		"system:serviceaccount:firefly",
		"system:serviceaccount:firefly:worker:extra",
		"system:serviceaccount:*:worker",
	} {
		if _, err := ParseSubject(bad); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("ParseSubject(%q) error = %v, want ErrInvalidSubject", bad, err)
		}
	}
}
