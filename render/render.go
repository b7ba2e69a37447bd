// Package render rewrites Helm's rendered manifests for IAM Roles for
// Service Accounts (IRSA) on EKS.
//
// A run splits the stream into documents, parses each one, finds the runner
// workloads (pod templates that run the runner image) and the
// ServiceAccounts they use, and applies small filters to those objects:
// annotateRole on the ServiceAccounts, and pinImage, injectRegion and
// annotateRoleHash on the pod templates. Documents no filter touched are
// written back as their original bytes; rewritten ones are patched in place
// (see patch.go). Every output document is then validated, and the output
// is returned only when the whole stream is free of problems, so that Helm
// never installs half a stream.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
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
	if int64(len(in)) > r.opts.MaxInputBytes {
		return nil, nil, fmt.Errorf("input is %d bytes, above the limit of %d bytes; raise --max-input-bytes if the stream is genuine", len(in), r.opts.MaxInputBytes)
	}
	run := &runState{r: r, result: &Result{}}
	run.parse(splitStream(in))
	if len(run.objects) == 0 && len(run.problems) == 0 {
		return nil, run.result, ErrEmptyInput
	}
	run.rewrite()
	out := run.write()
	if len(run.problems) > 0 {
		return nil, run.result, run.problems
	}
	return out, run.result, nil
}

// runState holds one run's documents and findings.
type runState struct {
	r       *Renderer
	result  *Result
	docs    []*document
	objects []*object
	changed map[*document]*yaml.Node // document -> copy of its tree before the rewrite
	report
}

func (s *runState) parse(segs []segment) {
	s.docs = make([]*document, 0, len(segs))
	for _, seg := range segs {
		if int64(len(seg.data)) > s.r.opts.MaxDocumentBytes {
			d := &document{seg: seg, source: findSource(seg.data)}
			s.problems = append(s.problems, d.fail(fmt.Sprintf("document is %d bytes, above the limit of %d bytes", len(seg.data), s.r.opts.MaxDocumentBytes),
				"Kubernetes cannot store an object this large; check the template"))
			s.docs = append(s.docs, d)
			continue
		}
		d, err := parseDocument(seg, s.r.opts.Namespace)
		s.docs = append(s.docs, d)
		s.addError(err)
		s.objects = append(s.objects, d.objects...)
	}
	s.result.Documents = len(s.docs)
}

func (s *runState) addError(err error) {
	var ps Problems
	var p Problem
	switch {
	case err == nil:
	case errors.As(err, &ps):
		s.problems = append(s.problems, ps...)
	case errors.As(err, &p):
		s.problems = append(s.problems, p)
	default:
		s.problems = append(s.problems, Problem{Document: "input", Message: err.Error()})
	}
}

// markChanged records a document as rewritten, keeping a copy of its tree
// as parsed so that the patch writer can tell what changed.
func (s *runState) markChanged(d *document, before *yaml.Node) {
	if _, ok := s.changed[d]; !ok {
		s.changed[d] = before
	}
}

// rewrite applies the filters to the runner workloads and their
// ServiceAccounts.
func (s *runState) rewrite() {
	opts := &s.r.opts
	s.changed = map[*document]*yaml.Node{}
	workloadFilters := []func(*workload, *report) bool{
		pinImage(opts, s.r.matcher),
		injectRegion(opts),
		annotateRoleHash(opts),
	}
	workloads := s.runnerWorkloads()
	if len(workloads) == 0 && len(s.problems) == 0 {
		// Passing such a stream through would install the runner without
		// IRSA, or hide a --image-repository that matches nothing.
		s.problems = append(s.problems, Problem{Document: "input",
			Message: fmt.Sprintf("no runner workload in the stream: no pod template runs a %s image", describeMatcher(opts.ImageRepository)),
			Fix:     "check --image-repository, and that the stream is the ci-runner-worker chart's"})
	}
	targets := s.serviceAccountTargets()
	for _, w := range workloads {
		before := copyTree(w.obj.doc.root)
		changed := false
		for _, f := range workloadFilters {
			if f(w, &s.report) {
				changed = true
			}
		}
		if changed {
			s.markChanged(w.obj.doc, before)
		}
	}
	annotate := annotateRole(opts)
	for _, o := range s.objects {
		if o.kind != "ServiceAccount" || !targets.matches(o) {
			if o.kind == "ServiceAccount" {
				s.notes = append(s.notes, o.warning("left alone: no runner workload uses it"))
			}
			continue
		}
		before := copyTree(o.doc.root)
		if annotate(o, &s.report) {
			s.markChanged(o.doc, before)
		}
	}
	s.result.Warnings, s.result.Notes = s.warnings, s.notes
}

// runnerWorkloads returns the workloads whose pod template runs the runner
// image.
func (s *runState) runnerWorkloads() []*workload {
	var out []*workload
	for _, o := range s.objects {
		if w := asWorkload(o); w != nil && len(w.runnerContainers(s.r.matcher)) > 0 {
			out = append(out, w)
		}
	}
	return out
}

