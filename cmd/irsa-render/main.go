// Command irsa-render prepares the ci-runner-worker Helm chart for IAM Roles
// for Service Accounts (IRSA) on EKS.
//
// Run without a subcommand it is a Helm post-renderer: manifests on stdin,
// rewritten manifests on stdout. Stdout carries only manifests. Every other
// byte (errors, warnings, notes) goes to stderr with an "irsa-render:"
// prefix. The first stderr line of a failure states the reason, because
// Helm shows a post-renderer's stderr only inside its own error message.
//
// Exit codes: 0 success, 1 a problem with the input or with AWS, 2 a usage
// error (bad flag, variable or config file).
package main

import (
	"os"

	// Keeps the garbage collector off while the other packages initialize.
	_ "github.com/firefly-oss/irsa-render/internal/gcstart"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Environ()))
}
