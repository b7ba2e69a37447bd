package gcstart

import (
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

func TestInitTurnsCollectorOff(t *testing.T) {
	if os.Getenv("GCSTART_REPORT") == "1" {
		// Run as a child by TestEnvironmentKeepsSettings.
		if Active {
			os.Stdout.WriteString("active\n")
		} else {
			os.Stdout.WriteString("inactive\n")
		}
		return
	}
	if _, set := os.LookupEnv("GOGC"); set {
		t.Skip("GOGC is set, so the package changes nothing")
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		t.Skip("GOMEMLIMIT is set, so the package changes nothing")
	}
	if !Active {
		t.Fatal("Active is false without GOGC and GOMEMLIMIT")
	}
	percent := debug.SetGCPercent(-1)
	if percent != -1 {
		t.Errorf("GC percent is %d, want -1 (off)", percent)
	}
	if limit := debug.SetMemoryLimit(-1); limit != Limit {
		t.Errorf("memory limit is %d, want %d", limit, Limit)
	}
}

// TestEnvironmentKeepsSettings runs this test binary again with GOGC or
// GOMEMLIMIT set and expects the package to leave the collector alone.
func TestEnvironmentKeepsSettings(t *testing.T) {
	if os.Getenv("GCSTART_REPORT") == "1" {
		return
	}
	for _, variable := range []string{"GOGC=100", "GOMEMLIMIT=1GiB"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInitTurnsCollectorOff$")
		cmd.Env = append(os.Environ(), "GCSTART_REPORT=1", variable)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", variable, err)
		}
		if !strings.HasPrefix(string(out), "inactive\n") {
			t.Errorf("with %s the child printed %q, want inactive", variable, out)
		}
	}
}
