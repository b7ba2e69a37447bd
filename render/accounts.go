package render

import (
	"fmt"
	"sort"

	"github.com/firefly-oss/irsa-render/internal/imageref"
)

// ServiceAccountRef names a ServiceAccount.
type ServiceAccountRef struct {
	Namespace string
	Name      string
}

func (r ServiceAccountRef) String() string {
	return r.Namespace + "/" + r.Name
}

// RunnerServiceAccounts returns the ServiceAccounts that the runner
// workloads of a rendered stream run as, sorted, without duplicates. Objects
// without a namespace take namespace; when that is empty too, the result
// would be a guess, so it is an error.
func RunnerServiceAccounts(in []byte, repository, namespace string) ([]ServiceAccountRef, error) {
	seen := map[ServiceAccountRef]bool{}
	problems := eachRunnerWorkload(in, repository, namespace, func(w *workload, r *report) {
		name, _, p := w.serviceAccount()
		switch {
		case p != nil:
			r.problems = append(r.problems, *p)
		case w.obj.namespace == "":
			r.problems = append(r.problems, w.obj.problem("has no namespace, so the ServiceAccount's subject is unknown", "pass --namespace with the release namespace"))
		default:
			seen[ServiceAccountRef{Namespace: w.obj.namespace, Name: name}] = true
		}
	})
	if len(problems) > 0 {
		return nil, problems
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("the stream has no runner workload (no pod template runs a %s image)", describeMatcher(repository))
	}
	refs := make([]ServiceAccountRef, 0, len(seen))
	for ref := range seen {
		refs = append(refs, ref)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	return refs, nil
}

func describeMatcher(repository string) string {
	if repository == "" {
		return DefaultRunnerImageName
	}
	return repository
}

// RunnerImages returns the "repository:tag" references that the runner
// images of a stream are pinned to with opts, sorted and without
// duplicates: the references whose digests Options.ImageDigests must hold.
// Images already pinned to a digest are left out.
func RunnerImages(in []byte, opts Options) ([]string, error) {
	matcher := newImageMatcher(opts.ImageRepository)
	seen := map[string]bool{}
	problems := eachRunnerWorkload(in, opts.ImageRepository, opts.Namespace, func(w *workload, r *report) {
		for _, c := range w.runnerContainers(matcher) {
			ref, err := imageref.Parse(scalarField(c.node.YNode(), "image"))
			if err != nil {
				continue
			}
			next, ok := pinTarget(w, c, ref, &opts, r)
			if ok && next.Digest == "" {
				seen[next.Repository+":"+next.Tag] = true
			}
		}
	})
	if len(problems) > 0 {
		return nil, problems
	}
	images := make([]string, 0, len(seen))
	for image := range seen {
		images = append(images, image)
	}
	sort.Strings(images)
	return images, nil
}

// eachRunnerWorkload parses a stream and calls fn for every runner
// workload, without rewriting anything. It returns the parse problems and
// those fn reports.
func eachRunnerWorkload(in []byte, repository, namespace string, fn func(*workload, *report)) Problems {
	matcher := newImageMatcher(repository)
	var r report
	for _, seg := range splitStream(in) {
		doc, err := parseDocument(seg, namespace)
		if err != nil {
			res := &docResult{seg: seg}
			res.addError(err)
			r.problems = append(r.problems, res.problems...)
			continue
		}
		for _, o := range doc.objects {
			if w := asWorkload(o); w != nil && len(w.runnerContainers(matcher)) > 0 {
				fn(w, &r)
			}
		}
	}
	return r.problems
}
