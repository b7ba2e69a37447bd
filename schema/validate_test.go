package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

type validateCase struct {
	name       string
	partition  string // "aws" when empty
	repository string
	doc        any
	want       []expected // nil for a valid document
}

func runValidateCases(t *testing.T, cases []validateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			partition := tc.partition
			if partition == "" {
				partition = "aws"
			}
			v := validatorFor(t, partition, tc.repository)
			checkViolations(t, v.Validate(tc.doc), tc.want)
		})
	}
}

func TestValidateDocumentFields(t *testing.T) {
	runValidateCases(t, []validateCase{
		{name: "valid ConfigMap", doc: configMap("settings")},
		{
			name: "missing apiVersion",
			doc:  object{"kind": "ConfigMap", "metadata": object{"name": "a"}},
			want: []expected{{"/apiVersion", RuleAPIVersion, "document has no apiVersion"}},
		},
		{
			name: "apiVersion not a string",
			doc:  object{"apiVersion": 1.0, "kind": "ConfigMap", "metadata": object{"name": "a"}},
			want: []expected{{"/apiVersion", RuleAPIVersion, "apiVersion must be a non-empty string, got the number 1"}},
		},
		{
			name: "missing kind",
			doc:  object{"apiVersion": "v1", "metadata": object{"name": "a"}},
			want: []expected{{"/kind", RuleKind, "document has no kind"}},
		},
		{
			name: "empty kind",
			doc:  object{"apiVersion": "v1", "kind": "", "metadata": object{"name": "a"}},
			want: []expected{{"/kind", RuleKind, `kind must be a non-empty string, got the string ""`}},
		},
		{
			name: "missing metadata",
			doc:  object{"apiVersion": "v1", "kind": "ConfigMap"},
			want: []expected{{"/metadata/name", RuleName, "document of kind ConfigMap has no metadata.name"}},
		},
		{
			name: "missing metadata.name",
			doc:  object{"apiVersion": "v1", "kind": "Secret", "metadata": object{"namespace": "ci"}},
			want: []expected{{"/metadata/name", RuleName, "document of kind Secret has no metadata.name"}},
		},
		{
			name: "empty metadata.name",
			doc:  object{"apiVersion": "v1", "kind": "Secret", "metadata": object{"name": ""}},
			want: []expected{{"/metadata/name", RuleName, `metadata.name of document of kind Secret must be a non-empty string, got the string ""`}},
		},
		{
			name: "metadata not an object",
			doc:  object{"apiVersion": "v1", "kind": "Secret", "metadata": "ci"},
			want: []expected{{"/metadata", RuleName, "metadata of document of kind Secret must be an object, got the string \"ci\""}},
		},
		{
			name: "all fields missing",
			doc:  object{},
			want: []expected{
				{"/apiVersion", RuleAPIVersion, "document has no apiVersion"},
				{"/kind", RuleKind, "document has no kind"},
				{"/metadata/name", RuleName, "document has no metadata.name"},
			},
		},
		{
			name: "document a string",
			doc:  "apiVersion: v1",
			want: []expected{{"", RuleObject, `document must be an object, got the string "apiVersion: v1"`}},
		},
		{
			name: "document an array",
			doc:  list(configMap("a")),
			want: []expected{{"", RuleObject, "document must be an object, got an array"}},
		},
		{
			name: "document null",
			doc:  nil,
			want: []expected{{"", RuleObject, "document must be an object, got null"}},
		},
	})
}

