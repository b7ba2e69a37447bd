package facts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Values of Facts.Source.
const (
	SourceEKS        = "eks"
	SourceCache      = "cache"
	SourceStaleCache = "stale-cache"
	SourceFile       = "file"
)

// Lookup returns the facts of the cluster that req names, from the cache
// when it holds fresh facts (no AWS call at all), or else from AWS:
// DescribeCluster, GetCallerIdentity, ListOpenIDConnectProviders and
// GetOpenIDConnectProvider. Concurrent lookups of one cluster, in one
// process or many, share a lock so that one of them calls AWS and the
// others read its result from the cache.
//
// Request.Timeout bounds the whole lookup. When AWS times out, cannot be
// reached or keeps throttling, and the cache holds facts of any age, those
// are returned with Source "stale-cache" and a warning.
func Lookup(ctx context.Context, req Request) (*Facts, error) {
	req = req.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()

	target, err := ChooseCluster(req)
	if err != nil {
		return nil, err
	}
	l := &lookup{req: req, target: target}
	if err := l.resolveRegion(ctx); err != nil {
		return nil, err
	}
	l.openCache()
	return l.run(ctx)
}

// lookup is the state of one Lookup call.
type lookup struct {
	req    Request
	target Target
	// cfg is the loaded AWS config; nil when req.Clients replaces it.
	cfg   *aws.Config
	cache *cache
	// warnedCorrupt keeps a corrupt cache file to one warning.
	warnedCorrupt bool
}

// resolveRegion loads the AWS config, which reads only local files and
// the environment, and takes its region when the target has none.
func (l *lookup) resolveRegion(ctx context.Context) error {
	if l.req.Clients == nil {
		cfg, err := LoadConfig(ctx, ClientOptions{
			Region:      l.target.Region,
			Profile:     l.req.Profile,
			Timeout:     l.req.Timeout,
			MaxAttempts: l.req.MaxAttempts,
		})
		if err != nil {
			return err
		}
		l.cfg = &cfg
		if l.target.Region == "" {
			l.target.Region = cfg.Region
		}
	}
	if l.target.Region == "" {
		return fmt.Errorf("%w for EKS cluster %q: pass the region (--region), set AWS_REGION, or set region in the AWS profile",
			ErrNoRegion, l.target.Cluster)
	}
	if !regionPattern.MatchString(l.target.Region) {
		return fmt.Errorf("invalid AWS region %q for EKS cluster %q: want a region such as us-east-1", l.target.Region, l.target.Cluster)
	}
	return nil
}

// openCache sets up the cache unless the request disables it; a cache
// directory that cannot be found only costs the cache, with a warning.
func (l *lookup) openCache() {
	if l.req.NoCache {
		return
	}
	dir, err := CacheDir(l.req.CacheDir)
	if err != nil {
		l.req.Warn(fmt.Sprintf("facts are not cached: %v", err))
		return
	}
	l.cache = newCache(dir, l.target, identityHint(l.req.Profile))
}

func (l *lookup) run(ctx context.Context) (*Facts, error) {
	if facts := l.freshCached(); facts != nil {
		return facts, nil
	}
	if l.cache != nil {
		unlock, err := l.cache.lock(ctx)
		switch {
		case err == nil:
			defer unlock()
		case ctx.Err() != nil:
			return l.fallback(&TimeoutError{
				Action:  fmt.Sprintf("waiting for another irsa-render process to look up cluster %q (lock file %s)", l.target.Cluster, l.cache.lockPath),
				Timeout: l.req.Timeout,
				Err:     err,
			})
		default:
			l.req.Warn(fmt.Sprintf("concurrent runs may each call AWS because the facts cache could not be locked: %v", err))
		}
		// Another process may have stored the facts while this one waited.
		if facts := l.freshCached(); facts != nil {
			return facts, nil
		}
	}

	facts, err := l.fetch(ctx)
	if err != nil {
		return l.fallback(err)
	}
	l.store(facts)
	return facts, nil
}

// freshCached returns cached facts younger than the TTL, or nil.
func (l *lookup) freshCached() *Facts {
	if l.cache == nil || l.req.Refresh {
		return nil
	}
	facts := l.readCache()
	if facts == nil || !isFresh(facts.LookedUpAt, time.Now(), l.req.TTL) {
		return nil
	}
	facts.Source = SourceCache
	return facts
}

// readCache returns the cached facts of any age, or nil; a corrupt file
// is reported once and then treated as missing.
func (l *lookup) readCache() *Facts {
	facts, err := l.cache.read()
	if errors.Is(err, errCacheMiss) {
		return nil
	}
	if err != nil {
		if !l.warnedCorrupt {
			l.warnedCorrupt = true
			l.req.Warn(fmt.Sprintf("ignoring the facts cache file %s: %v; it is rewritten after the next successful lookup", l.cache.path, err))
		}
		return nil
	}
	return facts
}

func (l *lookup) fetch(ctx context.Context) (*Facts, error) {
	clients := l.req.Clients
	if clients == nil {
		if err := retrieveCredentials(ctx, *l.cfg, l.req.Timeout); err != nil {
			return nil, err
		}
		clients = NewClients(*l.cfg)
	}
	f := &fetcher{clients: clients, target: l.target, timeout: l.req.Timeout, warn: l.req.Warn}
	return f.fetch(ctx)
}

// fallback returns stale cached facts in place of err when AWS could not
// be reached and the cache holds any facts; otherwise it returns err.
func (l *lookup) fallback(err error) (*Facts, error) {
	if l.cache == nil || !isUnreachable(err) {
		return nil, err
	}
	facts := l.readCache()
	if facts == nil {
		return nil, err
	}
	age := time.Since(facts.LookedUpAt).Round(time.Second)
	l.req.Warn(fmt.Sprintf("using cached facts for EKS cluster %q in %s from %s ago (looked up at %s) because of this error: %v",
		facts.Cluster, facts.Region, age, facts.LookedUpAt.Format(time.RFC3339), err))
	facts.Source = SourceStaleCache
	return facts, nil
}

func (l *lookup) store(facts *Facts) {
	if l.cache == nil {
		return
	}
	if err := l.cache.write(facts); err != nil {
		l.req.Warn(fmt.Sprintf("facts were not cached, so the next run calls AWS again: %v", err))
	}
}
