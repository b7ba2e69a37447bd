package render

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// A run makes two passes over the documents.
//
// The first pass handles each document on its own, on as many goroutines as
// there are CPUs. It parses the document, applies the workload filters to
// runner workloads, writes the document's output bytes and validates it,
// then drops the parsed tree. Documents that hold a ServiceAccount are the
// exception: whether a ServiceAccount gets the role depends on the runner
// workloads anywhere in the stream, so their trees are kept for the second
// pass, which annotates them. Memory thus grows with the input and output
// bytes, not with the parsed trees of every document.

// run holds one Render call's state.
type run struct {
	r *Renderer
	// workloadFilters rewrite each runner workload, in this order.
	workloadFilters []func(*workload, *report) bool
	docs            []*docResult
	objects         int
	runners         int
	// targets are the ServiceAccounts that get the role, and annotate the
	// filter that gives it. Both are set when the second pass starts.
	targets  saSet
	annotate func(*object, *report) bool
	// report collects findings that belong to no single document.
	report
}

// docResult holds the passes' results for one document.
type docResult struct {
	seg segment
	// out is the document's output: its input bytes when unchanged.
	out       []byte
	rewritten bool
	// objects counts the Kubernetes objects in the document.
	objects int
	report
	// refs are the ServiceAccount references of the runner workloads.
	refs []workloadRef
	// accounts are the ServiceAccounts the document defines.
	accounts []saKey
	// deferred is set for documents that the second pass finishes. doc
	// and before are the parsed tree and a copy of it from before any filter
	// ran. The first pass keeps them only when a filter changed the tree.
	deferred bool
	doc      *document
	before   *yaml.Node
	changed  bool
}

// workloadRef is a runner workload's ServiceAccount reference, without the
// workload's tree.
type workloadRef struct {
	ref      objectRef
	account  saKey
	explicit bool
}

// objectRef names an object for messages after its tree is gone.
type objectRef struct{ document, object string }

func (r objectRef) problem(msg, fix string) Problem {
	return Problem{Document: r.document, Object: r.object, Message: msg, Fix: fix}
}

func (r objectRef) warning(msg string) Warning {
	return Warning{Document: r.document, Object: r.object, Message: msg}
}

func (o *object) ref() objectRef {
	return objectRef{document: o.doc.label(), object: o.describe()}
}

func newRun(r *Renderer) *run {
	opts := &r.opts
	return &run{r: r, workloadFilters: []func(*workload, *report) bool{
		pinImage(opts, r.matcher),
		injectRegion(opts),
		annotateRoleHash(opts),
	}}
}

// firstPass processes every segment, in parallel.
func (s *run) firstPass(segs []segment) {
	s.docs = make([]*docResult, len(segs))
	parallel(len(segs), func(i int) {
		s.docs[i] = s.processSegment(segs[i])
	})
	for _, d := range s.docs {
		s.runners += len(d.refs)
		s.objects += d.objects
	}
}

// parallel calls fn for every index below n, on as many goroutines as
// there are CPUs, and returns when all calls have returned.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// processSegment is the first pass for one document.
func (s *run) processSegment(seg segment) *docResult {
	res := &docResult{seg: seg, out: seg.data}
	opts := &s.r.opts
	if int64(len(seg.data)) > opts.MaxDocumentBytes {
		d := &document{seg: seg, source: findSource(seg.data)}
		res.problems = append(res.problems, d.fail(fmt.Sprintf("document is %d bytes, above the limit of %d bytes", len(seg.data), opts.MaxDocumentBytes),
			"Kubernetes cannot store an object this large; check the template"))
		return res
	}
	doc, err := parseDocument(seg, opts.Namespace)
	res.addError(err)
	res.objects = len(doc.objects)
	if doc.root == nil || err != nil {
		return res
	}
	for _, o := range doc.objects {
		if o.kind == "ServiceAccount" {
			res.accounts = append(res.accounts, saKey{o.namespace, o.name})
		}
		w := asWorkload(o)
		if w == nil || len(w.runnerContainers(s.r.matcher)) == 0 {
			continue
		}
		res.refs = append(res.refs, newWorkloadRef(w, &res.report))
		if res.before == nil {
			res.before = copyTree(doc.root)
		}
		if s.applyWorkloadFilters(w, &res.report) {
			res.changed = true
		}
	}
	if len(res.accounts) > 0 {
		res.deferred = true
		// A tree that no filter changed is parsed again in the second pass
		// rather than kept, because fewer live trees make each garbage
		// collection cheaper. On large streams that outweighs parsing twice.
		if res.changed || res.before != nil {
			res.doc = doc
		}
		return res
	}
	s.finish(res, doc)
	return res
}

func newWorkloadRef(w *workload, r *report) workloadRef {
	name, explicit, p := w.serviceAccount()
	if p != nil {
		r.problems = append(r.problems, *p)
	}
	return workloadRef{ref: w.obj.ref(), account: saKey{w.obj.namespace, name}, explicit: explicit && p == nil}
}

