package imagepin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/firefly-oss/irsa-render/internal/imageref"
)

// DefaultTimeout is the deadline of one Resolve call when Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// userAgent is sent to registries with every request.
const userAgent = "irsa-render"

// Options configure a Resolver.
type Options struct {
	// Timeout is the deadline of one Resolve call, every credential source
	// and request included. 0 means DefaultTimeout.
	Timeout time.Duration
	// ExtraKeychains are credential sources tried, in order, after anonymous
	// access and the Docker config.
	ExtraKeychains []NamedKeychain
	// Now returns the time recorded in Resolution.ResolvedAt. nil means time.Now.
	Now func() time.Time
}

// Resolution is the digest that a tag pointed at when it was resolved.
type Resolution struct {
	// Image is the repository, registry included, as given to Resolve.
	Image string
	Tag   string
	// Digest is "sha256:<hex>": the index digest for a multi-platform image.
	Digest string
	// ResolvedAt is in UTC, to the second.
	ResolvedAt time.Time
	// Credential names the credential source that was used: "anonymous",
	// "docker config at <path>", "credential helper docker-credential-<name>
	// (from docker config at <path>)", "registry auth file at <path>" for
	// Podman's auth.json, or the Name of an extra keychain.
	Credential string
}

// Resolver resolves image tags to digests. It is safe for concurrent use.
type Resolver struct {
	timeout        time.Duration
	extraKeychains []NamedKeychain
	now            func() time.Time
	transport      *http.Transport
}

// NewResolver returns a Resolver with the given options.
func NewResolver(opts Options) *Resolver {
	r := &Resolver{timeout: opts.Timeout, extraKeychains: opts.ExtraKeychains, now: opts.Now}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.transport = newTransport(r.timeout)
	return r
}

// Resolve looks up the digest that image, a "repository:tag" reference,
// points at now. It tries anonymous access first, then each credential
// source in turn while the registry returns 401, 403, 404 or 429. A registry
// or network failure is a *ResolveError. An invalid reference, and a ctx
// that the caller canceled or let expire, give plain errors.
func (r *Resolver) Resolve(ctx context.Context, image string) (Resolution, error) {
	ref, tag, err := parseTag(image)
	if err != nil {
		return Resolution{}, err
	}
	callCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()

	host := tag.RegistryStr()
	var tried []string
	var last *ResolveError
	for _, source := range r.sources(host) {
		auth, reason, err := source.resolve(callCtx, tag.Context())
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (failed: %v)", source.name, err))
			continue
		}
		if auth == nil {
			tried = append(tried, source.name+" ("+reason+")")
			continue
		}
		digest, rerr := r.fetchDigest(callCtx, image, ref, tag, auth)
		if rerr == nil {
			return r.resolution(ref, digest, source.name), nil
		}
		tried = append(tried, source.name+" ("+rerr.outcome()+")")
		last = rerr
		if !tryNextSource(rerr.Kind) {
			break
		}
	}
	return Resolution{}, r.finish(ctx, last, tried, image, host)
}

// ResolveAll resolves each distinct image once, in the order of first
// appearance. It returns the resolutions by image and, joined, the error of
// every image that failed. The map lacks the images that failed.
func (r *Resolver) ResolveAll(ctx context.Context, images []string) (map[string]Resolution, error) {
	resolutions := make(map[string]Resolution, len(images))
	var errs []error
	for _, image := range distinct(images) {
		resolution, err := r.Resolve(ctx, image)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resolutions[image] = resolution
	}
	return resolutions, errors.Join(errs...)
}

