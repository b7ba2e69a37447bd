package doctor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/imagepin"
	"github.com/firefly-oss/irsa-render/internal/imageref"
)

// fixedRegistry resolves every tag to one digest, or returns an error.
type fixedRegistry struct {
	digest string
	err    error
}

func (f fixedRegistry) Resolve(_ context.Context, image string) (imagepin.Resolution, error) {
	return imagepin.Resolution{Image: image, Digest: f.digest}, f.err
}

const (
	pinnedDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	movedDigest  = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func TestImageDigestCheck(t *testing.T) {
	pinned := Image{Reference: imageref.Reference{Repository: "public.ecr.aws/firefly/ci-runner-worker", Tag: "v0.6.26", Digest: pinnedDigest}}
	tests := []struct {
		name        string
		registry    DigestResolver
		images      []Image
		wantStatus  Status
		wantMessage string
		wantFix     string
	}{
		{name: "tag unchanged", registry: fixedRegistry{digest: pinnedDigest}, images: []Image{pinned}, wantStatus: Passed, wantMessage: "still points at the pinned digest"},
		{name: "tag moved", registry: fixedRegistry{digest: movedDigest}, images: []Image{pinned}, wantStatus: Warning,
			wantMessage: "tag public.ecr.aws/firefly/ci-runner-worker:v0.6.26 now points at " + movedDigest + ", but the runner is pinned to " + pinnedDigest, wantFix: "--refresh-images"},
		{name: "registry error", registry: fixedRegistry{err: errors.New("connection refused")}, images: []Image{pinned}, wantStatus: Warning, wantMessage: "could not look"},
		{name: "no registry", images: []Image{pinned}, wantStatus: Skipped, wantMessage: "--check-digest"},
		{name: "tag only", registry: fixedRegistry{digest: pinnedDigest}, images: []Image{{Reference: imageref.Reference{Repository: "r/ci-runner-worker", Tag: "v1"}}}, wantStatus: Skipped, wantMessage: "no runner image is pinned to both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &run{in: Input{Images: tc.images}, clients: Clients{Registry: tc.registry}}
			got := r.checkImageDigest(context.Background())
			if got.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s: %s", got.Status, tc.wantStatus, got.Message)
			}
			if !strings.Contains(got.Message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", got.Message, tc.wantMessage)
			}
			if !strings.Contains(got.Fix, tc.wantFix) {
				t.Errorf("fix = %q, want it to contain %q", got.Fix, tc.wantFix)
			}
		})
	}
}

func TestRunWithoutCredentials(t *testing.T) {
	f := newFixture(t)
	missing := &facts.CredentialsError{Err: errors.New("no EC2 IMDS role found")}
	report := Run(context.Background(), f.in, Clients{IAM: f.iam, EKS: f.eks, STS: f.sts,
		CheckCredentials: func(context.Context) error { return missing }})
	permissions := result(t, report, CheckPermissions)
	if permissions.Status != Failed || !strings.Contains(permissions.Message, "no AWS call could be made") {
		t.Errorf("permissions = %s %q, want failed with no AWS call", permissions.Status, permissions.Message)
	}
	for _, res := range report.Results {
		if res.Status == Failed && !strings.Contains(res.Fix, "AWS_PROFILE") {
			t.Errorf("%s failed without the credentials fix: %q", res.Check, res.Fix)
		}
	}
}
