package doctor

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a semantic version (semver.org 2.0.0) read from an image tag,
// with an optional "v" prefix.
type Version struct {
	Major, Minor, Patch uint64
	// Prerelease holds the dot-separated identifiers after "-", if any.
	Prerelease []string
	// Text is the version as written, prefix included.
	Text string
}

// versionPattern is the grammar of semver.org 2.0.0 with an optional "v".
// Build metadata after "+" is matched but plays no part in precedence.
var versionPattern = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$`)

// ParseVersion reads a semantic version such as v0.6.26, 1.2.3 or
// 1.2.3-rc.1.
func ParseVersion(text string) (Version, error) {
	m := versionPattern.FindStringSubmatch(text)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a semantic version such as v0.6.26 or 1.2.3", text)
	}
	v := Version{Text: text}
	var err error
	for i, field := range []*uint64{&v.Major, &v.Minor, &v.Patch} {
		if *field, err = strconv.ParseUint(m[i+1], 10, 64); err != nil {
			return Version{}, fmt.Errorf("%q: version number %s is too large", text, m[i+1])
		}
	}
	if m[4] != "" {
		v.Prerelease = strings.Split(m[4], ".")
	}
	return v, nil
}

func (v Version) String() string { return v.Text }

// Compare returns -1, 0 or +1 as v is older than, as old as, or newer than
// other, by the precedence rules of semver.org 2.0.0: a pre-release is
// older than its release, and build metadata is ignored.
func (v Version) Compare(other Version) int {
	for _, pair := range [][2]uint64{{v.Major, other.Major}, {v.Minor, other.Minor}, {v.Patch, other.Patch}} {
		if c := compareUint(pair[0], pair[1]); c != 0 {
			return c
		}
	}
	switch {
	case len(v.Prerelease) == 0 && len(other.Prerelease) == 0:
		return 0
	case len(v.Prerelease) == 0:
		return 1
	case len(other.Prerelease) == 0:
		return -1
	}
	for i := 0; i < len(v.Prerelease) && i < len(other.Prerelease); i++ {
		if c := compareIdentifier(v.Prerelease[i], other.Prerelease[i]); c != 0 {
			return c
		}
	}
	return compareUint(uint64(len(v.Prerelease)), uint64(len(other.Prerelease)))
}

// compareIdentifier orders pre-release identifiers: numeric ones by value
// and below alphanumeric ones, which compare in ASCII order.
func compareIdentifier(a, b string) int {
	an, aErr := strconv.ParseUint(a, 10, 64)
	bn, bErr := strconv.ParseUint(b, 10, 64)
	switch {
	case aErr == nil && bErr == nil:
		return compareUint(an, bn)
	case aErr == nil:
		return -1
	case bErr == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
