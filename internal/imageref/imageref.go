// Package imageref parses container image references the way container
// runtimes read them: [registry[:port]/]path[:tag][@algorithm:digest].
package imageref

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/firefly-oss/irsa-render/internal/pattern"
)

// Reference is a parsed image reference. Repository keeps the registry as
// written, so String gives back the input for a reference that was not changed.
type Reference struct {
	// Repository is everything before the tag and digest, registry included.
	Repository string
	Tag        string
	// Digest is "<algorithm>:<hex>", such as "sha256:0123...".
	Digest string
}

var (
	tagPattern       = pattern.MustBounded(`^\w[\w.-]*$`, 128)
	digestPattern    = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
	sha256Pattern    = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	componentPattern = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	hostPattern      = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$`)
)

// minDigestHex is the shortest encoded part of a digest that the image
// reference grammar of github.com/distribution/reference allows (at least a
// 128-bit value).
const minDigestHex = 32

// ErrEmpty is returned for an empty reference.
var ErrEmpty = errors.New("image reference is empty")

// Parse splits ref into repository, tag and digest and checks each part
// against the distribution reference grammar.
func Parse(ref string) (Reference, error) {
	if ref == "" {
		return Reference{}, ErrEmpty
	}
	if strings.TrimSpace(ref) != ref {
		return Reference{}, fmt.Errorf("image reference %q has leading or trailing spaces", ref)
	}
	var r Reference
	name := ref
	if at := strings.IndexByte(name, '@'); at >= 0 {
		r.Digest = name[at+1:]
		name = name[:at]
		if !digestPattern.MatchString(r.Digest) || len(r.Digest)-strings.LastIndexByte(r.Digest, ':')-1 < minDigestHex {
			return Reference{}, fmt.Errorf("image reference %q: invalid digest %q", ref, r.Digest)
		}
	}
	lastSlash := strings.LastIndexByte(name, '/')
	if colon := strings.LastIndexByte(name, ':'); colon > lastSlash {
		r.Tag = name[colon+1:]
		name = name[:colon]
		if !tagPattern.MatchString(r.Tag) {
			return Reference{}, fmt.Errorf("image reference %q: invalid tag %q", ref, r.Tag)
		}
	}
	if err := checkRepository(name); err != nil {
		return Reference{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	r.Repository = name
	return r, nil
}

func checkRepository(name string) error {
	if name == "" {
		return errors.New("repository is empty")
	}
	parts := strings.Split(name, "/")
	if len(parts) > 1 && isRegistry(parts[0]) {
		if !hostPattern.MatchString(parts[0]) {
			return fmt.Errorf("invalid registry %q", parts[0])
		}
		parts = parts[1:]
	}
	for _, part := range parts {
		if !componentPattern.MatchString(part) {
			return fmt.Errorf("invalid repository path component %q: use lowercase letters, digits and separators", part)
		}
	}
	return nil
}

// isRegistry reports whether the first path component names a registry host,
// which is how Docker distinguishes "registry.example.com/app" from "library/app": a
// dot, a port, brackets, "localhost", or an uppercase letter, which a path
// component cannot hold.
func isRegistry(component string) bool {
	return strings.ContainsAny(component, ".:[") || component == "localhost" || strings.ToLower(component) != component
}

// Registry returns the registry host of the reference, with port, or "" when
// the reference relies on the default registry (Docker Hub).
func (r Reference) Registry() string {
	first, _, found := strings.Cut(r.Repository, "/")
	if found && isRegistry(first) {
		return first
	}
	return ""
}

// Name returns the last path element of the repository, such as
// "ci-runner-worker" for "public.ecr.aws/firefly/ci-runner-worker".
func (r Reference) Name() string {
	return r.Repository[strings.LastIndexByte(r.Repository, '/')+1:]
}

// Pinned reports whether the reference names one image for good: a digest,
// or a tag other than "latest".
func (r Reference) Pinned() bool {
	return r.Digest != "" || (r.Tag != "" && r.Tag != "latest")
}

// String formats the reference back to repository[:tag][@digest].
func (r Reference) String() string {
	var b strings.Builder
	b.WriteString(r.Repository)
	if r.Tag != "" {
		b.WriteByte(':')
		b.WriteString(r.Tag)
	}
	if r.Digest != "" {
		b.WriteByte('@')
		b.WriteString(r.Digest)
	}
	return b.String()
}

// NormalizedRepository returns the repository with Docker Hub's implicit
// registry and "library/" namespace spelled out, so that "docker",
// "docker.io/docker" and "registry.hub.docker.com/library/docker" compare
// equal.
func (r Reference) NormalizedRepository() string {
	repo := r.Repository
	registry := r.Registry()
	path := repo
	if registry != "" {
		path = repo[len(registry)+1:]
	}
	switch registry {
	case "", "docker.io", "index.docker.io", "registry.hub.docker.com", "registry-1.docker.io":
		registry = "docker.io"
		if !strings.Contains(path, "/") {
			path = "library/" + path
		}
	}
	return registry + "/" + path
}

// IsSHA256Digest reports whether s is a "sha256:" digest with 64 hex digits.
func IsSHA256Digest(s string) bool {
	return sha256Pattern.MatchString(s)
}

// CheckTag reports whether tag is a valid image tag.
func CheckTag(tag string) error {
	if !tagPattern.MatchString(tag) {
		return fmt.Errorf("invalid image tag %q: use up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'", tag)
	}
	return nil
}