func TestValidateLists(t *testing.T) {
	runValidateCases(t, []validateCase{
		{name: "valid List", doc: kubeList("List", configMap("a"), configMap("b"))},
		{name: "empty ConfigMapList", doc: kubeList("ConfigMapList")},
		{
			name: "List with an item without name",
			doc:  kubeList("List", configMap("a"), object{"apiVersion": "v1", "kind": "ConfigMap", "metadata": object{}}),
			want: []expected{{"/items/1/metadata/name", RuleName, "document of kind ConfigMap has no metadata.name"}},
		},
		{
			name: "ConfigMapList with an item without apiVersion",
			doc:  kubeList("ConfigMapList", object{"kind": "ConfigMap", "metadata": object{"name": "a"}}),
			want: []expected{{"/items/0/apiVersion", RuleAPIVersion, "document has no apiVersion"}},
		},
		{
			name: "List with a null item",
			doc:  kubeList("List", configMap("a"), nil),
			want: []expected{{"/items/1", RuleObject, "document must be an object, got null"}},
		},
		{
			name: "List without items",
			doc:  object{"apiVersion": "v1", "kind": "List"},
			want: []expected{{"/items", RuleListItems, "document of kind List has no items"}},
		},
		{
			name: "List with items not an array",
			doc:  object{"apiVersion": "v1", "kind": "List", "items": object{}},
			want: []expected{{"/items", RuleListItems, "items of document of kind List must be an array, got an object"}},
		},
		{
			name: "List with a ServiceAccount in another partition",
			doc: kubeList("List",
				configMap("a"),
				serviceAccount(roleAnnotation("arn:aws-cn:iam::111122223333:role/ci-runner-worker"))),
			want: []expected{{"/items/1/metadata/annotations/eks.amazonaws.com~1role-arn", RuleRoleARNPartition,
				"partition aws-cn does not match the cluster's partition aws (cluster demo, eu-west-1)"}},
		},
		{
			name: "nested List with a bad runner",
			doc:  kubeList("List", kubeList("DeploymentList", deployment(podSpec(container("worker", runnerImage+":latest", regionEnv("eu-west-1")))))),
			want: []expected{{"/items/0/items/0/spec/template/spec/containers/0/image", RuleRunnerImagePinned, "is not pinned"}},
		},
		{
			name: "List items sorted numerically",
			doc: kubeList("List",
				configMap("0"), configMap("1"), object{"apiVersion": "v1", "kind": "ConfigMap", "metadata": object{}},
				configMap("3"), configMap("4"), configMap("5"), configMap("6"), configMap("7"), configMap("8"), configMap("9"),
				object{"apiVersion": "v1", "kind": "ConfigMap", "metadata": object{}}),
			want: []expected{
				{"/items/2/metadata/name", RuleName, "has no metadata.name"},
				{"/items/10/metadata/name", RuleName, "has no metadata.name"},
			},
		},
	})
}

