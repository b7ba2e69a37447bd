package render

import (
	"fmt"
	"sort"
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
	s := &runState{r: &Renderer{opts: Options{Namespace: namespace, MaxDocumentBytes: DefaultMaxDocumentBytes}, matcher: newImageMatcher(repository)}, result: &Result{}}
	s.parse(splitStream(in))
	if len(s.problems) > 0 {
		return nil, s.problems
	}
	seen := map[ServiceAccountRef]bool{}
	for _, w := range s.runnerWorkloads() {
		name, _, p := w.serviceAccount()
		if p != nil {
			s.problems = append(s.problems, *p)
			continue
		}
		if w.obj.namespace == "" {
			s.problems = append(s.problems, w.obj.problem("has no namespace, so the ServiceAccount's subject is unknown", "pass --namespace with the release namespace"))
			continue
		}
		seen[ServiceAccountRef{Namespace: w.obj.namespace, Name: name}] = true
	}
	if len(s.problems) > 0 {
		return nil, s.problems
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