func (s *run) applyWorkloadFilters(w *workload, r *report) bool {
	changed := false
	for _, f := range s.workloadFilters {
		if f(w, r) {
			changed = true
		}
	}
	return changed
}

// finish writes a document's output bytes and validates it.
func (s *run) finish(res *docResult, doc *document) {
	if res.changed {
		text, err := patchDocument(res.seg.data, res.before, doc.root)
		if err != nil || encodeAlways {
			if doc.fast {
				// The encoder writes comments from the tree, and fastParse
				// leaves them out.
				doc = s.rewriteSlow(res, doc)
			}
			text, err = encodeDocument(res.seg.data, doc.root)
		}
		if err != nil {
			res.problems = append(res.problems, doc.fail("cannot encode the rewritten document: "+err.Error(), ""))
			return
		}
		res.out, res.rewritten = text, true
	}
	// A document with problems is not written, and its schema violations
	// would repeat them in other words.
	if len(res.problems) == 0 {
		s.validate(res, doc)
	}
	res.doc, res.before = nil, nil
}

// rewriteSlow parses a document again with yaml.v3, comments included, and
// makes the same changes to it, for encoding it anew. Findings were reported
// on the first parse, so they are dropped here.
func (s *run) rewriteSlow(res *docResult, fast *document) *document {
	doc, err := parseSlow(res.seg, s.r.opts.Namespace)
	if err != nil || doc.root == nil {
		return fast
	}
	var discard report
	for _, o := range doc.objects {
		if w := asWorkload(o); w != nil && len(w.runnerContainers(s.r.matcher)) > 0 {
			s.applyWorkloadFilters(w, &discard)
		}
		if o.kind == "ServiceAccount" && s.targets != nil && s.targets.matches(o.namespace, o.name) {
			s.annotate(o, &discard)
		}
	}
	return doc
}

// validate checks a document's top-level object with the Validator, which
// also walks the items of a List.
func (s *run) validate(res *docResult, d *document) {
	v := s.r.opts.Validator
	if v == nil || len(d.objects) == 0 {
		return
	}
	top := d.objects[0]
	value, err := toJSONValue(d.root)
	if err != nil {
		res.problems = append(res.problems, top.problem(err.Error(), ""))
		return
	}
	violations, warnings := v.Check(value)
	for _, viol := range violations {
		res.problems = append(res.problems, top.problem(pointerMessage(viol), ruleFixes[viol.Rule]))
	}
	for _, w := range warnings {
		res.warnings = append(res.warnings, top.warning(pointerMessage(w)))
	}
}

// ruleFixes maps a schema rule to the fix for its violations. The schema
// rules that the filters never break, such as a missing kind, come from the
// chart itself.
var ruleFixes = map[string]string{
	"role-arn-partition":      "pass a --role-arn in the cluster's partition, or check that --cluster names the right cluster",
	"role-arn-format":         "pass an IAM role ARN, arn:<partition>:iam::<account>:role/<name>, or fix serviceAccount.annotations in the chart values",
	"role-arn-resource":       "pass an IAM role ARN, arn:<partition>:iam::<account>:role/<name>",
	"env-region":              "remove the variable from the chart values, or pass --overwrite to set the cluster's region",
	"runner-image-pinned":     "pass --image-tag with a release such as v0.6.26, or a digest",
	"token-expiration-range":  "pass --token-expiration between 600 and 86400, or fix the annotation in the chart values",
	"token-expiration-format": "pass --token-expiration in whole seconds, or fix the annotation in the chart values",
	"document-name":           "fix the template that produced the document",
	"document-kind":           "fix the template that produced the document",
	"document-api-version":    "fix the template that produced the document",
}

func pointerMessage(v Violation) string {
	if v.Pointer == "" {
		return v.Message
	}
	return v.Pointer + ": " + v.Message
}

// secondPass decides which ServiceAccounts get the role, annotates them and
// finishes their documents, in parallel.
func (s *run) secondPass() {
	index := s.accountIndex()
	targets := s.serviceAccountTargets(index)
	annotate := annotateRole(&s.r.opts)
	s.targets, s.annotate = targets, annotate
	var withAccounts []*docResult
	for _, res := range s.docs {
		if res.deferred {
			withAccounts = append(withAccounts, res)
		}
	}
	parallel(len(withAccounts), func(i int) {
		res := withAccounts[i]
		if res.doc == nil {
			// The first pass parsed the same bytes without an error.
			doc, err := parseDocument(res.seg, s.r.opts.Namespace)
			if err != nil || doc.root == nil {
				res.addError(err)
				return
			}
			res.doc = doc
		}
		for _, o := range res.doc.objects {
			if o.kind != "ServiceAccount" {
				continue
			}
			if !targets.matches(o.namespace, o.name) {
				res.notes = append(res.notes, o.warning("left alone: no runner workload uses it"))
				continue
			}
			if res.before == nil {
				res.before = copyTree(res.doc.root)
			}
			if annotate(o, &res.report) {
				res.changed = true
			}
		}
		s.finish(res, res.doc)
	})
}

