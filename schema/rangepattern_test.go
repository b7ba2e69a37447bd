package schema

import (
	"regexp"
	"strconv"
	"testing"
)

func TestDecimalRangePatternTokenExpiration(t *testing.T) {
	pattern := regexp.MustCompile(decimalRangePattern(MinTokenExpirationSeconds, MaxTokenExpirationSeconds))
	for n := range 200_000 {
		want := n >= MinTokenExpirationSeconds && n <= MaxTokenExpirationSeconds
		text := strconv.Itoa(n)
		if got := pattern.MatchString(text); got != want {
			t.Fatalf("%s: match = %v, want %v (pattern %s)", text, got, want, pattern)
		}
		if got := pattern.MatchString("00" + text); got != want {
			t.Fatalf("00%s: match = %v, want %v", text, got, want)
		}
	}
	for _, text := range []string{"", "+600", "-600", "600.0", " 600", "6e2"} {
		if pattern.MatchString(text) {
			t.Errorf("%q matches, want no match", text)
		}
	}
}

func TestDecimalRangePatternOtherBounds(t *testing.T) {
	bounds := [][2]uint64{{0, 0}, {0, 9}, {7, 7}, {1, 10}, {9, 11}, {10, 99}, {5, 5000}, {123, 98765}, {100, 1000}, {199, 200}, {0, 100000}}
	for _, b := range bounds {
		pattern := regexp.MustCompile(decimalRangePattern(b[0], b[1]))
		for n := range uint64(120_000) {
			want := n >= b[0] && n <= b[1]
			if got := pattern.MatchString(strconv.FormatUint(n, 10)); got != want {
				t.Fatalf("range %d-%d, %d: match = %v, want %v (pattern %s)", b[0], b[1], n, got, want, pattern)
			}
		}
	}
}

func TestDecimalRangePatternLargeBounds(t *testing.T) {
	pattern := regexp.MustCompile(decimalRangePattern(1, ^uint64(0)))
	cases := map[string]bool{
		"0":                    false,
		"1":                    true,
		"18446744073709551615": true,
		"18446744073709551616": false,
		"99999999999999999999": false,
	}
	for text, want := range cases {
		if got := pattern.MatchString(text); got != want {
			t.Errorf("%s: match = %v, want %v", text, got, want)
		}
	}
}
