package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneMemory(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(1 << 40)
	defer func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}()

	tuneMemory(map[string]string{}, 1000)
	if got := debug.SetMemoryLimit(-1); got != 48<<20+3000 {
		t.Errorf("memory limit is %d, want 48 MiB + 3 times the input", got)
	}
	if got := debug.SetGCPercent(100); got != -1 {
		t.Errorf("GC percent is %d, want -1 (off)", got)
	}

	debug.SetMemoryLimit(1 << 40)
	tuneMemory(map[string]string{"GOGC": "50"}, 1000)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("with GOGC set, the memory limit changed to %d", got)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, the GC percent changed to %d", got)
	}
}
