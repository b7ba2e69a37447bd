package imagepin

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPinMovedTagStaysLocked(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	image := reg.image(runnerRepository, "v1")
	oldDigest := reg.pushImage(t, image)
	lockPath := filepath.Join(t.TempDir(), "irsa-render.lock")
	pinner := NewPinner(newTestResolver(0), lockPath)

	pins, err := pinner.Pin(context.Background(), []string{image}, false)
	if err != nil {
		t.Fatal(err)
	}
	if pins[image] != oldDigest.String() {
		t.Fatalf("first Pin = %s, want %s", pins[image], oldDigest)
	}
	if digest, ok := mustReadLock(t, lockPath).Lookup(reg.host+"/"+runnerRepository, "v1"); !ok || digest != oldDigest.String() {
		t.Fatalf("lock file pins %q, %v, want %s", digest, ok, oldDigest)
	}

	newDigest := reg.pushImage(t, image)
	reg.resetCounts()
	pins, err = pinner.Pin(context.Background(), []string{image}, false)
	if err != nil {
		t.Fatal(err)
	}
	if pins[image] != oldDigest.String() {
		t.Errorf("Pin after the tag moved = %s, want the locked %s", pins[image], oldDigest)
	}
	if n := reg.total(); n != 0 {
		t.Errorf("Pin without refresh sent %d requests to the registry, want 0", n)
	}

	pins, err = pinner.Pin(context.Background(), []string{image}, true)
	if err != nil {
		t.Fatal(err)
	}
	if pins[image] != newDigest.String() {
		t.Errorf("Pin with refresh = %s, want the moved tag's %s", pins[image], newDigest)
	}
	if digest, _ := mustReadLock(t, lockPath).Lookup(reg.host+"/"+runnerRepository, "v1"); digest != newDigest.String() {
		t.Errorf("lock file after refresh pins %s, want %s", digest, newDigest)
	}
}

func TestPinRefreshWithoutChangeKeepsFile(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	image := reg.image(runnerRepository, "v1")
	reg.pushImage(t, image)
	lockPath := filepath.Join(t.TempDir(), "irsa-render.lock")

	if _, err := NewPinner(newTestResolver(0), lockPath).Pin(context.Background(), []string{image}, false); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	later := NewResolver(Options{Now: func() time.Time { return testNow.Add(24 * time.Hour) }})
	if _, err := NewPinner(later, lockPath).Pin(context.Background(), []string{image}, true); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("refresh with an unmoved tag changed the lock file:\n%s\nwant:\n%s", after, before)
	}
}

func TestPinResolvesOnlyMissingImages(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	runner := reg.image(runnerRepository, "v1")
	dind := reg.image("ci/docker", "dind")
	reg.pushImage(t, runner)
	wantDind := reg.pushImage(t, dind)
	lockPath := filepath.Join(t.TempDir(), "irsa-render.lock")
	pinner := NewPinner(newTestResolver(0), lockPath)
	if _, err := pinner.Pin(context.Background(), []string{runner}, false); err != nil {
		t.Fatal(err)
	}
	reg.resetCounts()

	pins, err := pinner.Pin(context.Background(), []string{runner, dind, dind}, false)
	if err != nil {
		t.Fatal(err)
	}
	if pins[dind] != wantDind.String() {
		t.Errorf("dind pin = %s, want %s", pins[dind], wantDind)
	}
	if len(pins) != 2 {
		t.Errorf("Pin returned %d pins, want 2", len(pins))
	}
	if n := reg.count("HEAD", "/v2/"+runnerRepository+"/manifests/v1"); n != 0 {
		t.Errorf("HEAD requests for the locked runner = %d, want 0", n)
	}
	if n := reg.count("HEAD", "/v2/ci/docker/manifests/dind"); n != 1 {
		t.Errorf("HEAD requests for dind = %d, want 1", n)
	}
	if len(mustReadLock(t, lockPath).Images) != 2 {
		t.Errorf("lock file has %d entries, want 2", len(mustReadLock(t, lockPath).Images))
	}
}

func TestPinFailureWritesNothing(t *testing.T) {
	isolateCredentials(t)
	reg := newTestRegistry(t, nil)
	runner := reg.image(runnerRepository, "v1")
	reg.pushImage(t, runner)
	lockPath := filepath.Join(t.TempDir(), "irsa-render.lock")

	pins, err := NewPinner(newTestResolver(0), lockPath).Pin(context.Background(), []string{runner, reg.image(runnerRepository, "v2")}, false)
	if !errors.Is(err, ErrTagNotFound) {
		t.Fatalf("error = %v, want ErrTagNotFound", err)
	}
	if pins != nil {
		t.Errorf("Pin returned pins %v with its error, want none", pins)
	}
	if _, err := os.Stat(lockPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock file exists after a failed Pin (stat error %v), want none", err)
	}
}

func TestPinMalformedLockFile(t *testing.T) {
	isolateCredentials(t)
	path := writeLockText(t, "version: 2\n")
	_, err := NewPinner(newTestResolver(0), path).Pin(context.Background(), []string{"127.0.0.1:1/ci/x:v1"}, false)
	if err == nil {
		t.Fatal("Pin returned no error")
	}
	if data, _ := os.ReadFile(path); string(data) != "version: 2\n" {
		t.Errorf("Pin changed the malformed lock file to %q", data)
	}
}
