package doctor

import (
	"fmt"
	"strings"
)

// checkRunnerImage reports whether every runner image is pinned to a tag
// or digest, and whether its tag is at least MinImageVersion.
func (r *run) checkRunnerImage() Result {
	result := Result{Check: CheckRunnerImage}
	if len(r.in.Images) == 0 {
		result.Status = Skipped
		result.Message = "not checked because no rendered stream and no --image-tag were given"
		return result
	}
	result.Status = Passed
	var lines, fixes []string
	for _, image := range r.in.Images {
		status, line, fix := r.checkImage(image)
		if rank(status) > rank(result.Status) {
			result.Status = status
		}
		lines = append(lines, line)
		if fix != "" && !containsString(fixes, fix) {
			fixes = append(fixes, fix)
		}
	}
	result.Message = strings.Join(lines, "\n")
	result.Fix = strings.Join(fixes, "\n")
	return result
}

// rank orders statuses from best to worst.
func rank(s Status) int {
	switch s {
	case Failed:
		return 3
	case Warning:
		return 2
	case Skipped:
		return 1
	}
	return 0
}

func (r *run) checkImage(image Image) (Status, string, string) {
	ref := image.Reference
	var name string
	switch {
	case ref.Repository != "":
		name = ref.String()
	case image.Raw != "":
		name = image.Raw
	case ref.Digest != "":
		name = "digest " + ref.Digest
	default:
		name = "tag " + ref.Tag
	}
	if image.Source == sourceImageTagFlag {
		name += " (--image-tag)"
	}
	if image.Where != "" {
		name += " in " + image.Where
	}
	pinFix := "pin a release: pass --image-tag=<version> (or a sha256 digest) to irsa-render, or set repository.tag in the chart values"

	switch {
	case ref.Repository == "" && image.Raw != "":
		return Failed, fmt.Sprintf("the runner image %s is not a valid image reference", name), pinFix
	case !ref.Pinned():
		return Failed, fmt.Sprintf("the runner image %s is not pinned: without a tag, or with latest, the image can change under the same name", name), pinFix
	}
	minimum := r.in.MinImageVersion
	if minimum == nil {
		return Passed, fmt.Sprintf("the runner image %s is pinned", name), ""
	}
	if ref.Tag == "" {
		return Warning, fmt.Sprintf("the runner image %s is pinned by digest without a tag, so its version cannot be compared with --min-image-version %s",
				name, minimum),
			"write the tag next to the digest (repository:tag@sha256:...), or check the digest's version by hand"
	}
	version, err := ParseVersion(ref.Tag)
	if err != nil {
		return Warning, fmt.Sprintf("the runner image tag %s is not a semantic version, so it cannot be compared with --min-image-version %s", ref.Tag, minimum),
			"pin a release tag such as v0.6.26, or check the version by hand"
	}
	if version.Compare(*minimum) < 0 {
		return Failed, fmt.Sprintf("the runner image %s is older than --min-image-version %s", name, minimum),
			fmt.Sprintf("pass --image-tag=%s or newer to irsa-render, or set repository.tag in the chart values", minimum)
	}
	return Passed, fmt.Sprintf("the runner image %s is pinned and not older than %s", name, minimum), ""
}
