package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Token lifetimes of the EKS pod identity webhook, as
// github.com/aws/amazon-eks-pod-identity-webhook v0.6.17 sets them in
// pkg/constants.go and pkg/handler/handler.go. The webhook requests
// 86400 s by default and then draws the default token's lifetime at random
// between 79200 s and 86400 s. It raises any value below 600 s to 600 s.
const (
	webhookDefaultTokenSeconds    = 86400
	webhookJitteredMinimumSeconds = 79200
	webhookMinimumTokenSeconds    = 600
)

// The explanations of checkCredentialLifetime rest on these sources:
//   - k8s.io/api v0.37.2, core/v1 ServiceAccountTokenProjection.ExpirationSeconds:
//     the kubelet starts rotating a projected token once it is older than
//     80 percent of its lifetime, or older than 24 hours.
//   - github.com/aws/aws-sdk-go-v2/credentials v1.21.1,
//     stscreds/web_identity_provider.go: the provider reads the token file
//     on every retrieval and sends DurationSeconds only when configured,
//     so STS grants its default of one hour.
//   - The AWS SDKs and Tools reference, "standardized credential
//     providers": the SDKs renew credentials from these providers
//     automatically when they expire.
//
// NOTE: how the runner hands credentials to its Terraform containers is
// not visible in the chart, so the messages state both outcomes.

// maxSessionDurationLimit is the largest MaxSessionDuration IAM accepts.
const maxSessionDurationLimit = 12 * time.Hour

// runnerTimeouts are the runner's settings that bound one operation: a
// Terraform activity and a whole child execution. The values are Go
// duration strings such as 90m or 55h.
var runnerTimeouts = []string{"WORKFLOW_TERRAFORM_ACTIVITY_TIMEOUT", "WORKER_CHILD_EXECUTION_TIMEOUT"}

// runnerTimeout is one timeout setting of a runner container.
type runnerTimeout struct {
	name     string
	value    time.Duration
	variable EnvVar
	// container names the container when the stream has several.
	container string
}

func (t runnerTimeout) label() string {
	return fmt.Sprintf("%s %s (from %s%s)", t.name, formatDuration(t.value), t.variable.Source, t.container)
}

// tokenLifetime returns the shortest and longest lifetime of the
// projected token and a description of where it comes from.
func (r *run) tokenLifetime() (shortest, longest time.Duration, description string) {
	seconds := r.in.TokenExpiration
	switch {
	case seconds <= 0 || seconds == webhookDefaultTokenSeconds:
		return webhookJitteredMinimumSeconds * time.Second, webhookDefaultTokenSeconds * time.Second,
			fmt.Sprintf("%s to %s (%s: 86400 s less a random jitter of up to 2h)",
				formatDuration(webhookJitteredMinimumSeconds*time.Second), formatDuration(webhookDefaultTokenSeconds*time.Second), r.in.TokenSource)
	case seconds < webhookMinimumTokenSeconds:
		lifetime := webhookMinimumTokenSeconds * time.Second
		return lifetime, lifetime, fmt.Sprintf("%s (%s asks for %d s, which the webhook raises to 600 s)", formatDuration(lifetime), r.in.TokenSource, seconds)
	}
	lifetime := time.Duration(seconds) * time.Second
	return lifetime, lifetime, fmt.Sprintf("%s (%s)", formatDuration(lifetime), r.in.TokenSource)
}

