package doctor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var sampleReport = Report{Results: []Result{
	{Check: CheckCluster, Status: Passed, Message: "EKS cluster demo is ACTIVE"},
	{Check: CheckTrustPolicy, Status: Failed, Message: "no statement allows it\nstatement 0 allows another namespace", Fix: "add this statement:\n{\n  \"Effect\": \"Allow\"\n}"},
	{Check: CheckPodIdentity, Status: Warning, Message: "an association competes", Fix: "aws eks delete-pod-identity-association"},
	{Check: CheckRunnerImage, Status: Skipped, Message: "no stream"},
}}

func TestWriteTextLayout(t *testing.T) {
	var out bytes.Buffer
	if err := WriteText(&out, sampleReport, false); err != nil {
		t.Fatal(err)
	}
	want := `passed   cluster       EKS cluster demo is ACTIVE
failed   trust-policy  no statement allows it
                       statement 0 allows another namespace
                       fix: add this statement:
                            {
                              "Effect": "Allow"
                            }
warning  pod-identity  an association competes
                       fix: aws eks delete-pod-identity-association
skipped  runner-image  no stream

4 checks: 1 passed, 1 warning(s), 1 failed, 1 skipped
`
	if out.String() != want {
		t.Errorf("text report:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestWriteTextColor(t *testing.T) {
	var out bytes.Buffer
	if err := WriteText(&out, sampleReport, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\x1b[32mpassed \x1b[0m", "\x1b[31mfailed \x1b[0m", "\x1b[33mwarning\x1b[0m", "\x1b[2mskipped\x1b[0m"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("coloured report lacks %q", want)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var out bytes.Buffer
	if err := WriteJSON(&out, sampleReport); err != nil {
		t.Fatal(err)
	}
	var entries []map[string]string
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if len(entries) != 4 {
		t.Fatalf("entries = %d, want 4", len(entries))
	}
	if entries[0]["fix"] != "" || entries[1]["fix"] == "" {
		t.Errorf("fix fields = %q, %q; want empty for passed and set for failed", entries[0]["fix"], entries[1]["fix"])
	}
	if entries[1]["status"] != "failed" || entries[1]["check"] != "trust-policy" {
		t.Errorf("entry 1 = %v", entries[1])
	}

	out.Reset()
	if err := WriteJSON(&out, Report{}); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("empty report = %q, want []", out.String())
	}
}

func TestReportCounts(t *testing.T) {
	if !sampleReport.Failed() {
		t.Error("Failed() = false with a failed check")
	}
	if got := sampleReport.Count(Warning); got != 1 {
		t.Errorf("warnings = %d, want 1", got)
	}
	warningsOnly := Report{Results: []Result{{Status: Warning}, {Status: Skipped}}}
	if warningsOnly.Failed() {
		t.Error("Failed() = true with warnings and skipped checks only")
	}
}
