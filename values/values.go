// Package values writes the IRSA settings of the post-renderer as a values
// file of the ci-runner-worker chart, for teams that cannot run a
// post-renderer, and checks such files against the values schema.
//
// The file sets the same things that the post-renderer rewrites: the role
// annotations of the runner's ServiceAccount, the runner image tag, and
// AWS_REGION and AWS_DEFAULT_REGION in both containers of the runner pod.
// The runner container reads them from configMap.data through envFrom, and
// the Docker-in-Docker sidecar from customImage.env.
package values

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/internal/imageref"
	"github.com/firefly-oss/irsa-render/internal/pattern"
	"github.com/firefly-oss/irsa-render/render"
	"github.com/firefly-oss/irsa-render/schema"
)

// Settings are the inputs of a values file.
type Settings struct {
	// RoleARN is the IAM role the runner assumes. Required.
	RoleARN string
	// ImageTag pins the runner image through repository.tag. Required,
	// because the chart's default tag is latest. A digest alone is
	// rejected: the chart renders "<registry><name>:<tag>".
	ImageTag string
	// ImageDigest, when set, follows the tag in repository.tag as
	// "<tag>@<digest>", which the chart renders as a reference pinned to
	// both.
	ImageDigest string
	// STSRegionalEndpoints sets eks.amazonaws.com/sts-regional-endpoints: "true".
	STSRegionalEndpoints bool
	// TokenExpiration sets eks.amazonaws.com/token-expiration, in seconds.
	// Zero leaves it unset.
	TokenExpiration int64
	// Audience sets eks.amazonaws.com/audience. Empty leaves it unset.
	Audience string
	// ServiceAccountName sets serviceAccount.name. Empty leaves the chart's
	// default, ci-runner-worker.
	ServiceAccountName string
	// ReleaseSuffix names the release in the file's usage comment,
	// runner-<suffix>, for setups with one release for each AWS account.
	// It changes no value.
	ReleaseSuffix string
	// Facts describe the target cluster: Region and Partition are required.
	// An empty Cluster means the region came from --region.
	Facts *facts.Facts
	// Now is when the file is written, for the header comment. The zero
	// time leaves the date out.
	Now time.Time
}

// Flags whose values the file's comments name as the source.
const (
	sourceRoleARN              = "--role-arn"
	sourceImageTag             = "--image-tag"
	sourceSTSRegionalEndpoints = "--sts-regional-endpoints"
	sourceTokenExpiration      = "--token-expiration"
	sourceAudience             = "--audience"
	sourceServiceAccount       = "--service-account"
)

// Region variables that the post-renderer sets in every container of the
// runner pod.
var regionVariables = []string{"AWS_REGION", "AWS_DEFAULT_REGION"}

