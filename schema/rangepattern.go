package schema

import (
	"strconv"
	"strings"
)

// decimalRangePattern returns an anchored regular expression that matches
// the decimal strings of the integers from min to max, both included, with
// any number of leading zeros and no sign. JSON Schema cannot compare a
// string as a number, so the token-expiration bounds are encoded this way.
func decimalRangePattern(min, max uint64) string {
	return "^0*(?:" + strings.Join(decimalRangeAlternatives(min, max), "|") + ")$"
}

// decimalRangeAlternatives splits [min, max] into ranges whose numbers all
// have the same number of digits, and returns one alternative for each.
func decimalRangeAlternatives(min, max uint64) []string {
	var alternatives []string
	for min <= max {
		digits := len(strconv.FormatUint(min, 10))
		upper := max
		if largest := largestWithDigits(digits); largest < upper {
			upper = largest
		}
		alternatives = append(alternatives, sameLengthPattern(strconv.FormatUint(min, 10), strconv.FormatUint(upper, 10))...)
		if upper == max {
			break
		}
		min = upper + 1
	}
	return alternatives
}

// largestWithDigits returns 10^digits - 1, or the largest uint64 when that
// overflows.
func largestWithDigits(digits int) uint64 {
	largest := uint64(0)
	for range digits {
		if largest > (^uint64(0)-9)/10 {
			return ^uint64(0)
		}
		largest = largest*10 + 9
	}
	return largest
}

// sameLengthPattern returns alternatives that together match the decimal
// strings from low to high, which have the same length and low <= high.
func sameLengthPattern(low, high string) []string {
	width := len(low)
	switch {
	case low == high:
		return []string{low}
	case isRepeated(low, '0') && isRepeated(high, '9'):
		return []string{digitRun(width)}
	case width == 1:
		return []string{"[" + low + "-" + high + "]"}
	case low[0] == high[0]:
		return []string{prefixed(low[:1], sameLengthPattern(low[1:], high[1:]))}
	}

	// The leading digits differ: take the part that starts with low's digit,
	// the full run of digits between the two, and the part that starts with
	// high's digit. A side whose tail is all zeros or all nines joins the run.
	first, last := low[0], high[0]
	var alternatives []string
	if !isRepeated(low[1:], '0') {
		alternatives = append(alternatives, prefixed(low[:1], sameLengthPattern(low[1:], strings.Repeat("9", width-1))))
		first++
	}
	tail := ""
	if !isRepeated(high[1:], '9') {
		tail = prefixed(high[:1], sameLengthPattern(strings.Repeat("0", width-1), high[1:]))
		last--
	}
	if first <= last {
		alternatives = append(alternatives, digitClass(first, last)+digitRun(width-1))
	}
	if tail != "" {
		alternatives = append(alternatives, tail)
	}
	return alternatives
}

func prefixed(prefix string, alternatives []string) string {
	if len(alternatives) == 1 {
		return prefix + alternatives[0]
	}
	return prefix + "(?:" + strings.Join(alternatives, "|") + ")"
}

func digitClass(first, last byte) string {
	if first == last {
		return string(first)
	}
	return "[" + string(first) + "-" + string(last) + "]"
}

func digitRun(width int) string {
	switch width {
	case 0:
		return ""
	case 1:
		return "[0-9]"
	}
	return "[0-9]{" + strconv.Itoa(width) + "}"
}

func isRepeated(s string, digit byte) bool {
	for i := range len(s) {
		if s[i] != digit {
			return false
		}
	}
	return true
}