// write assembles the output and validates every object in it.
func (s *runState) write() []byte {
	var out bytes.Buffer
	for _, d := range s.docs {
		before, changed := s.changed[d]
		if !changed {
			out.Write(d.seg.data)
			s.validate(d)
			continue
		}
		s.result.Rewritten++
		text, err := patchDocument(d.seg.data, before, d.root)
		if err != nil {
			text, err = encodeDocument(d.seg.data, d.root)
		}
		if err != nil {
			s.problems = append(s.problems, d.fail("cannot encode the rewritten document: "+err.Error(), ""))
			continue
		}
		out.Write(text)
		if len(text) > 0 && text[len(text)-1] != '\n' && d != s.docs[len(s.docs)-1] {
			out.WriteByte('\n')
		}
		s.validate(d)
	}
	return out.Bytes()
}

// validate checks a document's top-level object with the Validator, which
// also walks the items of a List.
func (s *runState) validate(d *document) {
	v := s.r.opts.Validator
	if v == nil || len(d.objects) == 0 {
		return
	}
	top := d.objects[0]
	value, err := toJSONValue(d.root)
	if err != nil {
		s.problems = append(s.problems, top.problem(err.Error(), ""))
		return
	}
	violations, warnings := v.Check(value)
	for _, viol := range violations {
		s.problems = append(s.problems, top.problem(pointerMessage(viol), ""))
	}
	for _, w := range warnings {
		s.result.Warnings = append(s.result.Warnings, top.warning(pointerMessage(w)))
	}
}

func pointerMessage(v Violation) string {
	if v.Pointer == "" {
		return v.Message
	}
	return v.Pointer + ": " + v.Message
}

// saKey identifies a ServiceAccount; an empty namespace matches any.
type saKey struct{ namespace, name string }

type saTargets struct {
	keys map[saKey]bool
}

// matches reports whether o is a target. An empty namespace on either side
// matches any, because Helm installs such objects into the release namespace.
func (t saTargets) matches(o *object) bool {
	for key := range t.keys {
		if key.name == o.name && sameNamespace(key.namespace, o.namespace) {
			return true
		}
	}
	return false
}

func sameNamespace(a, b string) bool {
	return a == "" || b == "" || a == b
}

// serviceAccountTargets decides which ServiceAccounts get the role: those
// named by --service-account, or else those the runner workloads use. A
// target missing from the stream is a problem, since the role annotation
// would silently not happen.
func (s *runState) serviceAccountTargets() saTargets {
	t := saTargets{keys: map[saKey]bool{}}
	if len(s.r.opts.ServiceAccounts) > 0 {
		for _, ref := range s.r.opts.ServiceAccounts {
			ns, name, found := strings.Cut(ref, "/")
			if !found {
				ns, name = "", ref
			}
			t.keys[saKey{ns, name}] = true
			if !s.hasServiceAccount(saKey{ns, name}) {
				s.problems = append(s.problems, Problem{Document: "input", Message: fmt.Sprintf("--service-account %s names a ServiceAccount that is not in the stream", ref),
					Fix: "check the name, or render the chart with serviceAccount.create=true"})
			}
		}
		return t
	}
	for _, w := range s.runnerWorkloads() {
		name, explicit, p := w.serviceAccount()
		if p != nil {
			s.problems = append(s.problems, *p)
			continue
		}
		key := saKey{w.obj.namespace, name}
		if !explicit && !s.r.opts.AllowDefaultServiceAccount {
			s.problems = append(s.problems, w.obj.problem("the pods run as the namespace's default ServiceAccount, which would give the role to every pod that uses it",
				"set serviceAccountName through the chart (serviceAccount.create and serviceAccount.name), or pass --allow-default-service-account"))
			continue
		}
		t.keys[key] = true
		if s.hasServiceAccount(key) {
			continue
		}
		annotateCmd := fmt.Sprintf("kubectl annotate serviceaccount %s%s %s=%s", name, namespaceFlag(key.namespace), AnnotationRoleARN, s.r.opts.RoleARN)
		if !explicit || s.r.opts.AllowMissingServiceAccount {
			s.warnings = append(s.warnings, w.obj.warning(fmt.Sprintf("ServiceAccount %s is not in the stream; make sure it carries the role: %s", name, annotateCmd)))
			continue
		}
		s.problems = append(s.problems, w.obj.problem(
			fmt.Sprintf("the pods run as ServiceAccount %s, which is not in the stream, so it cannot get the role annotation: the chart was rendered with serviceAccount.create=false, or the ServiceAccount is a Helm hook, which Helm 3 does not pass to post-renderers", name),
			fmt.Sprintf("render it with serviceAccount.create=true, or annotate the existing one yourself (%s) and pass --allow-missing-service-account", annotateCmd)))
	}
	return t
}

func namespaceFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}

func (s *runState) hasServiceAccount(key saKey) bool {
	for _, o := range s.objects {
		if o.kind == "ServiceAccount" && o.name == key.name && sameNamespace(key.namespace, o.namespace) {
			return true
		}
	}
	return false
}
