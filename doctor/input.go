package doctor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/internal/imageref"
	"github.com/firefly-oss/irsa-render/render"
	"github.com/firefly-oss/irsa-render/trust"
)

// SettingsError reports settings that contradict each other or the
// rendered stream. The command line reports it as a usage error.
type SettingsError struct{ msg string }

func (e *SettingsError) Error() string { return e.msg }

// Settings are the post-renderer's settings that doctor reads, named after
// their flags.
type Settings struct {
	RoleARN         string
	Audience        string
	TokenExpiration int64
	ImageTag        string
	ImageRepository string
	Namespace       string
	// ServiceAccount is "name" or "namespace/name".
	ServiceAccount string
	// Overwrite makes the flags win over conflicting values of the stream,
	// as the post-renderer's --overwrite does.
	Overwrite bool
	// MinImageVersion is the oldest runner version accepted, such as
	// v0.6.0; empty skips the comparison.
	MinImageVersion string
}

// Input is everything Run checks.
type Input struct {
	// Facts describes the cluster. It is nil when the lookup failed, and
	// FactsErr then holds the lookup error.
	Facts    *facts.Facts
	FactsErr error

	// Subject is the runner's ServiceAccount.
	Subject trust.Subject
	// RoleARN is the role the runner assumes, empty when none is set.
	// RoleSource names where it comes from, for messages.
	RoleARN    string
	RoleSource string
	// Audience is the aud claim of the projected token.
	Audience string
	// TokenExpiration is the lifetime of the projected token in seconds as
	// an annotation or --token-expiration sets it; zero means the
	// webhook's default. TokenSource names where it comes from.
	TokenExpiration int64
	TokenSource     string

	// Runner describes the runner in the rendered stream; nil when no
	// stream was given.
	Runner *Runner
	// Images are the runner images that would run, one per runner
	// container, or the --image-tag alone without a stream.
	Images []Image
	// MinImageVersion is the oldest runner version accepted; nil skips
	// the comparison.
	MinImageVersion *Version

	// CallTimeout bounds each AWS call, retries included. Zero means
	// facts.DefaultTimeout.
	CallTimeout time.Duration
}

// Image is the runner image of one container as the post-renderer would
// write it.
type Image struct {
	// Reference is the image reference; without a stream it holds only
	// the --image-tag as Tag or Digest.
	Reference imageref.Reference
	// Raw is the reference as written; empty without a stream.
	Raw string
	// Where is the container's description, empty without a stream.
	Where string
	// Source is "the stream" or "--image-tag".
	Source string
}

// Sources of a value, for messages.
const (
	sourceStream         = "the stream"
	sourceImageTagFlag   = "--image-tag"
	defaultTokenLifetime = "the webhook's default"
)

// NewInput builds the Input from the settings and, when stream is not
// nil, from the rendered stream. The stream's ServiceAccount annotations
// win over the flags that set the same value. A flag that contradicts an
// annotation is a SettingsError unless Overwrite is set, because the
// post-renderer rejects that combination too.
func NewInput(s Settings, stream []byte) (Input, error) {
	var in Input
	if s.MinImageVersion != "" {
		v, err := ParseVersion(s.MinImageVersion)
		if err != nil {
			return Input{}, &SettingsError{fmt.Sprintf("--min-image-version: %v", err)}
		}
		in.MinImageVersion = &v
	}

	annotations := map[string]string{}
	var podAnnotations map[string]string
	if stream != nil {
		runner, err := ParseStream(stream, StreamOptions{
			ImageRepository: s.ImageRepository,
			Namespace:       s.Namespace,
			ServiceAccount:  s.ServiceAccount,
		})
		if err != nil {
			return Input{}, err
		}
		in.Runner = runner
		in.Subject = runner.Subject
		annotations = runner.Annotations
		podAnnotations = runner.Containers[0].PodAnnotations
	} else {
		subject, err := subjectFromSettings(s)
		if err != nil {
			return Input{}, err
		}
		in.Subject = subject
	}

	var err error
	in.RoleARN, in.RoleSource, err = pickSetting("--role-arn", s.RoleARN, render.AnnotationRoleARN, annotations, s.Overwrite)
	if err != nil {
		return Input{}, err
	}
	in.Audience, _, err = pickSetting("--audience", s.Audience, render.AnnotationAudience, annotations, s.Overwrite)
	if err != nil {
		return Input{}, err
	}
	if err := in.setTokenExpiration(s, annotations, podAnnotations); err != nil {
		return Input{}, err
	}
	in.Images, err = runnerImages(s, in.Runner)
	if err != nil {
		return Input{}, err
	}
	return in, nil
}

