package pattern

import (
	"regexp"
	"strings"
	"testing"
)

// TestBoundedMatchesCountedRepetition compares each bounded expression
// with the counted repetition that it replaces, at and around the limits.
func TestBoundedMatchesCountedRepetition(t *testing.T) {
	for _, tc := range []struct {
		counted string
		bounded Bounded
		samples []string
	}{
		{
			counted: `^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`,
			bounded: MustBounded(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`, 253),
			samples: []string{"", "a", "a-", "-a", "a.b", strings.Repeat("a", 253), strings.Repeat("a", 254), "a" + strings.Repeat("-", 251) + "a", "A"},
		},
		{
			counted: `^[\w+=,.@-]{1,64}$`,
			bounded: MustBounded(`^[\w+=,.@-]+$`, 64),
			samples: []string{"", "r", strings.Repeat("r", 64), strings.Repeat("r", 65), "a/b", "a b", "+=,.@_-"},
		},
		{
			counted: `^[\w][\w.-]{0,127}$`,
			bounded: MustBounded(`^\w[\w.-]*$`, 128),
			samples: []string{"", "v1", ".v1", "-v1", strings.Repeat("a", 128), strings.Repeat("a", 129), "v1.2-rc_1"},
		},
		{
			counted: `^[a-z0-9]([-a-z0-9]{0,44}[a-z0-9])?$`,
			bounded: MustBounded(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, 46),
			samples: []string{"", "a", "a-b", "a.b", strings.Repeat("a", 46), strings.Repeat("a", 47), "a-"},
		},
		{
			counted: `^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`,
			bounded: MustBounded(`^[0-9A-Za-z][A-Za-z0-9_-]*$`, 100),
			samples: []string{"", "c", "_c", "c_-1", strings.Repeat("c", 100), strings.Repeat("c", 101), "c.d"},
		},
	} {
		counted := regexp.MustCompile(tc.counted)
		for _, s := range tc.samples {
			if got, want := tc.bounded.MatchString(s), counted.MatchString(s); got != want {
				t.Errorf("%s: MatchString(%q) = %v, the counted expression returns %v", tc.counted, s, got, want)
			}
		}
	}
}

func BenchmarkCompileCounted(b *testing.B) {
	for b.Loop() {
		regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
	}
}

func BenchmarkCompileBounded(b *testing.B) {
	for b.Loop() {
		MustBounded(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`, 253)
	}
}
