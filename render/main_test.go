package render

import (
	"os"
	"testing"
)

// TestMain checks every patch of a plain document in every test and fuzz
// input: a patch that does not parse back into the rewritten tree panics.
func TestMain(m *testing.M) {
	checkPlainPatches = true
	os.Exit(m.Run())
}