// subjectFromSettings returns the ServiceAccount of --service-account and
// --namespace when no stream is given.
func subjectFromSettings(s Settings) (trust.Subject, error) {
	if s.ServiceAccount == "" {
		return trust.Subject{}, &SettingsError{"doctor needs the runner's ServiceAccount: pass -f rendered.yaml, " +
			"pipe helm template output in, or use --namespace and --service-account"}
	}
	namespace, name, qualified := strings.Cut(s.ServiceAccount, "/")
	if !qualified {
		namespace, name = s.Namespace, s.ServiceAccount
	}
	if namespace == "" {
		return trust.Subject{}, &SettingsError{fmt.Sprintf("--service-account %s has no namespace: pass --namespace or namespace/name", s.ServiceAccount)}
	}
	subject := trust.Subject{Namespace: namespace, Name: name}
	if err := subject.Validate(); err != nil {
		return trust.Subject{}, &SettingsError{fmt.Sprintf("--service-account %s: %v", s.ServiceAccount, err)}
	}
	return subject, nil
}

// pickSetting returns the value of an annotation or of its flag, and where
// it came from.
func pickSetting(flag, flagValue, annotation string, annotations map[string]string, overwrite bool) (value, source string, err error) {
	annotated, hasAnnotation := annotations[annotation]
	switch {
	case !hasAnnotation && flagValue == "":
		return "", "", nil
	case !hasAnnotation:
		return flagValue, flag, nil
	case flagValue == "" || flagValue == annotated:
		return annotated, "annotation " + annotation, nil
	case overwrite:
		return flagValue, flag + " (--overwrite replaces the annotation)", nil
	}
	return "", "", &SettingsError{fmt.Sprintf("%s %s conflicts with the ServiceAccount's annotation %s: %s; "+
		"drop %s to check the rendered stream, or add --overwrite to check what the post-renderer would write",
		flag, flagValue, annotation, annotated, flag)}
}

// setTokenExpiration applies the webhook's order: the pod template's
// annotation, then the ServiceAccount's, then the flag that the
// post-renderer turns into the ServiceAccount's annotation.
func (in *Input) setTokenExpiration(s Settings, annotations, podAnnotations map[string]string) error {
	flag := ""
	if s.TokenExpiration != 0 {
		flag = strconv.FormatInt(s.TokenExpiration, 10)
	}
	value, source, err := pickSetting("--token-expiration", flag, render.AnnotationTokenExpiration, annotations, s.Overwrite)
	if err != nil {
		return err
	}
	if podValue, ok := podAnnotations[render.AnnotationTokenExpiration]; ok {
		value, source = podValue, "pod template annotation "+render.AnnotationTokenExpiration
	}
	if value == "" {
		in.TokenSource = defaultTokenLifetime
		return nil
	}
	seconds, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		// The webhook ignores a value that is not a number.
		in.TokenSource = fmt.Sprintf("%s, because the %s value %q is not a number of seconds", defaultTokenLifetime, source, value)
		return nil
	}
	in.TokenExpiration, in.TokenSource = seconds, source
	return nil
}

// runnerImages returns the image of every runner container as the
// post-renderer would pin it with --image-tag.
func runnerImages(s Settings, runner *Runner) ([]Image, error) {
	if runner == nil {
		if s.ImageTag == "" {
			return nil, nil
		}
		return []Image{{Reference: tagReference(imageref.Reference{}, s.ImageTag), Source: sourceImageTagFlag}}, nil
	}
	var images []Image
	for _, c := range runner.Containers {
		image := Image{Raw: c.Image, Where: fmt.Sprintf("container %q of %s", c.Container, c.Workload()), Source: sourceStream}
		ref, err := imageref.Parse(c.Image)
		if err != nil {
			images = append(images, image)
			continue
		}
		image.Reference = ref
		if s.ImageTag != "" {
			pinned := tagReference(ref, s.ImageTag)
			if ref.Pinned() && !s.Overwrite && pinned.String() != ref.String() {
				return nil, &SettingsError{fmt.Sprintf("--image-tag %s conflicts with the image %s of %s; "+
					"drop --image-tag to check the rendered stream, or add --overwrite to check what the post-renderer would write",
					s.ImageTag, c.Image, image.Where)}
			}
			image.Reference, image.Source = pinned, sourceImageTagFlag
		}
		images = append(images, image)
	}
	return images, nil
}

// tagReference returns ref pinned to tag, which is a tag or a sha256 digest.
func tagReference(ref imageref.Reference, tag string) imageref.Reference {
	pinned := imageref.Reference{Repository: ref.Repository}
	if imageref.IsSHA256Digest(tag) {
		pinned.Digest = tag
	} else {
		pinned.Tag = tag
	}
	return pinned
}
