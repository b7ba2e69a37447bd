// Command genstream writes a large YAML stream for benchmarks: whole copies
// of one rendered chart, each copy with its own names and namespace.
//
// Usage:
//
//	bin/helm3 template runner charts/ci-runner-worker -n firefly > chart.yaml
//	go run ./hack/bench/genstream -n 10000 chart.yaml > stream.yaml
//
// It writes ceil(n / d) copies, where d is the number of documents in the
// chart output, so the stream has exactly n documents when d divides n and
// otherwise up to d-1 more (it never cuts a copy). The stand-in chart renders
// 5 documents, so 1000, 10000 and 50000 are exact. The document count
// written is printed on stderr. See internal/streamgen for the rewrite rules.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/firefly-oss/irsa-render/internal/streamgen"
)

func main() {
	n := flag.Int("n", 10000, "minimum number of documents to write; rounded up to whole copies of the chart")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: genstream [-n DOCUMENTS] CHART_OUTPUT.yaml > stream.yaml")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}

	template, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "genstream:", err)
		os.Exit(1)
	}
	stream, docs, err := streamgen.Repeat(template, *n)
	if err != nil {
		fmt.Fprintf(os.Stderr, "genstream: %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(stream); err != nil {
		fmt.Fprintln(os.Stderr, "genstream: writing the stream failed:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genstream: wrote %d documents (%d bytes)\n", docs, len(stream))
}
