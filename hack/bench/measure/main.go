// Command measure runs a command once and prints its wall time with
// microsecond resolution, for hack/bench.sh.
//
// Usage:
//
//	measure [-in FILE] [-out FILE] [-timeout DURATION] -- COMMAND [ARG...]
//
// It prints one line: "wall_s=SECONDS status=ok|timeout". On timeout the
// command's whole process group is killed and wall_s is the time until then.
// The exit code is 0 on success, 3 on timeout, 1 when the command fails (its
// stderr is then copied to stderr) and 2 on a usage error.
//
// It does not report peak RSS: Go starts children with CLONE_VM, so Linux
// counts this process's own resident set (about 2 MiB) in the child's
// ru_maxrss. hack/bench.sh reads the peak RSS from GNU time instead.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	in := flag.String("in", "", "file to connect to the command's stdin (default: empty stdin)")
	out := flag.String("out", os.DevNull, "file that receives the command's stdout, truncated first")
	timeout := flag.Duration("timeout", 0, "kill the command after this long; 0 waits forever")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: measure [-in FILE] [-out FILE] [-timeout DURATION] -- COMMAND [ARG...]")
		os.Exit(2)
	}
	os.Exit(run(flag.Args(), *in, *out, *timeout))
}

func run(args []string, in, out string, timeout time.Duration) int {
	cmd := exec.Command(args[0], args[1:]...)
	// A process group of its own lets a timeout stop a wrapper script
	// together with the program it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr

	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			return 2
		}
		defer f.Close()
		cmd.Stdin = f
	}
	stdout, err := os.Create(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		return 2
	}
	defer stdout.Close()
	cmd.Stdout = stdout

	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "measure: starting %s failed: %v\n", args[0], err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var timer <-chan time.Time
	if timeout > 0 {
		timer = time.After(timeout)
	}
	status := "ok"
	select {
	case err = <-done:
	case <-timer:
		status = "timeout"
		// A negative pid signals the whole process group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err = <-done
	}
	wall := time.Since(start)

	fmt.Printf("wall_s=%.6f status=%s\n", wall.Seconds(), status)

	switch {
	case status == "timeout":
		return 3
	case err != nil:
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			fmt.Fprintf(os.Stderr, "measure: %s exited with code %d:\n%s", args[0], exitErr.ExitCode(), stderr.Bytes())
		} else {
			fmt.Fprintf(os.Stderr, "measure: %s failed: %v\n", args[0], err)
		}
		return 1
	}
	return 0
}
