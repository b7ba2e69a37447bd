//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package facts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockPollInterval is how often a waiting process retries the lock.
const lockPollInterval = 20 * time.Millisecond

// lockFile takes an exclusive flock on path, creating the file with mode
// 0600. It polls with LOCK_NB so the wait ends with ctx. The kernel
// releases flock(2) locks when the process exits, so a crashed holder does
// not block others.
func lockFile(ctx context.Context, path string) (func(), error) {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	fd := int(file.Fd())
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(fd, syscall.LOCK_UN)
				file.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			file.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			file.Close()
			return nil, ctx.Err()
		case <-time.After(lockPollInterval):
		}
	}
}
