// Package render rewrites Helm's rendered manifests for IAM Roles for
// Service Accounts (IRSA) on EKS.
//
// A run splits the stream into documents, parses each one, and finds the
// runner workloads (pod templates that run the runner image) and the
// ServiceAccounts they use. Small filters rewrite those objects:
// annotateRole the ServiceAccounts, and pinImage, injectRegion and
// annotateRoleHash the pod templates. Documents no filter touched are
// written back as their original bytes; rewritten ones are patched in place
// (see patch.go). Every output document is then validated, and the output
// is written only when the whole stream is free of problems, so that Helm
// never installs half a stream.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"helm.sh/helm/v3/pkg/postrender"
)

// Renderer rewrites streams with fixed options. It is safe for concurrent use.
type Renderer struct {
	opts    Options
	matcher imageMatcher
	// Warn receives warnings and notes; nil discards them.
	Warn func(string)
}

var _ postrender.PostRenderer = (*Renderer)(nil)

// ErrEmptyInput is returned for a stream without any Kubernetes object.
var ErrEmptyInput = errors.New("the input contains no Kubernetes objects: pipe the output of helm template, or run as helm's --post-renderer")

// New checks the options and returns a Renderer.
func New(opts Options) (*Renderer, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	if opts.MaxInputBytes == 0 {
		opts.MaxInputBytes = DefaultMaxInputBytes
	}
	if opts.MaxDocumentBytes == 0 {
		opts.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if opts.RegionSource == "" {
		opts.RegionSource = "--region"
	}
	return &Renderer{opts: opts, matcher: newImageMatcher(opts.ImageRepository)}, nil
}

// Run implements Helm's postrender.PostRenderer.
func (r *Renderer) Run(rendered *bytes.Buffer) (*bytes.Buffer, error) {
	out, result, err := r.Render(rendered.Bytes())
	if result != nil {
		r.emit(result)
	}
	if err != nil {
		return nil, err
	}
	return bytes.NewBuffer(out), nil
}

func (r *Renderer) emit(result *Result) {
	if r.Warn == nil {
		return
	}
	for _, w := range result.Warnings {
		r.Warn("warning: " + w.String())
	}
	for _, n := range result.Notes {
		r.Warn("note: " + n.String())
	}
}

// Result describes a run.
type Result struct {
	Documents int
	Rewritten int
	Warnings  []Warning
	Notes     []Warning
}

// Render rewrites a stream. On error the returned bytes are nil; the error
// is a Problems listing every problem found, or an input-level error.
func (r *Renderer) Render(in []byte) ([]byte, *Result, error) {
	var out bytes.Buffer
	out.Grow(len(in) + len(in)/8)
	result, err := r.RenderTo(&out, in)
	if err != nil {
		return nil, result, err
	}
	return out.Bytes(), result, nil
}

// RenderTo rewrites a stream and writes it to w, only once every document
// is free of problems: on error nothing has been written, unless the error
// comes from w itself.
func (r *Renderer) RenderTo(w io.Writer, in []byte) (*Result, error) {
	if int64(len(in)) > r.opts.MaxInputBytes {
		return nil, fmt.Errorf("input is %d bytes, above the limit of %d bytes; raise --max-input-bytes if the stream is genuine", len(in), r.opts.MaxInputBytes)
	}
	run := newRun(r)
	run.firstPass(splitStream(in))
	if run.objects == 0 && run.problemCount() == 0 {
		return run.result(), ErrEmptyInput
	}
	if run.runners == 0 && run.problemCount() == 0 {
		// Passing such a stream through would install the runner without
		// IRSA, or hide a --image-repository that matches nothing.
		run.problems = append(run.problems, Problem{Document: "input",
			Message: fmt.Sprintf("no runner workload in the stream: no pod template runs a %s image", describeMatcher(r.opts.ImageRepository)),
			Fix:     "check --image-repository, and that the stream is the ci-runner-worker chart's"})
	}
	run.secondPass()
	result := run.result()
	if problems := run.allProblems(); len(problems) > 0 {
		return result, problems
	}
	return result, run.writeTo(w)
}
