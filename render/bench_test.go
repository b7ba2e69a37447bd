package render

import (
	"fmt"
	"os"
	"testing"

	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/internal/streamgen"
	"github.com/firefly-oss/irsa-render/schema"
)

// benchChartOutput is real `helm template` output of the public chart
// ci-runner-worker 0.0.24: five documents, one runner Deployment and its
// ServiceAccount.
const benchChartOutput = "../testdata/cases/ci-runner-worker-0.0.24/default.yaml"

func benchRenderer(b *testing.B, validator Validator) *Renderer {
	b.Helper()
	r, err := New(Options{
		RoleARN:   "arn:aws:iam::111122223333:role/firefly-runner",
		ImageTag:  "v0.6.26",
		Region:    "eu-west-1",
		Validator: validator,
	})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	return r
}

func readBenchChart(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile(benchChartOutput)
	if err != nil {
		b.Fatalf("reading the chart output: %v", err)
	}
	return data
}

// benchStream returns copies of the chart output with n documents in all,
// each copy in its own namespace and under its own names, so that every
// copy's Deployment uses the ServiceAccount of its own copy.
func benchStream(b *testing.B, n int) []byte {
	b.Helper()
	stream, docs, err := streamgen.Repeat(readBenchChart(b), n)
	if err != nil {
		b.Fatalf("generating the stream: %v", err)
	}
	if docs != n {
		b.Fatalf("generated %d documents, want %d: n must be a multiple of the chart's document count", docs, n)
	}
	return stream
}

// benchRender renders in until the benchmark stops and then checks the last
// result: every document written back, and one Deployment and one
// ServiceAccount rewritten per copy of the chart.
func benchRender(b *testing.B, in []byte, wantDocs int) {
	benchRenderWith(b, in, wantDocs, nil)
}

func benchRenderWith(b *testing.B, in []byte, wantDocs int, validator Validator) {
	// Measure what the command runs, without the tests' extra check of
	// plain patches.
	defer func(saved bool) { checkPlainPatches = saved }(checkPlainPatches)
	checkPlainPatches = false
	r := benchRenderer(b, validator)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()

	var out []byte
	var result *Result
	var err error
	for b.Loop() {
		out, result, err = r.Render(in)
	}

	if err != nil {
		b.Fatalf("Render: %v", err)
	}
	if got := len(splitStream(out)); got != wantDocs {
		b.Errorf("output has %d documents, want %d", got, wantDocs)
	}
	if result.Documents != wantDocs {
		b.Errorf("Result.Documents = %d, want %d", result.Documents, wantDocs)
	}
	// The chart output has five documents per copy.
	if want := 2 * wantDocs / 5; result.Rewritten != want {
		b.Errorf("Result.Rewritten = %d, want %d (one Deployment and one ServiceAccount per copy)", result.Rewritten, want)
	}
}

func BenchmarkSplit(b *testing.B) {
	in := benchStream(b, 10000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()

	var segments []segment
	for b.Loop() {
		segments = splitStream(in)
	}

	if len(segments) != 10000 {
		b.Errorf("splitStream returned %d segments, want 10000", len(segments))
	}
}

func BenchmarkRenderChart(b *testing.B) {
	benchRender(b, readBenchChart(b), 5)
}

func BenchmarkRenderStream10k(b *testing.B) {
	benchRender(b, benchStream(b, 10000), 10000)
}

// BenchmarkRenderStream10kValidated adds the manifest schema, as the
// command line runs it.
func BenchmarkRenderStream10kValidated(b *testing.B) {
	v, err := schema.Compile(schema.Settings{Facts: &facts.Facts{Cluster: "demo", Region: "eu-west-1", Partition: "aws", Account: "111122223333"}})
	if err != nil {
		b.Fatal(err)
	}
	benchRenderWith(b, benchStream(b, 10000), 10000, schemaAdapter{v})
}

// schemaAdapter is the command line's adapter from schema to Validator.
type schemaAdapter struct{ v *schema.Validator }

func (s schemaAdapter) Check(obj any) (violations, warnings []Violation) {
	for _, v := range s.v.Validate(obj) {
		violations = append(violations, Violation{Pointer: v.Pointer, Rule: v.Rule, Message: v.Message})
	}
	for _, w := range s.v.Warnings(obj) {
		warnings = append(warnings, Violation{Pointer: w.Pointer, Rule: w.Rule, Message: w.Message})
	}
	return violations, warnings
}

// BenchmarkRenderStream renders streams of growing size. When the pipeline
// grows linearly, the ns/doc metric stays flat across the sizes.
func BenchmarkRenderStream(b *testing.B) {
	for _, docs := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("docs=%d", docs), func(b *testing.B) {
			in := benchStream(b, docs)
			benchRender(b, in, docs)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(docs), "ns/doc")
		})
	}
}
