package main

import (
	"context"
	"fmt"
	"time"

	"github.com/firefly-oss/irsa-render/imagepin"
	"github.com/spf13/pflag"
)

// pinFlags control pinning the runner image to the digest its tag points at.
type pinFlags struct {
	resolveDigest bool
	lockFile      string
	refresh       bool
	timeout       time.Duration
}

func (f *pinFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.resolveDigest, "resolve-digest", false, "look the runner image's tag up in its registry and pin repository:tag@sha256:...")
	fs.StringVar(&f.lockFile, "image-lock", "", "lock file that keeps resolved digests, so a moved tag changes nothing until --refresh-images (implies --resolve-digest)")
	fs.BoolVar(&f.refresh, "refresh-images", false, "resolve the digests again and update the --image-lock file")
	fs.DurationVar(&f.timeout, "registry-timeout", imagepin.DefaultTimeout, "deadline for each registry call")
}

func (f *pinFlags) enabled() bool {
	return f.resolveDigest || f.lockFile != ""
}

// resolve returns the digest of each "repository:tag", from the lock file
// when it has one, else from the registry.
func (f *pinFlags) resolve(ctx context.Context, images []string) (map[string]string, error) {
	pinner := imagepin.NewPinner(imagepin.NewResolver(imagepin.Options{Timeout: f.timeout}), f.lockFile)
	digests, err := pinner.Pin(ctx, images, f.refresh)
	if err != nil {
		return nil, fmt.Errorf("resolving the runner image digest (--resolve-digest): %w", err)
	}
	return digests, nil
}
