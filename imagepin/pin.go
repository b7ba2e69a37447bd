package imagepin

import (
	"context"
	"errors"
)

// Pinner pins image tags to digests through a lock file.
type Pinner struct {
	Resolver *Resolver
	// LockPath is the lock file, read on every Pin call and written when an
	// entry changed. Empty means no lock file, so every Pin queries the registry.
	LockPath string
}

// NewPinner returns a Pinner that resolves tags with resolver and records
// the digests in the lock file at lockPath.
func NewPinner(resolver *Resolver, lockPath string) *Pinner {
	return &Pinner{Resolver: resolver, LockPath: lockPath}
}

// Pin returns the digest of each image, a "repository:tag" reference, keyed
// by the image as given. It takes the digest from the lock file when the
// file has one and refresh is false, so a tag moved in the registry changes
// nothing, and resolves every other image once. When an entry changed, it
// writes the lock file before it returns.
//
// Pin fails as a whole: if any image cannot be resolved, it returns the
// errors of all failed images, returns no digests and leaves the lock file
// as it was.
func (p *Pinner) Pin(ctx context.Context, images []string, refresh bool) (map[string]string, error) {
	lock, err := ReadLock(p.LockPath)
	if err != nil {
		return nil, err
	}
	pins, missing, err := lockedPins(lock, images, refresh)
	if err != nil {
		return nil, err
	}
	resolutions, err := p.Resolver.ResolveAll(ctx, missing)
	if err != nil {
		return nil, err
	}
	changed := false
	for _, image := range missing {
		resolution := resolutions[image]
		pins[image] = resolution.Digest
		if lock.Set(resolution) {
			changed = true
		}
	}
	if changed && p.LockPath != "" {
		if err := lock.WriteLock(p.LockPath); err != nil {
			return nil, err
		}
	}
	return pins, nil
}

// lockedPins splits the distinct images into those that the lock pins,
// returned with their digests, and those left to resolve.
func lockedPins(lock *LockFile, images []string, refresh bool) (map[string]string, []string, error) {
	pins := make(map[string]string, len(images))
	var missing []string
	var errs []error
	for _, image := range distinct(images) {
		ref, _, err := parseTag(image)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if digest, ok := lock.Lookup(ref.Repository, ref.Tag); ok && !refresh {
			pins[image] = digest
			continue
		}
		missing = append(missing, image)
	}
	return pins, missing, errors.Join(errs...)
}