func TestValidateRoleARN(t *testing.T) {
	at := "/metadata/annotations/eks.amazonaws.com~1role-arn"
	long := strings.Repeat("r", 64)
	runValidateCases(t, []validateCase{
		{name: "aws role", doc: serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/ci-runner-worker"))},
		{name: "aws-cn role", partition: "aws-cn", doc: serviceAccount(roleAnnotation("arn:aws-cn:iam::111122223333:role/ci-runner-worker"))},
		{name: "aws-us-gov role", partition: "aws-us-gov", doc: serviceAccount(roleAnnotation("arn:aws-us-gov:iam::111122223333:role/ci-runner-worker"))},
		{name: "role with a path", doc: serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/ci/runners/name"))},
		{name: "role name of 64 characters", doc: serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/" + long))},
		{name: "role name with every allowed symbol", doc: serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/a_b+c=d,e.f@g-h"))},
		{name: "role in a foreign account", doc: serviceAccount(roleAnnotation("arn:aws:iam::" + foreignAccount + ":role/ci-runner-worker"))},
		{name: "ServiceAccount without annotations", doc: serviceAccount(nil)},
		{
			name:      "aws role on an aws-cn cluster",
			partition: "aws-cn",
			doc:       serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/ci-runner-worker")),
			want:      []expected{{at, RuleRoleARNPartition, "partition aws does not match the cluster's partition aws-cn (cluster demo, cn-northwest-1)"}},
		},
		{
			name:      "aws-cn role on an aws-us-gov cluster",
			partition: "aws-us-gov",
			doc:       serviceAccount(roleAnnotation("arn:aws-cn:iam::111122223333:role/ci-runner-worker")),
			want:      []expected{{at, RuleRoleARNPartition, "partition aws-cn does not match the cluster's partition aws-us-gov (cluster demo, us-gov-west-1)"}},
		},
		{
			name: "aws-us-gov role on an aws cluster",
			doc:  serviceAccount(roleAnnotation("arn:aws-us-gov:iam::111122223333:role/ci-runner-worker")),
			want: []expected{{at, RuleRoleARNPartition, "partition aws-us-gov does not match the cluster's partition aws (cluster demo, eu-west-1)"}},
		},
		{
			name: "account of 11 digits",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::11112222333:role/ci-runner-worker")),
			want: []expected{{at, RuleRoleARNAccount, "account 11112222333 in role ARN arn:aws:iam::11112222333:role/ci-runner-worker is not a 12-digit AWS account ID"}},
		},
		{
			name: "user instead of a role",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:user/ci-runner")),
			want: []expected{{at, RuleRoleARNResource, "names user/ci-runner, which is not an IAM role: use arn:aws:iam::111122223333:role/<name>"}},
		},
		{
			name: "role name of 65 characters",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/" + long + "r")),
			want: []expected{{at, RuleRoleARNName, "role name " + long + "r in role ARN"}},
		},
		{
			name: "role name with a space",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/ci runner")),
			want: []expected{{at, RuleRoleARNName, `role name "ci runner"`}},
		},
		{
			name: "empty role name",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/ci/")),
			want: []expected{{at, RuleRoleARNName, `role name ""`}},
		},
		{
			name: "empty path element",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/ci//name")),
			want: []expected{{at, RuleRoleARNPath, "role path /ci// in role ARN"}},
		},
		{
			name: "path element with a space",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/ci runners/name")),
			want: []expected{{at, RuleRoleARNPath, `role path "/ci runners/"`}},
		},
		{
			name: "path of 513 characters",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/" + strings.Repeat("p/", 255) + "q/name")),
			want: []expected{{at, RuleRoleARNPath, "the path is at most 512 characters"}},
		},
		{
			name: "path of 512 characters",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam::111122223333:role/" + strings.Repeat("p/", 255) + "name")),
		},
		{
			name: "not an ARN",
			doc:  serviceAccount(roleAnnotation("ci-runner-worker")),
			want: []expected{{at, RuleRoleARNFormat, "role ARN ci-runner-worker is not an IAM role ARN of the form arn:aws:iam::111122223333:role/<name>"}},
		},
		{
			name: "ARN with a region",
			doc:  serviceAccount(roleAnnotation("arn:aws:iam:eu-west-1:111122223333:role/ci-runner-worker")),
			want: []expected{{at, RuleRoleARNFormat, "is not an IAM role ARN"}},
		},
		{
			name: "STS assumed-role ARN",
			doc:  serviceAccount(roleAnnotation("arn:aws:sts::111122223333:assumed-role/ci-runner-worker/session")),
			want: []expected{{at, RuleRoleARNFormat, "is not an IAM role ARN"}},
		},
		{
			name: "ARN as a number",
			doc:  serviceAccount(object{annotationRoleARN: 42.0}),
			want: []expected{{at, RuleRoleARNFormat, "eks.amazonaws.com/role-arn must be a string such as arn:aws:iam::111122223333:role/<name>, got the number 42"}},
		},
		{
			name: "wrong partition and short account",
			doc:  serviceAccount(roleAnnotation("arn:aws-cn:iam::1234:role/ci-runner-worker")),
			want: []expected{
				{at, RuleRoleARNAccount, "account 1234"},
				{at, RuleRoleARNPartition, "partition aws-cn does not match"},
			},
		},
		{
			name: "ServiceAccount of another API group",
			doc: object{
				"apiVersion": "iam.example.com/v1",
				"kind":       "ServiceAccount",
				"metadata":   object{"name": "a", "annotations": roleAnnotation("not an ARN")},
			},
		},
	})
}

func TestValidateServiceAccountAnnotations(t *testing.T) {
	at := func(name string) string {
		return "/metadata/annotations/" + strings.ReplaceAll(name, "/", "~1")
	}
	expiration := func(value any) object {
		return serviceAccount(object{annotationTokenExpiration: value})
	}
	runValidateCases(t, []validateCase{
		{name: "token-expiration at the minimum", doc: expiration("600")},
		{name: "token-expiration at the maximum", doc: expiration("86400")},
		{name: "token-expiration of one hour", doc: expiration("3600")},
		{name: "token-expiration with a leading zero", doc: expiration("0600")},
		{
			name: "token-expiration below the minimum",
			doc:  expiration("599"),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationRange, "eks.amazonaws.com/token-expiration 599 is below the minimum of 600 seconds"}},
		},
		{
			name: "token-expiration of zero",
			doc:  expiration("0"),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationRange, "is below the minimum of 600 seconds"}},
		},
		{
			name: "token-expiration above the maximum",
			doc:  expiration("86401"),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationRange, "eks.amazonaws.com/token-expiration 86401 is above the maximum of 86400 seconds"}},
		},
		{
			name: "token-expiration far above the maximum",
			doc:  expiration("99999999999999999999999"),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationRange, "is above the maximum of 86400 seconds"}},
		},
		{
			name: "token-expiration with a fraction",
			doc:  expiration("3600.5"),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationFormat, "eks.amazonaws.com/token-expiration 3600.5 is not a whole number of seconds"}},
		},
		{
			name: "token-expiration as a duration",
			doc:  expiration("1h"),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationFormat, "1h is not a whole number of seconds"}},
		},
		{
			name: "token-expiration with a sign",
			doc:  expiration("+3600"),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationFormat, "+3600 is not a whole number of seconds"}},
		},
		{
			name: "token-expiration empty",
			doc:  expiration(""),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationFormat, `"" is not a whole number of seconds`}},
		},
		{
			name: "token-expiration as a float64",
			doc:  expiration(3600.0),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationType, `is the number 3600, but annotation values are strings: quote it as "3600"`}},
		},
		{
			name: "token-expiration as an int64",
			doc:  expiration(int64(3600)),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationType, `quote it as "3600"`}},
		},
		{
			name: "token-expiration as a json.Number",
			doc:  expiration(json.Number("3600")),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationType, `quote it as "3600"`}},
		},
		{
			name: "token-expiration as an object",
			doc:  expiration(object{}),
			want: []expected{{at(annotationTokenExpiration), RuleTokenExpirationType, "must be a string of whole seconds, got an object"}},
		},
		{name: "sts-regional-endpoints true", doc: serviceAccount(object{annotationRegionalSTS: "true"})},
		{name: "sts-regional-endpoints false", doc: serviceAccount(object{annotationRegionalSTS: "false"})},
		{
			name: "sts-regional-endpoints yes",
			doc:  serviceAccount(object{annotationRegionalSTS: "yes"}),
			want: []expected{{at(annotationRegionalSTS), RuleRegionalSTS, `eks.amazonaws.com/sts-regional-endpoints must be the string "true" or "false", got the string "yes"`}},
		},
		{
			name: "sts-regional-endpoints as a boolean",
			doc:  serviceAccount(object{annotationRegionalSTS: true}),
			want: []expected{{at(annotationRegionalSTS), RuleRegionalSTS, "got the boolean true"}},
		},
		{name: "audience set", doc: serviceAccount(object{annotationAudience: "sts.amazonaws.com"})},
		{
			name: "audience empty",
			doc:  serviceAccount(object{annotationAudience: ""}),
			want: []expected{{at(annotationAudience), RuleAudience, `eks.amazonaws.com/audience must be a non-empty string, got the string ""`}},
		},
		{
			name: "audience as null",
			doc:  serviceAccount(object{annotationAudience: nil}),
			want: []expected{{at(annotationAudience), RuleAudience, "got null"}},
		},
		{
			name: "every annotation wrong",
			doc: serviceAccount(object{
				annotationRoleARN:         "arn:aws:iam::111122223333:user/x",
				annotationTokenExpiration: "60",
				annotationRegionalSTS:     "regional",
				annotationAudience:        "",
			}),
			want: []expected{
				{at(annotationAudience), RuleAudience, "non-empty string"},
				{at(annotationRoleARN), RuleRoleARNResource, "user/x"},
				{at(annotationRegionalSTS), RuleRegionalSTS, "regional"},
				{at(annotationTokenExpiration), RuleTokenExpirationRange, "60 is below"},
			},
		},
	})
}

