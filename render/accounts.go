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
	r := &Renderer{opts: Options{Namespace: namespace, MaxDocumentBytes: DefaultMaxDocumentBytes}, matcher: newImageMatcher(repository)}
	var problems Problems
	seen := map[ServiceAccountRef]bool{}
	for _, seg := range splitStream(in) {
		doc, err := parseDocument(seg, namespace)
		if err != nil {
			res := &docResult{seg: seg}
			res.addError(err)
			problems = append(problems, res.problems...)
			continue
		}
		for _, o := range doc.objects {
			w := asWorkload(o)
			if w == nil || len(w.runnerContainers(r.matcher)) == 0 {
				continue
			}
			name, _, p := w.serviceAccount()
			switch {
			case p != nil:
				problems = append(problems, *p)
			case o.namespace == "":
				problems = append(problems, o.problem("has no namespace, so the ServiceAccount's subject is unknown", "pass --namespace with the release namespace"))
			default:
				seen[ServiceAccountRef{Namespace: o.namespace, Name: name}] = true
			}
		}
	}
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
	var problems Problems
	seen := map[string]bool{}
	for _, seg := range splitStream(in) {
		doc, err := parseDocument(seg, opts.Namespace)
		if err != nil {
			res := &docResult{seg: seg}
			res.addError(err)
			problems = append(problems, res.problems...)
			continue
		}
		for _, o := range doc.objects {
			w := asWorkload(o)
			if w == nil {
				continue
			}
			for _, c := range w.runnerContainers(matcher) {
				ref, err := imageref.Parse(scalarField(c.node.YNode(), "image"))
				if err != nil {
					continue
				}
				var r report
				next, ok := pinTarget(w, c, ref, &opts, &r)
				problems = append(problems, r.problems...)
				if ok && next.Digest == "" {
					seen[next.Repository+":"+next.Tag] = true
				}
			}
		}
	}
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
