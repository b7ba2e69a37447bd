package facts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// cacheVersion changes when the layout of a cache file changes; files of
// another version are ignored and rewritten.
const cacheVersion = 1

// maxCacheFileSize bounds what is read from a cache file; real entries
// are well under 4 KiB.
const maxCacheFileSize = 1 << 20

// cacheEntry is the JSON content of one cache file.
type cacheEntry struct {
	Version int    `json:"version"`
	Cluster string `json:"cluster"`
	Region  string `json:"region"`
	// Identity is the hash from identityHint that the entry was stored for.
	Identity string `json:"identity"`
	Facts    Facts  `json:"facts"`
}

// cache stores the facts of one cluster, region and AWS identity in one
// file of dir, with a lock file beside it.
type cache struct {
	dir      string
	path     string
	lockPath string
	cluster  string
	region   string
	identity string
}

// CacheDir returns the directory the cache uses for dir: dir itself, or
// $IRSA_RENDER_CACHE_DIR, or os.UserCacheDir()/irsa-render/facts.
func CacheDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if env := os.Getenv(CacheDirEnv); env != "" {
		return env, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache directory: %w; set %s or pass a cache directory", err, CacheDirEnv)
	}
	return filepath.Join(base, "irsa-render", "facts"), nil
}

func newCache(dir string, target Target, identity string) *cache {
	sum := sha256.Sum256([]byte(target.Cluster + "\x00" + target.Region + "\x00" + identity))
	// Cluster names and regions hold only letters, digits, '-' and '_',
	// so they are safe in a file name.
	base := target.Cluster + "." + target.Region + "." + hex.EncodeToString(sum[:])[:16]
	return &cache{
		dir:      dir,
		path:     filepath.Join(dir, base+".json"),
		lockPath: filepath.Join(dir, base+".lock"),
		cluster:  target.Cluster,
		region:   target.Region,
		identity: identity,
	}
}

// errCacheMiss reports that no cache file exists.
var errCacheMiss = errors.New("no cached facts")

// read returns the cached facts whatever their age, errCacheMiss when there
// are none, or another error when the file is unreadable or corrupt.
func (c *cache) read() (*Facts, error) {
	file, err := os.Open(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errCacheMiss
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()

	data, err := io.ReadAll(io.LimitReader(file, maxCacheFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCacheFileSize {
		return nil, fmt.Errorf("larger than %d bytes", maxCacheFileSize)
	}
	var entry cacheEntry
	if err := json.Unmarshal(data, &entry); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if err := c.validate(entry); err != nil {
		return nil, err
	}
	return &entry.Facts, nil
}

func (c *cache) validate(entry cacheEntry) error {
	switch {
	case entry.Version != cacheVersion:
		return fmt.Errorf("version %d, want %d", entry.Version, cacheVersion)
	case entry.Cluster != c.cluster || entry.Region != c.region || entry.Identity != c.identity:
		return fmt.Errorf("entry is for cluster %q in %q, not %q in %q", entry.Cluster, entry.Region, c.cluster, c.region)
	case entry.Facts.Cluster != c.cluster || entry.Facts.Region != c.region:
		return fmt.Errorf("facts are for cluster %q in %q, not %q in %q", entry.Facts.Cluster, entry.Facts.Region, c.cluster, c.region)
	case entry.Facts.ARN == "" || entry.Facts.OIDCIssuer == "" || entry.Facts.CallerAccount == "":
		return errors.New("facts lack the ARN, the OIDC issuer or the caller account")
	case entry.Facts.LookedUpAt.IsZero():
		return errors.New("facts lack the lookup time")
	}
	return nil
}

// write stores facts atomically: a temporary file in the same directory
// is written, synced and renamed over the cache file, so readers see the
// old or the new content and never a part.
func (c *cache) write(facts *Facts) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("create cache directory %s: %w", c.dir, err)
	}
	data, err := json.MarshalIndent(cacheEntry{
		Version:  cacheVersion,
		Cluster:  c.cluster,
		Region:   c.region,
		Identity: c.identity,
		Facts:    *facts,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cached facts: %w", err)
	}

	temp, err := os.CreateTemp(c.dir, filepath.Base(c.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary cache file in %s: %w", c.dir, err)
	}
	defer os.Remove(temp.Name())
	if err := writeSynced(temp, data); err != nil {
		return fmt.Errorf("write temporary cache file %s: %w", temp.Name(), err)
	}
	if err := os.Rename(temp.Name(), c.path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", temp.Name(), c.path, err)
	}
	syncDir(c.dir)
	return nil
}

// writeSynced writes data to file with mode 0600, syncs and closes it.
func writeSynced(file *os.File, data []byte) error {
	if err := file.Chmod(0o600); err != nil {
		file.Close()
		return err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		return err
	}
	if err := file.Sync(); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// syncDir makes a rename in dir durable where the system allows it; a
// failure only risks losing the newest entry after a crash.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// lock takes the exclusive lock of this cache entry, waiting until ctx
// ends. The returned function releases it.
func (c *cache) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create cache directory %s: %w", c.dir, err)
	}
	return lockFile(ctx, c.lockPath)
}

// isFresh reports whether facts looked up at lookedUpAt are younger than
// ttl. A time more than a minute in the future, from a skewed clock, is
// not fresh.
func isFresh(lookedUpAt, now time.Time, ttl time.Duration) bool {
	age := now.Sub(lookedUpAt)
	return age >= -time.Minute && age < ttl
}
