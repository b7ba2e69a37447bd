package schema

import (
	"strings"
	"testing"
)

func TestValidateWithoutClusterNamesFlag(t *testing.T) {
	f := clusterFacts("aws-cn")
	f.Cluster = ""
	v, err := Compile(Settings{Facts: f})
	if err != nil {
		t.Fatalf("Compile without a cluster name: %v", err)
	}
	got := v.Validate(serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/runner")))
	if len(got) != 1 {
		t.Fatalf("violations = %d, want 1: %v", len(got), got)
	}
	want := "partition aws does not match the cluster's partition aws-cn (--region, " + f.Region + ")"
	if !strings.Contains(got[0].Message, want) {
		t.Errorf("message = %q, want it to contain %q", got[0].Message, want)
	}
}
