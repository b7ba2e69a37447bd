// Package imagepin resolves image tags to digests and records them in a
// lock file, so that a tag moved in the registry changes nothing until the
// user asks for a refresh.
//
// A short tour:
//
//   - Resolver looks up the digest that a tag points at with a HEAD request
//     for the manifest, then a GET when the HEAD response carries no digest.
//     It tries anonymous access first, then the credentials of the Docker
//     config and its credential helpers, which crane reads the same way. A
//     multi-platform image resolves to the digest of its index, never to one
//     platform's manifest.
//   - Every call runs under Options.Timeout. Its errors wrap ErrUnreachable,
//     ErrTagNotFound, ErrAuthRequired, ErrRateLimited or ErrTimeout for
//     errors.Is, and ResolveError carries the details.
//   - LockFile is the YAML lock file, meant to be reviewed in Git like go.sum.
//     ReadLock reads it and WriteLock replaces it atomically.
//   - Pinner combines both. It takes digests from the lock file and resolves
//     only the tags the file lacks, or every tag on refresh, then writes the
//     file back when an entry changed.
package imagepin