var (
	// dnsSubdomain is a Kubernetes object name such as a ServiceAccount's.
	dnsSubdomain = pattern.MustBounded(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`, 253)
	// releaseSuffix keeps runner-<suffix> a valid Helm release name: a DNS
	// label of at most 53 characters.
	releaseSuffix = pattern.MustBounded(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, 46)
)

// Generate returns a values file that sets the IRSA settings of s, with a
// header comment on its use and a comment after each value naming its
// source. Equal settings give equal bytes. The file is checked against the
// values schema before it is returned.
func Generate(s Settings) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	doc := newDocument()
	doc.HeadComment = header(s)
	edit := editor{}
	edit.apply(doc.Content[0], s)
	if err := errors.Join(append(edit.errs, edit.conflicts...)...); err != nil {
		// An empty document has nothing to conflict with.
		return nil, fmt.Errorf("generate values: %w", err)
	}
	return finish(parsedFile{doc: doc, indent: 2}, s)
}

// Merge sets the IRSA settings of s in existing, a values file, and returns
// the result. Every other key, the comments, the key order and the quoting
// of unchanged values are kept. A key that already has another value is a
// *Conflict, and every conflict is returned at once unless overwrite is set,
// which replaces those values. customImage.env entries are matched by name,
// and the runner's own env entries for the region variables are checked
// too, because they win over configMap.data.
//
// The file is encoded again with its indentation step. Blank lines survive
// only between top-level keys, and lists may be indented differently.
func Merge(existing []byte, s Settings, overwrite bool) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	parsed, err := parseValuesFile(existing)
	if err != nil {
		return nil, err
	}
	edit := editor{overwrite: overwrite}
	edit.apply(parsed.doc.Content[0], s)
	problems := edit.errs
	if !overwrite {
		problems = append(problems, edit.conflicts...)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return finish(parsed, s)
}

// Check decodes valuesFile as Helm does and returns the violations of the
// values schema that v encodes.
func Check(valuesFile []byte, v *schema.ValuesValidator) ([]schema.Violation, error) {
	decoded, err := decodeHelmValues(valuesFile)
	if err != nil {
		return nil, err
	}
	return v.Validate(decoded), nil
}

func (s Settings) check() error {
	if s.Facts == nil {
		return errors.New("values settings: facts are missing: look the cluster up or pass --region")
	}
	options := render.Options{
		RoleARN:              s.RoleARN,
		ImageTag:             s.ImageTag,
		Region:               s.Facts.Region,
		STSRegionalEndpoints: s.STSRegionalEndpoints,
		TokenExpiration:      s.TokenExpiration,
		Audience:             s.Audience,
	}
	errs := []error{options.Check()}
	switch {
	case s.ImageTag == "":
		errs = append(errs, errors.New("--image-tag is required: the chart's default tag latest does not pin the runner image, so name a version, such as v0.6.26"))
	case imageref.IsSHA256Digest(s.ImageTag):
		errs = append(errs, fmt.Errorf("--image-tag %s is a digest, but the chart renders the image as <registry><name>:<tag>: give a tag, such as v0.6.26", s.ImageTag))
	}
	if s.ImageDigest != "" && !imageref.IsSHA256Digest(s.ImageDigest) {
		errs = append(errs, fmt.Errorf("image digest %q is not sha256: and 64 hex digits", s.ImageDigest))
	}
	if s.ServiceAccountName != "" && !dnsSubdomain.MatchString(s.ServiceAccountName) {
		errs = append(errs, fmt.Errorf("--service-account %q is not a valid ServiceAccount name: use lowercase letters, digits, - and .", s.ServiceAccountName))
	}
	if s.ReleaseSuffix != "" && !releaseSuffix.MatchString(s.ReleaseSuffix) {
		errs = append(errs, fmt.Errorf("release suffix %q is invalid: runner-<suffix> must be a Helm release name of lowercase letters, digits and -, at most 53 characters", s.ReleaseSuffix))
	}
	return errors.Join(errs...)
}

// header returns the comment at the top of a generated file.
func header(s Settings) string {
	release := "runner"
	if s.ReleaseSuffix != "" {
		release += "-" + s.ReleaseSuffix
	}
	lines := []string{
		"Helm values for the ci-runner-worker chart: IRSA for " + target(s.Facts) + ".",
	}
	if !s.Now.IsZero() {
		lines = append(lines, "Written by irsa-render on "+s.Now.UTC().Format(time.DateOnly)+".")
	}
	lines = append(lines,
		"The comment after each value names its source.",
		"",
		"Pass this file last, because later values files win:",
		"  helm install "+release+" firefly/ci-runner-worker --namespace <namespace> -f <file>",
		"Helm replaces lists instead of merging them, so customImage.env here replaces",
		"the customImage.env of an earlier values file.",
	)
	if s.ReleaseSuffix != "" {
		lines = append(lines,
			"",
			"Release "+release+" is one of several, one for each AWS account. The chart names",
			"the ServiceAccount and the ConfigMap without the release name, so give each",
			"release its own namespace.",
		)
	}
	for i, line := range lines {
		lines[i] = strings.TrimRight("# "+line, " ")
	}
	return strings.Join(lines, "\n")
}

func target(f *facts.Facts) string {
	if f.Cluster == "" {
		return "region " + f.Region
	}
	return "EKS cluster " + f.Cluster + " in " + f.Region
}

// regionSource names where the region came from, for comments and
// conflict messages.
func regionSource(f *facts.Facts) string {
	if f.Cluster == "" {
		return "--region"
	}
	source := "cluster " + f.Cluster + ", " + f.Region
	switch {
	case f.Source == facts.SourceFile:
		source += ", from the --facts file"
	case !f.LookedUpAt.IsZero():
		source += ", looked up " + f.LookedUpAt.UTC().Format(time.DateOnly)
	}
	return source
}

// assignment is one string value that the file sets at a path of mapping
// keys.
type assignment struct {
	path   []string
	value  string
	source string
}

// assignments returns the values that s sets, in the order of the chart's
// values.yaml. customImage.env and the role hash are handled apart.
func assignments(s Settings) []assignment {
	list := []assignment{
		{path: []string{"repository", "tag"}, value: s.imageTagValue(), source: s.imageTagSource()},
	}
	if s.ServiceAccountName != "" {
		list = append(list, assignment{path: []string{"serviceAccount", "name"}, value: s.ServiceAccountName, source: sourceServiceAccount})
	}
	annotations := []string{"serviceAccount", "annotations"}
	list = append(list, assignment{path: pathTo(annotations, render.AnnotationRoleARN), value: s.RoleARN, source: sourceRoleARN})
	if s.STSRegionalEndpoints {
		list = append(list, assignment{path: pathTo(annotations, render.AnnotationSTSRegionalEndpoints), value: "true", source: sourceSTSRegionalEndpoints})
	}
	if s.TokenExpiration != 0 {
		list = append(list, assignment{path: pathTo(annotations, render.AnnotationTokenExpiration), value: strconv.FormatInt(s.TokenExpiration, 10), source: sourceTokenExpiration})
	}
	if s.Audience != "" {
		list = append(list, assignment{path: pathTo(annotations, render.AnnotationAudience), value: s.Audience, source: sourceAudience})
	}
	return list
}

// configMapAssignments returns the region variables of the runner
// container, which come after customImage in the chart's values.yaml.
func configMapAssignments(s Settings) []assignment {
	var list []assignment
	for _, name := range regionVariables {
		list = append(list, assignment{path: []string{"configMap", "data", name}, value: s.Facts.Region, source: regionSource(s.Facts)})
	}
	return list
}

func pathTo(parent []string, key string) []string {
	return append(append([]string{}, parent...), key)
}

// roleHash returns the value of render.AnnotationRoleHash that the
// post-renderer sets on the runner pod template for the same settings.
func roleHash(s Settings) string {
	options := render.Options{
		RoleARN:              s.RoleARN,
		Audience:             s.Audience,
		STSRegionalEndpoints: s.STSRegionalEndpoints,
		TokenExpiration:      s.TokenExpiration,
	}
	return options.RoleHash()
}

// imageTagValue is repository.tag: the tag, with the digest when resolved.
func (s Settings) imageTagValue() string {
	if s.ImageDigest == "" {
		return s.ImageTag
	}
	return s.ImageTag + "@" + s.ImageDigest
}

func (s Settings) imageTagSource() string {
	if s.ImageDigest == "" {
		return sourceImageTag
	}
	return sourceImageTag + ", digest from the registry (--resolve-digest)"
}
