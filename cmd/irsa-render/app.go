package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/firefly-oss/irsa-render/render"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// streams are the process streams; only main and the tests pick them.
type streams struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// usageError marks errors in flags, variables or the config file.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run executes the command line and returns the exit code.
func run(args []string, s streams, environ []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp(s, environ)
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(s.in)
	root.SetOut(s.err)
	root.SetErr(s.err)
	err := root.ExecuteContext(ctx)
	defer app.closeLog()
	if err == nil {
		return exitOK
	}
	app.printError(err)
	if isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

// app holds what every command shares: the streams, the environment and
// the log.
type app struct {
	streams
	env     map[string]string
	logFile io.WriteCloser
	// failing collects the lines of a failure report in failure, for
	// relayToHelm.
	failing bool
	failure strings.Builder
}

func newApp(s streams, environ []string) *app {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return &app{streams: s, env: env}
}

// logf writes one line to stderr and to the log file, if any.
func (a *app) logf(format string, args ...any) {
	line := "irsa-render: " + fmt.Sprintf(format, args...) + "\n"
	io.WriteString(a.err, line)
	if a.logFile != nil {
		io.WriteString(a.logFile, line)
	}
	if a.failing {
		a.failure.WriteString(line)
	}
}

func (a *app) closeLog() {
	if a.logFile != nil {
		a.logFile.Close()
		a.logFile = nil
	}
}

// printError reports a failure; a stream with several problems gets one line each.
func (a *app) printError(err error) {
	a.failing = true
	defer func() {
		a.failing = false
		a.relayToHelm(a.failure.String())
	}()
	var problems render.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			a.logf("error: %s", p.Error())
		}
		a.logf("%d problem(s) found; nothing was written to stdout", len(problems))
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		a.logf("error: %s", line)
	}
	if isUsage(err) {
		a.logf("run 'irsa-render --help' for usage")
	}
}
