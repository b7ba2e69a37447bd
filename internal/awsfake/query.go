package awsfake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

const (
	iamXMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsXMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// queryProtocol writes responses in the AWS query protocol (XML) of IAM or STS.
type queryProtocol struct {
	xmlns  string
	action string
}

func (q queryProtocol) writeError(w http.ResponseWriter, status int, code, message string) {
	errorType := "Sender"
	if status >= 500 {
		errorType = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		q.xmlns, errorType, escapeXML(code), escapeXML(message), newRequestID())
}

func (q queryProtocol) writeMalformed(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult><Trunc`, q.action, q.xmlns, q.action)
}

// writeResult wraps result, an XML element named <Action>Result, in the
// <Action>Response envelope with its ResponseMetadata.
func (q queryProtocol) writeResult(w http.ResponseWriter, result any) {
	inner, err := xml.Marshal(result)
	if err != nil {
		q.writeError(w, http.StatusInternalServerError, "InternalFailure", "awsfake: encode result: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	requestID := newRequestID()
	w.Header().Set("X-Amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		q.action, q.xmlns, inner, requestID, q.action)
}

func escapeXML(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

type arnMember struct {
	Arn string `xml:"Arn"`
}

type listOIDCProvidersResult struct {
	XMLName   xml.Name    `xml:"ListOpenIDConnectProvidersResult"`
	Providers []arnMember `xml:"OpenIDConnectProviderList>member"`
}

type getOIDCProviderResult struct {
	XMLName     xml.Name `xml:"GetOpenIDConnectProviderResult"`
	ClientIDs   []string `xml:"ClientIDList>member"`
	Thumbprints []string `xml:"ThumbprintList>member"`
	CreateDate  string   `xml:"CreateDate"`
	URL         string   `xml:"Url"`
}

type getRoleResult struct {
	XMLName xml.Name `xml:"GetRoleResult"`
	Role    iamRole  `xml:"Role"`
}

type iamRole struct {
	Path                     string `xml:"Path"`
	RoleName                 string `xml:"RoleName"`
	RoleID                   string `xml:"RoleId"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int32  `xml:"MaxSessionDuration"`
}

type getCallerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

const fakeCreateDate = "2024-05-01T12:00:00Z"

// handleQuery serves IAM and STS, which share POST / on this fake. The
// service comes from the SigV4 credential scope, or from the action when
// the request is not signed.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		queryProtocol{xmlns: iamXMLNS}.writeError(w, http.StatusBadRequest, "MalformedQueryString", "awsfake: parse form: "+err.Error())
		return
	}
	action := r.PostForm.Get("Action")
	service := signingService(r)
	if service == "" {
		service = "iam"
		if action == OpGetCallerIdentity {
			service = "sts"
		}
	}

	switch {
	case service == "sts" && action == OpGetCallerIdentity:
		s.handleGetCallerIdentity(w, r)
	case service == "iam" && action == OpListOpenIDConnectProviders:
		s.handleListOIDCProviders(w, r)
	case service == "iam" && action == OpGetOpenIDConnectProvider:
		s.handleGetOIDCProvider(w, r)
	case service == "iam" && action == OpGetRole:
		s.handleGetRole(w, r)
	default:
		xmlns := iamXMLNS
		if service == "sts" {
			xmlns = stsXMLNS
		}
		queryProtocol{xmlns: xmlns}.writeError(w, http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("awsfake serves no action %q for service %q", action, service))
	}
}

// iamCall describes an IAM call in the partition of the signing region.
func (s *Server) iamCall(r *http.Request, op, resource string) (callInfo, queryProtocol) {
	region := signingRegion(r)
	call := callInfo{op: op, action: "iam:" + op, resource: resource, region: region, partition: partitionOf(region)}
	return call, queryProtocol{xmlns: iamXMLNS, action: op}
}

func (s *Server) oidcProviderARN(p OIDCProvider, partition string) string {
	account := valueOr(p.Account, s.opts.CallerAccount)
	return "arn:" + partition + ":iam::" + account + ":oidc-provider/" + strings.TrimPrefix(p.URL, "https://")
}

