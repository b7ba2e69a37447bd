package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Helm 4 (v4.3.2) runs a postrenderer/v1 plugin with stderr captured into a
// buffer that it drops, even when the plugin fails, so its user sees only
// "plugin exited with error". When irsa-render runs as such a plugin (Helm
// sets HELM_PLUGIN_DIR), a failure's lines are also written to Helm's own
// stderr, which is the user's terminal or CI log.

// helmStderr opens the stderr of the Helm process that started this one:
// /proc/<parent>/fd/2 on Linux, or else the controlling terminal. It returns
// nil when neither can be opened.
func helmStderr() io.WriteCloser {
	parent := fmt.Sprintf("/proc/%d/fd/2", os.Getppid())
	// O_APPEND keeps a log file that stderr points at from being overwritten
	// from its start.
	if f, err := os.OpenFile(parent, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		// A regular file is skipped: Helm writes to it at its own offset
		// and would overwrite these lines. Terminals and pipes (CI logs)
		// have no offset.
		if info, err := f.Stat(); err == nil && !info.Mode().IsRegular() {
			return f
		}
		f.Close()
	}
	if f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		return f
	}
	return nil
}

// relayToHelm writes text to Helm 4's stderr when running as its plugin.
func (a *app) relayToHelm(text string) {
	if a.env["HELM_PLUGIN_DIR"] == "" {
		return
	}
	w := helmStderr()
	if w == nil {
		return
	}
	defer w.Close()
	io.WriteString(w, strings.TrimRight(text, "\n")+"\n")
}