func TestValidateRegionEnv(t *testing.T) {
	containers := "/spec/template/spec/containers"
	runValidateCases(t, []validateCase{
		{name: "runner with the cluster's region", doc: deployment(podSpec(runner("eu-west-1")))},
		{
			name: "AWS_REGION of another region",
			doc:  deployment(podSpec(container("worker", runnerImage+":1.4.2", regionEnv("us-east-1")[:1]), container("sidecar", "busybox:1.36", nil))),
			want: []expected{
				{containers + "/0/env", RuleRunnerEnvRegion, "has no env entry AWS_DEFAULT_REGION: add it with the value eu-west-1, the region of cluster demo"},
				{containers + "/0/env/0/value", RuleEnvRegion, "AWS_REGION=us-east-1 does not match the cluster's region eu-west-1 (cluster demo)"},
			},
		},
		{
			name: "both region variables wrong",
			doc:  deployment(podSpec(container("worker", runnerImage+":1.4.2", regionEnv("us-east-1")))),
			want: []expected{
				{containers + "/0/env/0/value", RuleEnvRegion, "AWS_REGION=us-east-1 does not match"},
				{containers + "/0/env/1/value", RuleEnvRegion, "AWS_DEFAULT_REGION=us-east-1 does not match the cluster's region eu-west-1 (cluster demo)"},
			},
		},
		{
			name: "other container with another region",
			doc:  deployment(podSpec(runner("eu-west-1"), container("uploader", "amazon/aws-cli:2.17.0", env("LOG_LEVEL", "info", envDefaultRegion, "eu-central-1")))),
			want: []expected{{containers + "/1/env/1/value", RuleEnvRegion, "AWS_DEFAULT_REGION=eu-central-1"}},
		},
		{
			name: "empty region value",
			doc:  deployment(podSpec(container("uploader", "amazon/aws-cli:2.17.0", env(envRegion, "")))),
			want: []expected{{containers + "/0/env/0/value", RuleEnvRegion, `AWS_REGION="" does not match`}},
		},
		{
			name: "region as a number",
			doc:  deployment(podSpec(container("uploader", "amazon/aws-cli:2.17.0", []any{object{"name": envRegion, "value": 1.0}}))),
			want: []expected{{containers + "/0/env/0/value", RuleEnvRegion, "AWS_REGION=1 does not match"}},
		},
		{
			name: "region from valueFrom",
			doc: deployment(podSpec(container("worker", runnerImage+":1.4.2", []any{
				object{"name": envRegion, "valueFrom": object{"configMapKeyRef": object{"name": "aws", "key": "region"}}},
				object{"name": envDefaultRegion, "value": "", "valueFrom": object{"configMapKeyRef": object{"name": "aws", "key": "region"}}},
			}))),
		},
		{
			name: "other variables are not checked",
			doc:  deployment(podSpec(container("uploader", "amazon/aws-cli:2.17.0", env("AWS_STS_REGIONAL_ENDPOINTS", "regional", "REGION", "us-east-1")))),
		},
		{
			name: "init container with another region",
			doc:  deployment(withInit(podSpec(runner("eu-west-1")), container("prepare", "busybox:1.36", env(envDefaultRegion, "us-west-2")))),
			want: []expected{{"/spec/template/spec/initContainers/0/env/0/value", RuleEnvRegion, "AWS_DEFAULT_REGION=us-west-2"}},
		},
	})
}

