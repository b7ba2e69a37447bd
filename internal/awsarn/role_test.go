package awsarn

import (
	"strings"
	"testing"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		arn       string
		want      Role
		wantError string
	}{
		{arn: "arn:aws:iam::111122223333:role/firefly-runner", want: Role{Partition: "aws", Account: "111122223333", Path: "/", Name: "firefly-runner"}},
		{arn: "arn:aws-cn:iam::111122223333:role/ci/runners/name", want: Role{Partition: "aws-cn", Account: "111122223333", Path: "/ci/runners/", Name: "name"}},
		{arn: "arn:aws-us-gov:iam::111122223333:role/a+b=c,d.e@f_g-h", want: Role{Partition: "aws-us-gov", Account: "111122223333", Path: "/", Name: "a+b=c,d.e@f_g-h"}},
		{arn: "arn:aws:iam::11112222333:role/x", wantError: "is not 12 digits"},
		{arn: "arn:aws:iam::111122223333:user/x", wantError: "which is not a role"},
		{arn: "arn:aws:sts::111122223333:role/x", wantError: "not iam"},
		{arn: "arn:aws:iam:eu-west-1:111122223333:role/x", wantError: "have no region"},
		{arn: "arn:azure:iam::111122223333:role/x", wantError: "unknown partition"},
		{arn: "arn:aws:iam::111122223333:role/", wantError: "role name"},
		{arn: "arn:aws:iam::111122223333:role//x", wantError: "path segment"},
		{arn: "arn:aws:iam::111122223333:role/" + strings.Repeat("n", 65), wantError: "role name"},
		{arn: "role/x", wantError: "is not an ARN"},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			got, err := ParseRole(tc.arn)
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("ParseRole error = %v, want one containing %q", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRole: %v", err)
			}
			if got != tc.want {
				t.Errorf("ParseRole = %+v, want %+v", got, tc.want)
			}
			if got.String() != tc.arn {
				t.Errorf("String = %s, want %s", got.String(), tc.arn)
			}
		})
	}
}

func FuzzParseRole(f *testing.F) {
	for _, seed := range []string{"arn:aws:iam::111122223333:role/firefly-runner", "arn:aws-cn:iam::111122223333:role/ci/runners/name", "arn:aws:iam::1:role/", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		role, err := ParseRole(arn)
		if err != nil {
			return
		}
		if role.String() != arn {
			t.Fatalf("String() = %q, want the input %q", role.String(), arn)
		}
		again, err := ParseRole(role.String())
		if err != nil || again != role {
			t.Fatalf("reparse = %+v, %v; want %+v", again, err, role)
		}
	})
}
