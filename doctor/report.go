package doctor

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Status is the outcome of one check.
type Status string

// Statuses of a check. Only Failed makes Report.Failed true.
const (
	Passed  Status = "passed"
	Warning Status = "warning"
	Failed  Status = "failed"
	// Skipped marks a check that lacks its input, such as the runner's
	// ConfigMap when no rendered stream was given.
	Skipped Status = "skipped"
)

// Check names, in the order Run reports them.
const (
	CheckCluster            = "cluster"
	CheckOIDCProvider       = "oidc-provider"
	CheckTrustPolicy        = "trust-policy"
	CheckCredentialLifetime = "credential-lifetime"
	CheckPodIdentity        = "pod-identity"
	CheckStaticCredentials  = "static-credentials"
	CheckRunnerImage        = "runner-image"
	CheckImageDigest        = "image-digest"
	CheckPermissions        = "permissions"
)

// Result is the outcome of one check.
type Result struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	// Message states the finding in its first line. Further lines give
	// details, such as the near misses of a trust policy.
	Message string `json:"message"`
	// Fix is the change to make: a policy statement, an aws command or a
	// value. It is empty when there is nothing to change.
	Fix string `json:"fix"`
}

// Report is the outcome of every check, in the order of the Check
// constants.
type Report struct {
	Results []Result
}

// Count returns how many checks ended with status.
func (r Report) Count(status Status) int {
	n := 0
	for _, result := range r.Results {
		if result.Status == status {
			n++
		}
	}
	return n
}

// Failed reports whether any check failed. Warnings and skipped checks do
// not count.
func (r Report) Failed() bool {
	return r.Count(Failed) > 0
}

// WriteJSON writes the results as a JSON list of {check, status, message,
// fix} objects, indented, with a final newline.
func WriteJSON(w io.Writer, r Report) error {
	results := r.Results
	if results == nil {
		results = []Result{}
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

// ANSI colours of the status words in WriteText.
var statusColors = map[Status]string{
	Passed:  "\x1b[32m",
	Warning: "\x1b[33m",
	Failed:  "\x1b[31m",
	Skipped: "\x1b[2m",
}

const colorReset = "\x1b[0m"

// WriteText writes one line per check, the status first, followed by the
// message's further lines and the fix, indented under the message, and a
// closing summary line. With color, the status words carry ANSI colours.
func WriteText(w io.Writer, r Report, color bool) error {
	width := 0
	for _, result := range r.Results {
		width = max(width, len(result.Check))
	}
	const statusWidth = len("warning")
	indent := strings.Repeat(" ", statusWidth+2+width+2)

	out := bufio.NewWriter(w)
	for _, result := range r.Results {
		status := fmt.Sprintf("%-*s", statusWidth, result.Status)
		if color {
			status = statusColors[result.Status] + status + colorReset
		}
		lines := strings.Split(strings.TrimRight(result.Message, "\n"), "\n")
		fmt.Fprintf(out, "%s  %-*s  %s\n", status, width, result.Check, lines[0])
		for _, line := range lines[1:] {
			fmt.Fprintf(out, "%s%s\n", indent, line)
		}
		if result.Fix != "" {
			fixLines := strings.Split(strings.TrimRight(result.Fix, "\n"), "\n")
			fmt.Fprintf(out, "%sfix: %s\n", indent, fixLines[0])
			for _, line := range fixLines[1:] {
				fmt.Fprintf(out, "%s     %s\n", indent, line)
			}
		}
	}
	fmt.Fprintf(out, "\n%d checks: %d passed, %d warning(s), %d failed, %d skipped\n",
		len(r.Results), r.Count(Passed), r.Count(Warning), r.Count(Failed), r.Count(Skipped))
	return out.Flush()
}
