package awsfake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// callInfo describes one incoming call, for counting, faults and messages.
type callInfo struct {
	op        string
	action    string // IAM action name, such as eks:DescribeCluster
	resource  string // ARN named in an access denied message
	region    string
	partition string
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /clusters", s.handleListClusters)
	mux.HandleFunc("GET /clusters/{name}", s.handleDescribeCluster)
	mux.HandleFunc("GET /clusters/{name}/pod-identity-associations", s.handleListPodIdentityAssociations)
	mux.HandleFunc("GET /clusters/{name}/pod-identity-associations/{id}", s.handleDescribePodIdentityAssociation)
	mux.HandleFunc("POST /{$}", s.handleQuery)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		jsonProtocol{}.writeError(w, http.StatusNotFound, "UnknownOperationException",
			"awsfake serves no operation at "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// begin counts the call, waits for the configured delay and serves a fault
// when one is set. It reports whether the handler should write its normal
// response. When the request ends or the server closes during the delay,
// it aborts the connection instead of returning.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, call callInfo, out faultWriter, codes errorCodes) bool {
	fault, delay := s.beginCall(call.op)
	if !s.wait(r, delay) {
		abortConnection()
	}
	if fault != nil {
		s.serveFault(w, r, *fault, call, out, codes)
		return false
	}
	return true
}

// signingRegion returns the region of the SigV4 credential scope in the
// Authorization header, Credential=<key>/<date>/<region>/<service>/aws4_request,
// or us-east-1 when the request is not signed.
func signingRegion(r *http.Request) string {
	region, _ := credentialScope(r)
	if region == "" {
		return "us-east-1"
	}
	return region
}

// signingService returns the service of the SigV4 credential scope, or ""
// when the request is not signed.
func signingService(r *http.Request) string {
	_, service := credentialScope(r)
	return service
}

func credentialScope(r *http.Request) (region, service string) {
	auth := r.Header.Get("Authorization")
	_, after, found := strings.Cut(auth, "Credential=")
	if !found {
		return "", ""
	}
	credential, _, _ := strings.Cut(after, ",")
	parts := strings.Split(strings.TrimSpace(credential), "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[2], parts[3]
}

// partitionOf returns the AWS partition that region belongs to.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// dnsSuffix returns the DNS suffix of partition's service endpoints.
func dnsSuffix(partition string) string {
	if partition == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

func newRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "00000000-0000-0000-0000-000000000000"
	}
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// pageBounds applies the maxResults and nextToken query parameters to a
// list of n items; nextToken is the index of the first item of the page.
func pageBounds(r *http.Request, n int) (start, end int, next string, ok bool) {
	if token := r.URL.Query().Get("nextToken"); token != "" {
		var err error
		start, err = strconv.Atoi(token)
		if err != nil || start < 0 || start > n {
			return 0, 0, "", false
		}
	}
	end = n
	if maxText := r.URL.Query().Get("maxResults"); maxText != "" {
		limit, err := strconv.Atoi(maxText)
		if err != nil || limit < 1 || limit > 100 {
			return 0, 0, "", false
		}
		end = min(start+limit, n)
	}
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next, true
}
