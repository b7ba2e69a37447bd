package schema

import (
	"testing"
)

func TestWarningsCrossAccountRole(t *testing.T) {
	v := validatorFor(t, "aws", "")
	doc := serviceAccount(roleAnnotation("arn:aws:iam::" + foreignAccount + ":role/ci/runners/ci-runner-worker"))
	if violations := v.Validate(doc); len(violations) != 0 {
		t.Fatalf("cross-account role is invalid:\n%s", formatViolations(violations))
	}
	checkViolations(t, v.Warnings(doc), []expected{{
		"/metadata/annotations/eks.amazonaws.com~1role-arn",
		WarnRoleARNCrossAccount,
		"role account 444455556666 differs from the cluster's account 111122223333: cross-account roles work only when the role's trust policy names this cluster's OIDC provider",
	}})
	checkViolations(t, v.Warnings(doc), []expected{{
		"/metadata/annotations/eks.amazonaws.com~1role-arn",
		WarnRoleARNCrossAccount,
		"registered in account 444455556666 for issuer https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789",
	}})
}

func TestWarningsSameAccountRole(t *testing.T) {
	v := validatorFor(t, "aws", "")
	doc := serviceAccount(roleAnnotation("arn:aws:iam::" + clusterAccount + ":role/ci-runner-worker"))
	checkViolations(t, v.Warnings(doc), nil)
}

func TestWarningsWithoutClusterAccount(t *testing.T) {
	f := clusterFacts("aws")
	f.Account = ""
	v, err := Compile(Settings{Facts: f})
	if err != nil {
		t.Fatal(err)
	}
	doc := serviceAccount(roleAnnotation("arn:aws:iam::" + foreignAccount + ":role/ci-runner-worker"))
	checkViolations(t, v.Warnings(doc), nil)
}

func TestWarningsMalformedAccountIgnored(t *testing.T) {
	v := validatorFor(t, "aws", "")
	doc := serviceAccount(roleAnnotation("arn:aws:iam::4444555566:role/ci-runner-worker"))
	checkViolations(t, v.Warnings(doc), nil)
}

func TestWarningsCrossAccountInList(t *testing.T) {
	v := validatorFor(t, "aws-cn", "")
	doc := kubeList("List", configMap("a"), serviceAccount(roleAnnotation("arn:aws-cn:iam::"+foreignAccount+":role/runner")))
	checkViolations(t, v.Warnings(doc), []expected{{
		"/items/1/metadata/annotations/eks.amazonaws.com~1role-arn",
		WarnRoleARNCrossAccount,
		"role account 444455556666 differs",
	}})
}

func TestWarningsRegionFromValueFrom(t *testing.T) {
	v := validatorFor(t, "aws", "")
	fromConfigMap := object{"configMapKeyRef": object{"name": "aws", "key": "region"}}
	doc := cronJob(withInit(
		podSpec(container("worker", runnerImage+":1.4.2", []any{
			object{"name": "LOG_LEVEL", "valueFrom": fromConfigMap},
			object{"name": envRegion, "valueFrom": fromConfigMap},
			object{"name": envDefaultRegion, "value": "eu-west-1"},
		})),
		container("prepare", "busybox:1.36", []any{object{"name": envDefaultRegion, "valueFrom": fromConfigMap}}),
	))
	if violations := v.Validate(doc); len(violations) != 0 {
		t.Fatalf("region from valueFrom is invalid:\n%s", formatViolations(violations))
	}
	checkViolations(t, v.Warnings(doc), []expected{
		{"/spec/jobTemplate/spec/template/spec/containers/0/env/1/valueFrom", WarnEnvRegionValueFrom,
			"AWS_REGION comes from valueFrom, so it cannot be checked against the cluster's region eu-west-1 (cluster demo)"},
		{"/spec/jobTemplate/spec/template/spec/initContainers/0/env/0/valueFrom", WarnEnvRegionValueFrom,
			"AWS_DEFAULT_REGION comes from valueFrom"},
	})
}

func TestWarningsPodRegionFromValueFrom(t *testing.T) {
	v := validatorFor(t, "aws", "")
	doc := pod(podSpec(container("worker", "busybox:1.36", []any{
		object{"name": envRegion, "valueFrom": object{"fieldRef": object{"fieldPath": "metadata.annotations['region']"}}},
	})))
	checkViolations(t, v.Warnings(doc), []expected{
		{"/spec/containers/0/env/0/valueFrom", WarnEnvRegionValueFrom, "AWS_REGION comes from valueFrom"},
	})
}

func TestWarningsNoneForPlainDocuments(t *testing.T) {
	v := validatorFor(t, "aws", "")
	for _, doc := range []any{
		configMap("a"),
		deployment(podSpec(runner("eu-west-1"))),
		workload("example.com/v1", "Deployment", podSpec(container("w", "busybox", []any{object{"name": envRegion, "valueFrom": object{}}}))),
		"not an object",
		nil,
	} {
		checkViolations(t, v.Warnings(doc), nil)
	}
}
