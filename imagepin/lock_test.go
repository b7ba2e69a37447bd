package imagepin

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	digestA = "sha256:" + strings.Repeat("a", 64)
	digestB = "sha256:" + strings.Repeat("b", 64)
	digestC = "sha256:" + strings.Repeat("c", 64)
)

const runnerImage = "public.ecr.aws/firefly/ci-runner-worker"

func TestLockRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "irsa-render.lock")
	lock := &LockFile{Version: LockVersion}
	at := time.Date(2026, 12, 4, 11, 0, 0, 250, time.FixedZone("CET", 3600))
	lock.Set(Resolution{Image: runnerImage, Tag: "v0.6.26", Digest: digestB, ResolvedAt: at})
	lock.Set(Resolution{Image: "docker.io/library/docker", Tag: "dind", Digest: digestC, ResolvedAt: at})
	lock.Set(Resolution{Image: runnerImage, Tag: "v0.6.25", Digest: digestA, ResolvedAt: at})

	if err := lock.WriteLock(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := lockHeader + `version: 1
images:
  - image: docker.io/library/docker
    tag: dind
    digest: ` + digestC + `
    resolvedAt: 2026-12-04T10:00:00Z
  - image: public.ecr.aws/firefly/ci-runner-worker
    tag: v0.6.25
    digest: ` + digestA + `
    resolvedAt: 2026-12-04T10:00:00Z
  - image: public.ecr.aws/firefly/ci-runner-worker
    tag: v0.6.26
    digest: ` + digestB + `
    resolvedAt: 2026-12-04T10:00:00Z
`
	if string(data) != want {
		t.Errorf("lock file:\n%s\nwant:\n%s", data, want)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", info.Mode().Perm())
	}

	read, err := ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, lock) {
		t.Errorf("ReadLock = %+v, want %+v", read, lock)
	}
}

func TestWriteLockReplacesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "irsa-render.lock")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	lock := &LockFile{Version: LockVersion}
	lock.Set(Resolution{Image: runnerImage, Tag: "v1", Digest: digestA, ResolvedAt: testNow})

	if err := lock.WriteLock(path); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "irsa-render.lock" {
		t.Errorf("folder holds %v, want only irsa-render.lock and no temporary file", entries)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", info.Mode().Perm())
	}
	if digest, ok := mustReadLock(t, path).Lookup(runnerImage, "v1"); !ok || digest != digestA {
		t.Errorf("Lookup = %q, %v, want %q, true", digest, ok, digestA)
	}
}

func TestWriteLockMissingFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent", "irsa-render.lock")
	err := (&LockFile{Version: LockVersion}).WriteLock(path)
	if err == nil {
		t.Fatal("WriteLock returned no error")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error = %q, want it to name %s", err, path)
	}
}

func TestReadLockMissingFile(t *testing.T) {
	lock, err := ReadLock(filepath.Join(t.TempDir(), "irsa-render.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if lock.Version != LockVersion || len(lock.Images) != 0 {
		t.Errorf("ReadLock = %+v, want an empty lock of version %d", lock, LockVersion)
	}
}

func TestReadLockEmptyFile(t *testing.T) {
	path := writeLockText(t, "")
	lock, err := ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(lock.Images) != 0 {
		t.Errorf("ReadLock = %+v, want an empty lock", lock)
	}
}

func TestReadLockMalformed(t *testing.T) {
	entry := func(image, tag, digest string) string {
		return "  - image: " + image + "\n    tag: " + tag + "\n    digest: " + digest + "\n    resolvedAt: 2026-12-04T10:00:00Z\n"
	}
	for _, tt := range []struct {
		name, text, want string
	}{
		{name: "not YAML", text: "version: [1\n", want: "yaml:"},
		{name: "wrong version", text: "version: 2\nimages: []\n", want: "version is 2, but this irsa-render reads version 1"},
		{name: "no version", text: "images: []\n", want: "version is 0"},
		{name: "unknown field", text: "version: 1\npins: []\n", want: "field pins not found"},
		{name: "bad digest", text: "version: 1\nimages:\n" + entry(runnerImage, "v1", "sha256:abc"), want: `images[0]: digest "sha256:abc" is not sha256`},
		{name: "image with tag", text: "version: 1\nimages:\n" + entry(runnerImage+":v1", "v1", digestA), want: "must be a repository without tag or digest"},
		{name: "bad tag", text: "version: 1\nimages:\n" + entry(runnerImage, "-v1", digestA), want: "images[0]: tag: invalid image tag"},
		{
			name: "duplicate", text: "version: 1\nimages:\n" + entry("ci-runner-worker", "v1", digestA) + entry("docker.io/library/ci-runner-worker", "v1", digestB),
			want: "images[0] and images[1] both pin",
		},
		{name: "two documents", text: "version: 1\n---\nversion: 1\n", want: "more than one YAML document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLockText(t, tt.text)
			_, err := ReadLock(path)
			if err == nil {
				t.Fatal("ReadLock returned no error")
			}
			if !strings.Contains(err.Error(), "image lock file "+path+" is invalid") {
				t.Errorf("error = %q, want it to name %s", err, path)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLockLookupNormalizesRepository(t *testing.T) {
	lock := &LockFile{Version: LockVersion}
	lock.Set(Resolution{Image: "ci-runner-worker", Tag: "v1", Digest: digestA, ResolvedAt: testNow})

	for _, image := range []string{"ci-runner-worker", "docker.io/library/ci-runner-worker", "index.docker.io/library/ci-runner-worker"} {
		if digest, ok := lock.Lookup(image, "v1"); !ok || digest != digestA {
			t.Errorf("Lookup(%q, v1) = %q, %v, want %q, true", image, digest, ok, digestA)
		}
	}
	if _, ok := lock.Lookup("ci-runner-worker", "v2"); ok {
		t.Error("Lookup(ci-runner-worker, v2) found an entry, want none")
	}
	if _, ok := lock.Lookup(runnerImage, "v1"); ok {
		t.Errorf("Lookup(%s, v1) found an entry, want none", runnerImage)
	}
}

func TestLockSetSameDigestKeepsEntry(t *testing.T) {
	lock := &LockFile{Version: LockVersion}
	first := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if !lock.Set(Resolution{Image: runnerImage, Tag: "v1", Digest: digestA, ResolvedAt: first}) {
		t.Error("Set of a new entry reported no change")
	}
	if lock.Set(Resolution{Image: runnerImage, Tag: "v1", Digest: digestA, ResolvedAt: first.Add(time.Hour)}) {
		t.Error("Set of the same digest reported a change")
	}
	if got := lock.Images[0].ResolvedAt; !got.Equal(first) {
		t.Errorf("ResolvedAt = %v, want the first resolution's %v", got, first)
	}
	if !lock.Set(Resolution{Image: runnerImage, Tag: "v1", Digest: digestB, ResolvedAt: first.Add(time.Hour)}) {
		t.Error("Set of a new digest reported no change")
	}
	if len(lock.Images) != 1 || lock.Images[0].Digest != digestB {
		t.Errorf("Images = %+v, want one entry with %s", lock.Images, digestB)
	}
}

func writeLockText(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "irsa-render.lock")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustReadLock(t *testing.T, path string) *LockFile {
	t.Helper()
	lock, err := ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	return lock
}
