package main

import (
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firefly-oss/irsa-render/internal/awsfake"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// startRegistry serves an in-memory container registry on 127.0.0.1 and
// returns the runner repository in it.
func startRegistry(t *testing.T) string {
	t.Helper()
	server := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(server.Close)
	return strings.TrimPrefix(server.URL, "http://") + "/firefly/ci-runner-worker"
}

// pushImage pushes a new random image to repository:tag and returns its
// digest.
func pushImage(t *testing.T, repository, tag string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(repository+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return digestOf(t, img)
}

func digestOf(t *testing.T, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// streamWithImage is the real chart output with the runner image replaced.
func streamWithImage(t *testing.T, image string) []byte {
	t.Helper()
	return []byte(strings.Replace(string(readFile(t, caseFile(t, "default.yaml"))), "public.ecr.aws/firefly/ci-runner-worker:latest", image, 1))
}

func TestResolveDigestWithLockFile(t *testing.T) {
	repository := startRegistry(t)
	first := pushImage(t, repository, "v0.6.26")
	lock := filepath.Join(t.TempDir(), "images.lock.yaml")
	input := streamWithImage(t, repository+":latest")
	args := append([]string{"--image-lock=" + lock}, standardArgs...)

	got := runBinary(t, input, nil, args...)
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	want := `image: "` + repository + ":v0.6.26@" + first + `"`
	if !strings.Contains(got.stdout, want) {
		t.Fatalf("output lacks %s", want)
	}
	if lockText := string(readFile(t, lock)); !strings.Contains(lockText, first) {
		t.Errorf("lock file lacks the digest:\n%s", lockText)
	}

	moved := pushImage(t, repository, "v0.6.26")
	again := runBinary(t, input, nil, args...)
	if again.stdout != got.stdout {
		t.Errorf("output changed after the tag moved, want the locked digest %s", first)
	}
	refreshed := runBinary(t, input, nil, append(args, "--refresh-images")...)
	if !strings.Contains(refreshed.stdout, repository+":v0.6.26@"+moved) {
		t.Errorf("--refresh-images output lacks the moved digest %s", moved)
	}
	if lockText := string(readFile(t, lock)); !strings.Contains(lockText, moved) {
		t.Errorf("lock file not updated by --refresh-images:\n%s", lockText)
	}
}

func TestResolveDigestOnly(t *testing.T) {
	repository := startRegistry(t)
	digest := pushImage(t, repository, "v0.6.26")
	got := runBinary(t, streamWithImage(t, repository+":latest"), nil, append([]string{"--resolve-digest", "--digest-only"}, standardArgs...)...)
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	if want := `image: "` + repository + "@" + digest + `"`; !strings.Contains(got.stdout, want) {
		t.Errorf("output lacks %s", want)
	}
}

func TestResolveDigestFailures(t *testing.T) {
	repository := startRegistry(t)
	closed := strings.TrimPrefix(awsfake.RefusedURL(), "http://") + "/firefly/ci-runner-worker"
	tests := []struct {
		name       string
		image      string
		wantStderr string
	}{
		{name: "tag not found", image: repository + ":latest", wantStderr: "v0.6.26"},
		{name: "registry unreachable", image: closed + ":latest", wantStderr: "--resolve-digest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runBinary(t, streamWithImage(t, tc.image), nil, append([]string{"--resolve-digest", "--registry-timeout=3s"}, standardArgs...)...)
			if got.code != 1 {
				t.Fatalf("exit code = %d, want 1; stderr:\n%s", got.code, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout has %d bytes, want none: a render never falls back to an unpinned image", len(got.stdout))
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tc.wantStderr)
			}
		})
	}
}

func TestValuesResolveDigest(t *testing.T) {
	repository := startRegistry(t)
	digest := pushImage(t, repository, "v0.6.26")
	factsFile := writeFacts(t, "aws", "eu-central-1", demoIssuer)
	got := runBinary(t, nil, nil, "values", "--facts="+factsFile, "--role-arn="+testRole, "--image-tag=v0.6.26",
		"--resolve-digest", "--image-repository="+repository)
	if got.code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stdout, "tag: v0.6.26@"+digest) {
		t.Errorf("values lack repository.tag v0.6.26@%s:\n%s", digest, got.stdout)
	}
}