func TestValidateRunnerImage(t *testing.T) {
	at := "/spec/template/spec/containers/0"
	pinned := func(image string) object {
		return deployment(podSpec(container("worker", image, regionEnv("eu-west-1"))))
	}
	runValidateCases(t, []validateCase{
		{name: "tag", doc: pinned(runnerImage + ":1.4.2")},
		{name: "digest", doc: pinned(runnerImage + "@" + sha256Digest)},
		{name: "latest with a digest", doc: pinned(runnerImage + ":latest@" + sha256Digest)},
		{name: "registry port with a tag", doc: pinned("registry.example.com:5000/ci/ci-runner-worker:1.4.2")},
		{name: "registry port with a digest", doc: pinned("registry.example.com:5000/ci/ci-runner-worker@" + sha256Digest)},
		{name: "repository without registry", doc: pinned("ci-runner-worker:2024.06.1")},
		{name: "tag named latest-1", doc: pinned(runnerImage + ":latest-1")},
		{
			name: "latest",
			doc:  pinned(runnerImage + ":latest"),
			want: []expected{{at + "/image", RuleRunnerImagePinned, "runner image public.ecr.aws/firefly/ci-runner-worker:latest is not pinned: set a tag other than latest or a digest"}},
		},
		{
			name: "no tag",
			doc:  pinned(runnerImage),
			want: []expected{{at + "/image", RuleRunnerImagePinned, "runner image public.ecr.aws/firefly/ci-runner-worker is not pinned"}},
		},
		{
			name: "registry port without a tag",
			doc:  pinned("registry.example.com:5000/ci/ci-runner-worker"),
			want: []expected{{at + "/image", RuleRunnerImagePinned, "runner image registry.example.com:5000/ci/ci-runner-worker is not pinned"}},
		},
		{
			name: "registry port with latest",
			doc:  pinned("registry.example.com:5000/ci/ci-runner-worker:latest"),
			want: []expected{{at + "/image", RuleRunnerImagePinned, "registry.example.com:5000/ci/ci-runner-worker:latest is not pinned"}},
		},
		{
			name: "empty tag",
			doc:  pinned(runnerImage + ":"),
			want: []expected{{at + "/image", RuleRunnerImagePinned, "is not pinned"}},
		},
		{
			name: "short digest",
			doc:  pinned(runnerImage + "@sha256:0123abcd"),
			want: []expected{{at + "/image", RuleRunnerImagePinned, "digest sha256:0123abcd is not sha256:<64 lowercase hex digits>"}},
		},
		{
			name: "uppercase digest",
			doc:  pinned(runnerImage + "@" + strings.ToUpper(sha256Digest)),
			want: []expected{{at + "/image", RuleRunnerImagePinned, "is not pinned"}},
		},
		{
			name: "runner without region variables",
			doc:  deployment(podSpec(container("worker", runnerImage+":1.4.2", nil))),
			want: []expected{{at + "/env", RuleRunnerEnvRegion, "runner container worker (image public.ecr.aws/firefly/ci-runner-worker:1.4.2) has no env entries AWS_REGION and AWS_DEFAULT_REGION: add them with the value eu-west-1, the region of cluster demo"}},
		},
		{
			name: "runner with env not an array",
			doc:  deployment(podSpec(object{"name": "worker", "image": runnerImage + ":1.4.2", "env": object{}})),
			want: []expected{{at + "/env", RuleRunnerEnvRegion, "env of runner container worker (image public.ecr.aws/firefly/ci-runner-worker:1.4.2) must be an array, got an object"}},
		},
		{
			name: "runner with only AWS_REGION",
			doc:  deployment(podSpec(container("worker", runnerImage+":1.4.2", env(envRegion, "eu-west-1", "LOG_LEVEL", "info")))),
			want: []expected{{at + "/env", RuleRunnerEnvRegion, "has no env entry AWS_DEFAULT_REGION: add it with the value eu-west-1, the region of cluster demo"}},
		},
		{
			name: "unpinned runner without region variables",
			doc:  deployment(podSpec(container("worker", runnerImage+":latest", env("LOG_LEVEL", "info")))),
			want: []expected{
				{at + "/env", RuleRunnerEnvRegion, "has no env entries AWS_REGION and AWS_DEFAULT_REGION"},
				{at + "/image", RuleRunnerImagePinned, "is not pinned"},
			},
		},
		{
			name: "runner as an unpinned init container",
			doc:  deployment(withInit(podSpec(runner("eu-west-1")), container("prepare", runnerImage+":latest", regionEnv("eu-west-1")))),
			want: []expected{{"/spec/template/spec/initContainers/0/image", RuleRunnerImagePinned, "is not pinned"}},
		},
		{
			name: "other images left unchecked",
			doc: deployment(podSpec(
				runner("eu-west-1"),
				container("docker", "docker.io/library/docker:latest", nil),
				container("cache", "ghcr.io/acme/ci-runner-worker-cache:latest", nil),
				container("tools", "ci-runner-worker-tools", nil),
				container("proxy", "registry.example.com:5000/ci-runner-worker/proxy:latest", nil),
			)),
		},
		{
			name:       "configured repository unpinned",
			repository: "ghcr.io/acme/runner",
			doc:        deployment(podSpec(container("worker", "ghcr.io/acme/runner:latest", regionEnv("eu-west-1")))),
			want:       []expected{{at + "/image", RuleRunnerImagePinned, "runner image ghcr.io/acme/runner:latest is not pinned"}},
		},
		{
			name:       "configured repository pinned",
			repository: "ghcr.io/acme/runner",
			doc:        deployment(podSpec(container("worker", "ghcr.io/acme/runner:3.1.0", regionEnv("eu-west-1")))),
		},
		{
			name:       "configured repository leaves the default name unchecked",
			repository: "ghcr.io/acme/runner",
			doc: deployment(podSpec(
				container("worker", "ghcr.io/acme/runner@"+sha256Digest, regionEnv("eu-west-1")),
				container("legacy", runnerImage+":latest", nil),
				container("tools", "ghcr.io/acme/runner-tools:latest", nil),
			)),
		},
		{
			name:       "configured repository with a registry port",
			repository: "registry.example.com:5000/ci/runner",
			doc:        deployment(podSpec(container("worker", "registry.example.com:5000/ci/runner", regionEnv("eu-west-1")))),
			want:       []expected{{at + "/image", RuleRunnerImagePinned, "registry.example.com:5000/ci/runner is not pinned"}},
		},
	})
}

