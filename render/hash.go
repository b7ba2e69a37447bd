package render

import (
	"crypto/sha256"
	"encoding/hex"
)

// shortHash returns the first 10 hex digits of the SHA-256 of the parts,
// separated by NUL bytes so that no two part lists collide.
func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}