// saKey identifies a ServiceAccount; an empty namespace matches any.
type saKey struct{ namespace, name string }

// saSet is a set of ServiceAccounts looked up by name. An empty namespace
// on either side matches any, because Helm installs objects without one
// into the release namespace.
type saSet map[string][]string

func (set saSet) add(k saKey) {
	set[k.name] = append(set[k.name], k.namespace)
}

func (set saSet) matches(namespace, name string) bool {
	for _, ns := range set[name] {
		if sameNamespace(ns, namespace) {
			return true
		}
	}
	return false
}

func sameNamespace(a, b string) bool {
	return a == "" || b == "" || a == b
}

// accountIndex returns the ServiceAccounts that the stream defines.
func (s *run) accountIndex() saSet {
	index := saSet{}
	for _, res := range s.docs {
		for _, k := range res.accounts {
			index.add(k)
		}
	}
	return index
}

// serviceAccountTargets decides which ServiceAccounts get the role: those
// named by --service-account, or else those the runner workloads use. A
// target missing from the stream is a problem, since the role annotation
// would silently not happen.
func (s *run) serviceAccountTargets(index saSet) saSet {
	targets := saSet{}
	opts := &s.r.opts
	if len(opts.ServiceAccounts) > 0 {
		for _, ref := range opts.ServiceAccounts {
			ns, name, found := strings.Cut(ref, "/")
			if !found {
				ns, name = "", ref
			}
			targets.add(saKey{ns, name})
			if !index.matches(ns, name) {
				s.problems = append(s.problems, Problem{Document: "input", Message: fmt.Sprintf("--service-account %s names a ServiceAccount that is not in the stream", ref),
					Fix: "check the name, or render the chart with serviceAccount.create=true"})
			}
		}
		return targets
	}
	for _, res := range s.docs {
		for _, w := range res.refs {
			s.addTarget(targets, index, w)
		}
	}
	return targets
}

func (s *run) addTarget(targets, index saSet, w workloadRef) {
	opts := &s.r.opts
	if w.account.name == "" {
		return
	}
	if !w.explicit && !opts.AllowDefaultServiceAccount {
		s.problems = append(s.problems, w.ref.problem("the pods run as the namespace's default ServiceAccount, which would give the role to every pod that uses it",
			"set serviceAccountName through the chart (serviceAccount.create and serviceAccount.name), or pass --allow-default-service-account"))
		return
	}
	targets.add(w.account)
	if index.matches(w.account.namespace, w.account.name) {
		return
	}
	name := w.account.name
	annotateCmd := fmt.Sprintf("kubectl annotate serviceaccount %s%s %s=%s", name, namespaceFlag(w.account.namespace), AnnotationRoleARN, opts.RoleARN)
	if !w.explicit || opts.AllowMissingServiceAccount {
		s.warnings = append(s.warnings, w.ref.warning(fmt.Sprintf("ServiceAccount %s is not in the stream; make sure it carries the role: %s", name, annotateCmd)))
		return
	}
	s.problems = append(s.problems, w.ref.problem(
		fmt.Sprintf("the pods run as ServiceAccount %s, which is not in the stream, so it cannot get the role annotation: the chart was rendered with serviceAccount.create=false, or the ServiceAccount is a Helm hook, which Helm 3 does not pass to post-renderers", name),
		fmt.Sprintf("render it with serviceAccount.create=true, or annotate the existing one yourself (%s) and pass --allow-missing-service-account", annotateCmd)))
}

func namespaceFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}

func (s *run) problemCount() int {
	n := len(s.problems)
	for _, d := range s.docs {
		n += len(d.problems)
	}
	return n
}

// allProblems lists the problems in stream order, then those of the stream
// as a whole.
func (s *run) allProblems() Problems {
	var all Problems
	for _, d := range s.docs {
		all = append(all, d.problems...)
	}
	return append(all, s.problems...)
}

func (s *run) result() *Result {
	res := &Result{Documents: len(s.docs)}
	for _, d := range s.docs {
		if d.rewritten {
			res.Rewritten++
		}
		res.Warnings = append(res.Warnings, d.warnings...)
		res.Notes = append(res.Notes, d.notes...)
	}
	res.Warnings = append(res.Warnings, s.warnings...)
	res.Notes = append(res.Notes, s.notes...)
	return res
}

// writeTo writes the documents' output bytes in stream order.
func (s *run) writeTo(w io.Writer) error {
	for i, d := range s.docs {
		if _, err := w.Write(d.out); err != nil {
			return err
		}
		if len(d.out) > 0 && d.out[len(d.out)-1] != '\n' && i != len(s.docs)-1 {
			if _, err := w.Write([]byte{'\n'}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *docResult) addError(err error) {
	var ps Problems
	var p Problem
	switch {
	case err == nil:
	case errors.As(err, &ps):
		r.problems = append(r.problems, ps...)
	case errors.As(err, &p):
		r.problems = append(r.problems, p)
	default:
		r.problems = append(r.problems, Problem{Document: "document " + fmt.Sprint(r.seg.index), Message: err.Error()})
	}
}
