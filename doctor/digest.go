package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/firefly-oss/irsa-render/imagepin"
)

// DigestResolver looks an image tag up in its registry.
type DigestResolver interface {
	Resolve(ctx context.Context, image string) (imagepin.Resolution, error)
}

// checkImageDigest reports, for every runner image pinned to a tag and a
// digest, whether the tag still points at that digest in the registry. A
// moved tag is a warning: the pinned digest still runs, but it is no longer
// the release the tag names.
func (r *run) checkImageDigest(ctx context.Context) Result {
	result := Result{Check: CheckImageDigest, Status: Skipped}
	if r.clients.Registry == nil {
		result.Message = "not checked: pass --check-digest to compare pinned digests with the registry"
		return result
	}
	var lines, fixes []string
	for _, image := range r.in.Images {
		ref := image.Reference
		if ref.Repository == "" || ref.Tag == "" || ref.Digest == "" {
			continue
		}
		name := ref.Repository + ":" + ref.Tag
		resolution, err := r.clients.Registry.Resolve(ctx, name)
		switch {
		case err != nil:
			result.Status = worse(result.Status, Warning)
			lines = append(lines, fmt.Sprintf("could not look %s up in its registry: %v", name, err))
		case resolution.Digest != ref.Digest:
			result.Status = worse(result.Status, Warning)
			lines = append(lines, fmt.Sprintf("tag %s now points at %s, but the runner is pinned to %s", name, resolution.Digest, ref.Digest))
			fixes = append(fixes, "if the new image is the release you want, render again with --resolve-digest --refresh-images (and --image-lock), and review the lock file change")
		default:
			result.Status = worse(result.Status, Passed)
			lines = append(lines, fmt.Sprintf("%s still points at the pinned digest %s", name, ref.Digest))
		}
	}
	if len(lines) == 0 {
		result.Message = "not checked: no runner image is pinned to both a tag and a digest"
		return result
	}
	result.Message = strings.Join(lines, "\n")
	result.Fix = strings.Join(fixes, "\n")
	return result
}

// worse returns the worse of two statuses, Skipped counting as the best.
func worse(current, next Status) Status {
	if current == Skipped || rank(next) > rank(current) {
		return next
	}
	return current
}