// fetchDigest returns the digest of the manifest or index that tag points
// at. A HEAD request is enough for most registries, and it does not count
// against Docker Hub's pull limit. A GET follows when the HEAD request fails
// for a reason other than a known kind, such as a response without a
// Docker-Content-Digest header.
func (r *Resolver) fetchDigest(ctx context.Context, image string, ref imageref.Reference, tag name.Tag, auth authn.Authenticator) (string, *ResolveError) {
	recorder := &retryAfterRecorder{inner: r.transport}
	options := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuth(auth),
		remote.WithTransport(recorder),
		remote.WithUserAgent(userAgent),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithRetryBackoff(retryBackoff),
	}
	var digest v1.Hash
	head, err := remote.Head(tag, options...)
	if err == nil {
		digest = head.Digest
	} else if kind, _ := classify(err); kind == nil {
		var got *remote.Descriptor
		if got, err = remote.Get(tag, options...); err == nil {
			digest = got.Digest
		}
	}
	if err != nil {
		return "", r.describe(err, image, ref, tag.RegistryStr(), recorder.retryAfter())
	}
	if !imageref.IsSHA256Digest(digest.String()) {
		err := fmt.Errorf("the registry returned digest %q, but only sha256 digests can pin an image", digest)
		return "", &ResolveError{Image: image, Registry: tag.RegistryStr(), Repository: ref.Repository, Tag: ref.Tag, Err: err}
	}
	return digest.String(), nil
}

func (r *Resolver) describe(err error, image string, ref imageref.Reference, host, retryAfter string) *ResolveError {
	kind, status := classify(err)
	rerr := &ResolveError{
		Image: image, Registry: host, Repository: ref.Repository, Tag: ref.Tag,
		Kind: kind, StatusCode: status, Err: err,
	}
	switch kind {
	case ErrRateLimited:
		rerr.RetryAfter = parseRetryAfter(retryAfter, r.now())
	case ErrTimeout:
		rerr.Timeout = r.timeout
	}
	return rerr
}

// finish completes the error of a failed Resolve call, whose last is never
// nil because anonymous access always sends a request. A canceled or
// expired parent context wins over the error of the last request, because
// the caller's deadline, not this Resolver's, ended the call.
func (r *Resolver) finish(ctx context.Context, last *ResolveError, tried []string, image, host string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("resolve %s: %w", image, ctx.Err())
	}
	last.Tried = tried
	last.DockerConfig = findDockerConfig(host).path
	return last
}

func (r *Resolver) resolution(ref imageref.Reference, digest, credential string) Resolution {
	return Resolution{
		Image:      ref.Repository,
		Tag:        ref.Tag,
		Digest:     digest,
		ResolvedAt: r.now().UTC().Truncate(time.Second),
		Credential: credential,
	}
}

// outcome is the short result of one credential source, for ResolveError.Tried.
func (e *ResolveError) outcome() string {
	switch {
	case e.StatusCode != 0:
		return fmt.Sprintf("HTTP %d", e.StatusCode)
	case e.Kind != nil:
		return e.Kind.Error()
	}
	return "failed"
}

// parseTag checks that image is "repository:tag", without digest, and
// parses it for go-containerregistry. Registries on loopback addresses are
// reached over plain HTTP.
func parseTag(image string) (imageref.Reference, name.Tag, error) {
	ref, err := imageref.Parse(image)
	if err != nil {
		return imageref.Reference{}, name.Tag{}, fmt.Errorf("resolve %s: %w", image, err)
	}
	if ref.Digest != "" {
		return imageref.Reference{}, name.Tag{}, fmt.Errorf("resolve %s: the image already names a digest, so there is nothing to resolve: pass repository:tag", image)
	}
	if ref.Tag == "" {
		return imageref.Reference{}, name.Tag{}, fmt.Errorf("resolve %s: the image has no tag: pass repository:tag, such as public.ecr.aws/firefly/ci-runner-worker:v0.6.26", image)
	}
	var opts []name.Option
	if isLoopback(ref.Registry()) {
		opts = append(opts, name.Insecure)
	}
	tag, err := name.NewTag(image, opts...)
	if err != nil {
		return imageref.Reference{}, name.Tag{}, fmt.Errorf("resolve %s: %w", image, err)
	}
	return ref, tag, nil
}

// isLoopback reports whether a registry host, with or without port, names
// this machine. go-containerregistry v0.22.1 already allows plain HTTP for
// localhost:<port>, *.localhost, 127.0.0.1 and [::1], with or without port,
// but not for a bare "localhost" or other 127.0.0.0/8 addresses.
func isLoopback(registry string) bool {
	host := registry
	if h, _, err := net.SplitHostPort(registry); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// distinct returns images without repeats, in the order of first appearance.
func distinct(images []string) []string {
	seen := make(map[string]bool, len(images))
	var out []string
	for _, image := range images {
		if !seen[image] {
			seen[image] = true
			out = append(out, image)
		}
	}
	return out
}