func TestValidateWorkloadKinds(t *testing.T) {
	badRunner := podSpec(container("worker", runnerImage+":latest", regionEnv("eu-west-1")))
	template := "/spec/template/spec/containers/0/image"
	cases := []validateCase{
		{name: "Deployment", doc: workload("apps/v1", "Deployment", badRunner), want: []expected{{template, RuleRunnerImagePinned, "is not pinned"}}},
		{name: "StatefulSet", doc: workload("apps/v1", "StatefulSet", badRunner), want: []expected{{template, RuleRunnerImagePinned, "is not pinned"}}},
		{name: "DaemonSet", doc: workload("apps/v1", "DaemonSet", badRunner), want: []expected{{template, RuleRunnerImagePinned, "is not pinned"}}},
		{name: "ReplicaSet", doc: workload("apps/v1", "ReplicaSet", badRunner), want: []expected{{template, RuleRunnerImagePinned, "is not pinned"}}},
		{name: "Deployment in extensions", doc: workload("extensions/v1beta1", "Deployment", badRunner), want: []expected{{template, RuleRunnerImagePinned, "is not pinned"}}},
		{name: "Job", doc: workload("batch/v1", "Job", badRunner), want: []expected{{template, RuleRunnerImagePinned, "is not pinned"}}},
		{name: "ReplicationController", doc: workload("v1", "ReplicationController", badRunner), want: []expected{{template, RuleRunnerImagePinned, "is not pinned"}}},
		{
			name: "CronJob",
			doc:  cronJob(podSpec(container("cleanup", runnerImage+":1.4.2", env(envDefaultRegion, "us-east-1")), runner("eu-west-1"))),
			want: []expected{
				{"/spec/jobTemplate/spec/template/spec/containers/0/env", RuleRunnerEnvRegion, "runner container cleanup"},
				{"/spec/jobTemplate/spec/template/spec/containers/0/env/0/value", RuleEnvRegion, "AWS_DEFAULT_REGION=us-east-1"},
			},
		},
		{
			name: "CronJob init container",
			doc:  cronJob(withInit(podSpec(runner("eu-west-1")), container("prepare", runnerImage+":latest", regionEnv("eu-west-1")))),
			want: []expected{{"/spec/jobTemplate/spec/template/spec/initContainers/0/image", RuleRunnerImagePinned, "is not pinned"}},
		},
		{
			name: "Pod",
			doc:  pod(badRunner),
			want: []expected{{"/spec/containers/0/image", RuleRunnerImagePinned, "is not pinned"}},
		},
		{
			name: "Pod init container region",
			doc:  pod(withInit(podSpec(runner("eu-west-1")), container("prepare", "busybox:1.36", env(envRegion, "us-east-1")))),
			want: []expected{{"/spec/initContainers/0/env/0/value", RuleEnvRegion, "AWS_REGION=us-east-1"}},
		},
		{
			name: "PodTemplate",
			doc: object{
				"apiVersion": "v1", "kind": "PodTemplate", "metadata": object{"name": "runner"},
				"template": object{"spec": badRunner},
			},
			want: []expected{{"/template/spec/containers/0/image", RuleRunnerImagePinned, "is not pinned"}},
		},
		{
			name: "pod template token-expiration",
			doc: func() object {
				d := deployment(podSpec(runner("eu-west-1")))
				d["spec"].(object)["template"].(object)["metadata"] = object{"annotations": object{annotationTokenExpiration: "100000"}}
				return d
			}(),
			want: []expected{{"/spec/template/metadata/annotations/eks.amazonaws.com~1token-expiration", RuleTokenExpirationRange, "100000 is above the maximum"}},
		},
		{
			name: "Pod token-expiration",
			doc: func() object {
				p := pod(podSpec(runner("eu-west-1")))
				p["metadata"] = object{"name": "p", "annotations": object{annotationTokenExpiration: 600.0}}
				return p
			}(),
			want: []expected{{"/metadata/annotations/eks.amazonaws.com~1token-expiration", RuleTokenExpirationType, "is the number 600"}},
		},
		{name: "Deployment of another API group", doc: workload("example.com/v1", "Deployment", badRunner)},
		{name: "Pod in a custom API group", doc: func() object { p := pod(badRunner); p["apiVersion"] = "example.com/v1"; return p }()},
		{name: "Service", doc: object{"apiVersion": "v1", "kind": "Service", "metadata": object{"name": "s"}, "spec": badRunner}},
	}
	runValidateCases(t, cases)
}

