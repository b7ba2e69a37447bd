package imagepin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/firefly-oss/irsa-render/internal/imageref"
)

// LockVersion is the only lock file format version that ReadLock accepts.
const LockVersion = 1

// lockHeader starts every lock file that WriteLock writes.
const lockHeader = "# Image digests pinned by irsa-render. Review changes like go.sum.\n"

// LockFile records the digest that each image tag was resolved to.
type LockFile struct {
	Version int `yaml:"version"`
	// Images are sorted by image, then tag.
	Images []LockEntry `yaml:"images"`
}

// LockEntry is one pinned tag.
type LockEntry struct {
	// Image is the repository, registry included, such as
	// public.ecr.aws/firefly/ci-runner-worker.
	Image      string    `yaml:"image"`
	Tag        string    `yaml:"tag"`
	Digest     string    `yaml:"digest"`
	ResolvedAt time.Time `yaml:"resolvedAt"`
}

// ReadLock reads the lock file at path. A missing or empty file is an empty
// lock. Every other problem is an error that names the file.
func ReadLock(path string) (*LockFile, error) {
	if path == "" {
		return &LockFile{Version: LockVersion}, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &LockFile{Version: LockVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read image lock file: %w", err)
	}
	lock, err := parseLock(data)
	if err != nil {
		return nil, fmt.Errorf("image lock file %s is invalid: %w. Fix it, or delete it and refresh the pins", path, err)
	}
	return lock, nil
}

func parseLock(data []byte) (*LockFile, error) {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	decoder.KnownFields(true)
	var lock LockFile
	if err := decoder.Decode(&lock); errors.Is(err, io.EOF) {
		return &LockFile{Version: LockVersion}, nil
	} else if err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := decoder.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("the file contains more than one YAML document")
	}
	if err := lock.check(); err != nil {
		return nil, err
	}
	lock.sort()
	return &lock, nil
}

// check validates the version and every entry, and rejects two entries for
// the same repository and tag.
func (l *LockFile) check() error {
	if l.Version != LockVersion {
		return fmt.Errorf("version is %d, but this irsa-render reads version %d", l.Version, LockVersion)
	}
	seen := make(map[string]int, len(l.Images))
	for i, entry := range l.Images {
		if err := entry.check(); err != nil {
			return fmt.Errorf("images[%d]: %w", i, err)
		}
		key := lockKey(entry.Image, entry.Tag)
		if first, ok := seen[key]; ok {
			return fmt.Errorf("images[%d] and images[%d] both pin %s:%s", first, i, entry.Image, entry.Tag)
		}
		seen[key] = i
	}
	return nil
}

func (e LockEntry) check() error {
	ref, err := imageref.Parse(e.Image)
	switch {
	case err != nil:
		return fmt.Errorf("image: %w", err)
	case ref.Tag != "" || ref.Digest != "":
		return fmt.Errorf("image %q must be a repository without tag or digest", e.Image)
	}
	if err := imageref.CheckTag(e.Tag); err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	if !imageref.IsSHA256Digest(e.Digest) {
		return fmt.Errorf("digest %q is not sha256: and 64 lowercase hex digits", e.Digest)
	}
	return nil
}

// Lookup returns the digest pinned for image and tag. Repositories compare
// as container runtimes read them, so "ci-runner-worker" and
// "docker.io/library/ci-runner-worker" are one image.
func (l *LockFile) Lookup(image, tag string) (digest string, ok bool) {
	if i := l.index(image, tag); i >= 0 {
		return l.Images[i].Digest, true
	}
	return "", false
}

// Set records a resolution and reports whether the lock changed. An entry
// that already has the same digest keeps its resolvedAt, so that a refresh
// which finds no moved tag leaves the file unchanged.
func (l *LockFile) Set(resolution Resolution) bool {
	i := l.index(resolution.Image, resolution.Tag)
	if i >= 0 && l.Images[i].Digest == resolution.Digest {
		return false
	}
	entry := LockEntry{
		Image:      resolution.Image,
		Tag:        resolution.Tag,
		Digest:     resolution.Digest,
		ResolvedAt: resolution.ResolvedAt.UTC().Truncate(time.Second),
	}
	if i >= 0 {
		entry.Image = l.Images[i].Image
		l.Images[i] = entry
		return true
	}
	l.Images = append(l.Images, entry)
	l.sort()
	return true
}

// WriteLock writes the lock to path with mode 0644. It writes a temporary
// file in the same folder and renames it over path, so a reader sees the
// old file or the new one, never a part.
func (l *LockFile) WriteLock(path string) error {
	data, err := l.marshal()
	if err != nil {
		return fmt.Errorf("write image lock file %s: %w", path, err)
	}
	if err := writeFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("write image lock file %s: %w", path, err)
	}
	return nil
}

func (l *LockFile) marshal() ([]byte, error) {
	out := LockFile{Version: LockVersion, Images: slices.Clone(l.Images)}
	out.sort()
	for i := range out.Images {
		out.Images[i].ResolvedAt = out.Images[i].ResolvedAt.UTC()
	}
	var buf bytes.Buffer
	buf.WriteString(lockHeader)
	encoder := yaml.NewEncoder(&buf)
	encoder.SetIndent(2)
	if err := encoder.Encode(out); err != nil {
		return nil, err
	}
	if err := encoder.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (l *LockFile) index(image, tag string) int {
	key := lockKey(image, tag)
	for i, entry := range l.Images {
		if lockKey(entry.Image, entry.Tag) == key {
			return i
		}
	}
	return -1
}

func (l *LockFile) sort() {
	slices.SortFunc(l.Images, func(a, b LockEntry) int {
		return strings.Compare(a.Image+"\x00"+a.Tag, b.Image+"\x00"+b.Tag)
	})
}

// lockKey returns the normalized repository and the tag, joined.
func lockKey(image, tag string) string {
	if ref, err := imageref.Parse(image); err == nil {
		image = ref.NormalizedRepository()
	}
	return image + ":" + tag
}
