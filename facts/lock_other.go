//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package facts

import (
	"context"
	"sync"
)

// processLock serializes lookups within one process where flock is not
// available.
var processLock sync.Mutex

// lockFile takes a lock that is exclusive within this process only.
//
// NOTE: on these systems concurrent irsa-render processes are not
// serialized, so each may call AWS on a cold cache. The atomic rename still
// keeps every cache file whole.
func lockFile(ctx context.Context, path string) (func(), error) {
	acquired := make(chan struct{})
	go func() {
		processLock.Lock()
		close(acquired)
	}()
	select {
	case <-acquired:
		return processLock.Unlock, nil
	case <-ctx.Done():
		go func() {
			<-acquired
			processLock.Unlock()
		}()
		return nil, ctx.Err()
	}
}