func TestValidateSortsContainersNumerically(t *testing.T) {
	containers := []any{}
	for i := range 12 {
		image := "busybox:1.36"
		if i == 2 || i == 10 {
			image = runnerImage + ":latest"
		}
		containers = append(containers, container(fmt.Sprintf("c%d", i), image, regionEnv("eu-west-1")))
	}
	doc := deployment(podSpec(containers...))
	checkViolations(t, validatorFor(t, "aws", "").Validate(doc), []expected{
		{"/spec/template/spec/containers/2/image", RuleRunnerImagePinned, "is not pinned"},
		{"/spec/template/spec/containers/10/image", RuleRunnerImagePinned, "is not pinned"},
	})
}

func TestValidateNonJSONValue(t *testing.T) {
	doc := object{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]string{"name": "a"}}
	checkViolations(t, validatorFor(t, "aws", "").Validate(doc), []expected{
		{"/metadata", RuleJSONValue, "value at /metadata has the Go type map[string]string, which has no JSON form"},
	})
}

func TestValidateDecodedJSON(t *testing.T) {
	var doc any
	text := `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"runner","annotations":{"eks.amazonaws.com/role-arn":"arn:aws-cn:iam::111122223333:role/runner"}}}`
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	checkViolations(t, validatorFor(t, "aws", "").Validate(doc), []expected{
		{"/metadata/annotations/eks.amazonaws.com~1role-arn", RuleRoleARNPartition, "partition aws-cn does not match"},
	})
}