// checkCredentialLifetime compares the runner's timeouts with the lifetime
// of the projected token and with the role's MaxSessionDuration.
func (r *run) checkCredentialLifetime() Result {
	result := Result{Check: CheckCredentialLifetime}
	if r.in.Runner == nil {
		result.Status = Skipped
		result.Message = "not checked because no rendered stream was given, so the runner's timeouts are unknown; pass -f rendered.yaml"
		return result
	}
	timeouts, invalid := r.runnerTimeouts()
	shortest, _, tokenText := r.tokenLifetime()
	var maxSession time.Duration
	sessionText := "unknown, because the role was not read (see the trust-policy check)"
	if r.role.info != nil {
		maxSession = time.Duration(aws.ToInt32(r.role.info.MaxSessionDuration)) * time.Second
		sessionText = formatDuration(maxSession)
	}

	var outlastToken, outlastSession []runnerTimeout
	for _, t := range timeouts {
		if t.value > shortest {
			outlastToken = append(outlastToken, t)
		}
		if maxSession > 0 && t.value > maxSession {
			outlastSession = append(outlastSession, t)
		}
	}

	if len(timeouts) == 0 && len(invalid) == 0 {
		result.Status = Skipped
		result.Message = fmt.Sprintf("not checked because the runner sets neither %s; its built-in defaults are unknown to irsa-render",
			strings.Join(runnerTimeouts, " nor "))
		return result
	}
	if len(outlastToken) == 0 && len(outlastSession) == 0 && len(invalid) == 0 {
		result.Status = Passed
		result.Message = fmt.Sprintf("the runner's timeouts (%s) fit within the projected token's lifetime of %s and the role's MaxSessionDuration of %s",
			labels(timeouts), tokenText, sessionText)
		return result
	}

	result.Status = Warning
	var lines, fixes []string
	lines = append(lines, "some runner timeouts are longer than the credentials they rely on may last:")
	lines = append(lines, invalid...)
	if len(outlastToken) > 0 {
		lines = append(lines, fmt.Sprintf("%s %s the projected ServiceAccount token, which lives %s.", labels(outlastToken), outlast(outlastToken), tokenText),
			"The kubelet writes a new token to the file once the old one is 80% through its lifetime, and an SDK web identity provider "+
				"(the AWS SDK for Go v2's, for one) reads the file again for each AssumeRoleWithWebIdentity call, "+
				"so a process that gets its credentials through the SDK credential chain keeps working. "+
				"A token or credentials copied once at the start, for example into a Terraform container, expire, "+
				"and an operation still running then fails with an expired-token error.")
		for _, t := range outlastToken {
			fixes = append(fixes, fmt.Sprintf("lower %s below %s%s", t.name, formatDuration(shortest), whereToSet(t)))
		}
		if r.in.TokenExpiration > 0 && r.in.TokenExpiration < webhookDefaultTokenSeconds {
			fixes = append(fixes, "or raise eks.amazonaws.com/token-expiration (--token-expiration) up to 86400 s")
		}
	}
	if len(outlastSession) > 0 {
		lines = append(lines, fmt.Sprintf("%s %s the role's MaxSessionDuration of %s, the longest one AssumeRoleWithWebIdentity session can last.",
			labels(outlastSession), outlast(outlastSession), sessionText),
			"The AWS SDKs renew such credentials before they expire (the AWS SDK for Go v2 asks STS for its default one-hour session unless configured otherwise). "+
				"The Terraform AWS provider uses that credential chain when it gets AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE and should refresh too, "+
				"but credentials handed to Terraform as fixed AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN values stop working when their session ends. "+
				"irsa-render cannot see how the runner passes credentials to Terraform.")
		fixes = append(fixes, "split long applies into shorter runs, or lower the timeouts above",
			fmt.Sprintf("for tools that request longer sessions (DurationSeconds): aws iam update-role --role-name %s --max-session-duration %d (%s is the IAM maximum)",
				shellWord(r.role.parsed.Name), sessionSecondsFor(outlastSession), formatDuration(maxSessionDurationLimit)))
	}
	result.Message = strings.Join(lines, "\n")
	result.Fix = strings.Join(fixes, "\n")
	return result
}

// runnerTimeouts returns the timeout settings of every runner container,
// and a sentence for each value that is not a Go duration.
func (r *run) runnerTimeouts() ([]runnerTimeout, []string) {
	var timeouts []runnerTimeout
	var invalid []string
	several := len(r.in.Runner.Containers) > 1
	for _, c := range r.in.Runner.Containers {
		container := ""
		if several {
			container = fmt.Sprintf(", container %q of %s", c.Container, c.Workload())
		}
		for _, name := range runnerTimeouts {
			v, ok := c.Lookup(name)
			if !ok {
				continue
			}
			if !v.ValueKnown {
				invalid = append(invalid, fmt.Sprintf("%s comes from %s, which the stream does not show, so it was not compared", name, v.Source))
				continue
			}
			d, err := time.ParseDuration(strings.TrimSpace(v.Value))
			if err != nil {
				invalid = append(invalid, fmt.Sprintf("%s is %q (%s), which is not a Go duration such as 90m or 55h", name, v.Value, v.Source))
				continue
			}
			timeouts = append(timeouts, runnerTimeout{name: name, value: d, variable: v, container: container})
		}
	}
	return timeouts, invalid
}

// whereToSet returns the place a timeout is set, for the fix.
func whereToSet(t runnerTimeout) string {
	switch t.variable.SourceKind {
	case "ConfigMap":
		return fmt.Sprintf(" in ConfigMap %s (chart value configMap.data.%s)", t.variable.SourceName, t.name)
	case "Secret":
		return " in Secret " + t.variable.SourceName
	}
	return " in " + t.variable.Source
}

// sessionSecondsFor returns a MaxSessionDuration in whole hours that
// covers the longest timeout, within IAM's range of 1 to 12 hours.
func sessionSecondsFor(timeouts []runnerTimeout) int64 {
	longest := time.Hour
	for _, t := range timeouts {
		longest = max(longest, t.value)
	}
	hours := (longest + time.Hour - 1) / time.Hour
	return int64(min(hours*time.Hour, maxSessionDurationLimit) / time.Second)
}

// outlast returns the verb for a list of timeouts.
func outlast(timeouts []runnerTimeout) string {
	if len(timeouts) == 1 {
		return "outlasts"
	}
	return "outlast"
}

func labels(timeouts []runnerTimeout) string {
	parts := make([]string, len(timeouts))
	for i, t := range timeouts {
		parts[i] = t.label()
	}
	return strings.Join(parts, ", ")
}

// formatDuration writes d without zero units: 55h, 1h30m, 22h.
func formatDuration(d time.Duration) string {
	text := d.String()
	if strings.HasSuffix(text, "m0s") {
		text = strings.TrimSuffix(text, "0s")
	}
	if strings.HasSuffix(text, "h0m") {
		text = strings.TrimSuffix(text, "0m")
	}
	return text
}