func (s *Server) handleListOIDCProviders(w http.ResponseWriter, r *http.Request) {
	partition := partitionOf(signingRegion(r))
	resource := "arn:" + partition + ":iam::" + s.opts.CallerAccount + ":oidc-provider/*"
	call, out := s.iamCall(r, OpListOpenIDConnectProviders, resource)
	if !s.begin(w, r, call, out, iamCodes) {
		return
	}
	result := listOIDCProvidersResult{}
	for _, p := range s.opts.OIDCProviders {
		result.Providers = append(result.Providers, arnMember{Arn: s.oidcProviderARN(p, call.partition)})
	}
	out.writeResult(w, result)
}

func (s *Server) handleGetOIDCProvider(w http.ResponseWriter, r *http.Request) {
	arn := r.PostForm.Get("OpenIDConnectProviderArn")
	call, out := s.iamCall(r, OpGetOpenIDConnectProvider, arn)
	if !s.begin(w, r, call, out, iamCodes) {
		return
	}
	for _, p := range s.opts.OIDCProviders {
		if s.oidcProviderARN(p, call.partition) != arn {
			continue
		}
		out.writeResult(w, getOIDCProviderResult{
			ClientIDs:   p.ClientIDs,
			Thumbprints: p.Thumbprints,
			CreateDate:  fakeCreateDate,
			URL:         strings.TrimPrefix(p.URL, "https://"),
		})
		return
	}
	out.writeError(w, http.StatusNotFound, "NoSuchEntity", "OpenIDConnect Provider not found for arn "+arn)
}

func (s *Server) handleGetRole(w http.ResponseWriter, r *http.Request) {
	name := r.PostForm.Get("RoleName")
	partition := partitionOf(signingRegion(r))
	call, out := s.iamCall(r, OpGetRole, "arn:"+partition+":iam::"+s.opts.CallerAccount+":role/"+name)
	if !s.begin(w, r, call, out, iamCodes) {
		return
	}
	for _, role := range s.opts.Roles {
		if role.Name != name {
			continue
		}
		out.writeResult(w, getRoleResult{Role: s.iamRole(role, partition)})
		return
	}
	out.writeError(w, http.StatusNotFound, "NoSuchEntity", "The role with name "+name+" cannot be found.")
}

func (s *Server) iamRole(role Role, partition string) iamRole {
	path := valueOr(role.Path, "/")
	maxSession := role.MaxSessionDuration
	if maxSession == 0 {
		maxSession = 3600
	}
	account := valueOr(role.Account, s.opts.CallerAccount)
	return iamRole{
		Path:                     path,
		RoleName:                 role.Name,
		RoleID:                   fakeID("AROA", role.Name),
		Arn:                      "arn:" + partition + ":iam::" + account + ":role" + path + role.Name,
		CreateDate:               fakeCreateDate,
		AssumeRolePolicyDocument: encodePolicy(role.TrustPolicy),
		MaxSessionDuration:       maxSession,
	}
}

// encodePolicy percent-encodes a policy document as IAM returns it, with
// spaces as %20 rather than +.
func encodePolicy(document string) string {
	return strings.ReplaceAll(url.QueryEscape(document), "+", "%20")
}

func (s *Server) handleGetCallerIdentity(w http.ResponseWriter, r *http.Request) {
	region := signingRegion(r)
	call := callInfo{
		op:        OpGetCallerIdentity,
		action:    "sts:GetCallerIdentity",
		resource:  "*",
		region:    region,
		partition: partitionOf(region),
	}
	out := queryProtocol{xmlns: stsXMLNS, action: OpGetCallerIdentity}
	if !s.begin(w, r, call, out, stsCodes) {
		return
	}
	out.writeResult(w, getCallerIdentityResult{
		Arn:     s.callerARN(call.partition),
		UserID:  fakeID("AIDA", s.opts.CallerName),
		Account: s.opts.CallerAccount,
	})
}

// fakeID returns an IAM unique ID such as AROA0123456789ABCDEF, stable for
// one name.
func fakeID(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + strings.ToUpper(hex.EncodeToString(sum[:8]))
}