func TestValidateNeverUsesRawSchemaErrors(t *testing.T) {
	// Each document breaks several rules at once; none may fall back to the
	// rule that carries jsonschema's own message.
	docs := []any{
		object{"kind": 5.0, "metadata": []any{}},
		kubeList("List", nil, 3.0, object{}),
		serviceAccount(object{annotationRoleARN: "arn::iam:::", annotationTokenExpiration: []any{}, annotationRegionalSTS: nil}),
		deployment(object{"containers": []any{object{"image": runnerImage, "env": []any{nil, object{"name": envRegion, "value": nil}}}}, "initContainers": "x"}),
	}
	v := validatorFor(t, "aws", "")
	for i, doc := range docs {
		violations := v.Validate(doc)
		if len(violations) == 0 {
			t.Errorf("document %d: got no violations", i)
		}
		for _, violation := range violations {
			if violation.Rule == RuleSchema {
				t.Errorf("document %d: unmapped violation %+v", i, violation)
			}
		}
	}
}

func TestValidateConcurrentUse(t *testing.T) {
	v := validatorFor(t, "aws", "")
	bad := deployment(podSpec(container("worker", runnerImage+":latest", regionEnv("us-east-1"))))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if got := len(v.Validate(bad)); got != 3 {
					t.Errorf("got %d violations, want 3", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestValidateErrorOutsideRules(t *testing.T) {
	document := map[string]any{
		"$schema":  draft202012,
		"$id":      SchemaID,
		"required": []any{"spec"},
	}
	compiled, err := compileDocument(SchemaID, document)
	if err != nil {
		t.Fatal(err)
	}
	v := &Validator{schema: compiled, facts: *clusterFacts("aws"), sites: map[string]ruleSite{}}
	checkViolations(t, v.Validate(object{}), []expected{
		{"", RuleSchema, "value at the document root breaks a schema keyword that belongs to no rule (jsonschema: "},
	})
}
