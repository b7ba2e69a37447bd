package awsfake

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// jsonProtocol writes responses in the REST-JSON protocol of the EKS API.
type jsonProtocol struct{}

func (jsonProtocol) writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": message})
}

func (jsonProtocol) writeMalformed(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(`{"cluster":{"name":"trunc`))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(v)
}

// The wire shapes below follow the EKS API model: member names in
// lowerCamelCase and timestamps as epoch seconds.

type eksCluster struct {
	Name                 string             `json:"name"`
	Arn                  string             `json:"arn"`
	CreatedAt            float64            `json:"createdAt"`
	Version              string             `json:"version"`
	Endpoint             string             `json:"endpoint"`
	RoleArn              string             `json:"roleArn"`
	Identity             *eksIdentity       `json:"identity,omitempty"`
	Status               string             `json:"status"`
	CertificateAuthority eksCertificate     `json:"certificateAuthority"`
	PlatformVersion      string             `json:"platformVersion"`
	Tags                 map[string]string  `json:"tags"`
	AccessConfig         eksAccessConfig    `json:"accessConfig"`
	UpgradePolicy        eksUpgradePolicy   `json:"upgradePolicy"`
	ResourcesVpcConfig   eksResourcesConfig `json:"resourcesVpcConfig"`
}

type eksIdentity struct {
	OIDC eksOIDC `json:"oidc"`
}

type eksOIDC struct {
	Issuer string `json:"issuer"`
}

type eksCertificate struct {
	Data string `json:"data"`
}

type eksAccessConfig struct {
	AuthenticationMode string `json:"authenticationMode"`
}

type eksUpgradePolicy struct {
	SupportType string `json:"supportType"`
}

type eksResourcesConfig struct {
	EndpointPublicAccess  bool `json:"endpointPublicAccess"`
	EndpointPrivateAccess bool `json:"endpointPrivateAccess"`
}

type eksPodIdentityAssociation struct {
	ClusterName    string `json:"clusterName"`
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	AssociationArn string `json:"associationArn"`
	AssociationID  string `json:"associationId"`
}

func (s *Server) findCluster(name, region string) (Cluster, bool) {
	for _, c := range s.opts.Clusters {
		if c.Name == name && c.Region == region {
			return c, true
		}
	}
	return Cluster{}, false
}

func (s *Server) clusterAccount(c Cluster) string {
	if c.Account != "" {
		return c.Account
	}
	return s.opts.CallerAccount
}

func clusterPartition(c Cluster) string {
	if c.Partition != "" {
		return c.Partition
	}
	return partitionOf(c.Region)
}

func (s *Server) clusterARN(c Cluster) string {
	return "arn:" + clusterPartition(c) + ":eks:" + c.Region + ":" + s.clusterAccount(c) + ":cluster/" + c.Name
}

// eksCall describes a call whose resource is the cluster name in the path.
// The ARN of a cluster missing from Options uses the caller's account.
func (s *Server) eksCall(r *http.Request, op string) callInfo {
	region := signingRegion(r)
	name := r.PathValue("name")
	c, found := s.findCluster(name, region)
	if !found {
		c = Cluster{Name: name, Region: region}
	}
	return callInfo{
		op:        op,
		action:    "eks:" + op,
		resource:  s.clusterARN(c),
		region:    region,
		partition: clusterPartition(c),
	}
}

func (s *Server) handleDescribeCluster(w http.ResponseWriter, r *http.Request) {
	call := s.eksCall(r, OpDescribeCluster)
	if !s.begin(w, r, call, jsonProtocol{}, eksCodes) {
		return
	}
	c, found := s.findCluster(r.PathValue("name"), call.region)
	if !found {
		jsonProtocol{}.writeError(w, http.StatusNotFound, "ResourceNotFoundException",
			"No cluster found for name: "+r.PathValue("name")+".")
		return
	}
	writeJSON(w, map[string]eksCluster{"cluster": s.describe(c)})
}

func (s *Server) describe(c Cluster) eksCluster {
	partition := clusterPartition(c)
	out := eksCluster{
		Name:                 c.Name,
		Arn:                  s.clusterARN(c),
		CreatedAt:            float64(clusterCreatedAt(c).UnixMilli()) / 1000,
		Version:              valueOr(c.Version, "1.33"),
		Endpoint:             valueOr(c.Endpoint, defaultClusterEndpoint(c, partition)),
		RoleArn:              "arn:" + partition + ":iam::" + s.clusterAccount(c) + ":role/eks-cluster-role",
		Status:               valueOr(c.Status, "ACTIVE"),
		CertificateAuthority: eksCertificate{Data: base64.StdEncoding.EncodeToString([]byte("awsfake certificate authority"))},
		PlatformVersion:      valueOr(c.PlatformVersion, "eks.9"),
		Tags:                 map[string]string{},
		AccessConfig:         eksAccessConfig{AuthenticationMode: "API_AND_CONFIG_MAP"},
		UpgradePolicy:        eksUpgradePolicy{SupportType: "STANDARD"},
		ResourcesVpcConfig:   eksResourcesConfig{EndpointPublicAccess: true},
	}
	if c.Issuer != "" {
		out.Identity = &eksIdentity{OIDC: eksOIDC{Issuer: c.Issuer}}
	}
	return out
}

func clusterCreatedAt(c Cluster) time.Time {
	if c.CreatedAt.IsZero() {
		return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	}
	return c.CreatedAt
}

// defaultClusterEndpoint returns an API server URL of the form EKS uses,
// https://<32 hex digits>.gr7.<region>.eks.<dns suffix>.
func defaultClusterEndpoint(c Cluster, partition string) string {
	sum := sha256.Sum256([]byte(c.Region + "/" + c.Name))
	id := strings.ToUpper(hex.EncodeToString(sum[:16]))
	return "https://" + id + ".gr7." + c.Region + ".eks." + dnsSuffix(partition)
}

func valueOr(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

func (s *Server) handleListClusters(w http.ResponseWriter, r *http.Request) {
	region := signingRegion(r)
	partition := partitionOf(region)
	call := callInfo{
		op:        OpListClusters,
		action:    "eks:ListClusters",
		resource:  "arn:" + partition + ":eks:" + region + ":" + s.opts.CallerAccount + ":cluster/*",
		region:    region,
		partition: partition,
	}
	if !s.begin(w, r, call, jsonProtocol{}, eksCodes) {
		return
	}

	var names []string
	for _, c := range s.opts.Clusters {
		if c.Region == region {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)

	start, end, next, ok := pageBounds(r, len(names))
	if !ok {
		jsonProtocol{}.writeError(w, http.StatusBadRequest, "InvalidParameterException", "invalid maxResults or nextToken")
		return
	}
	body := map[string]any{"clusters": append([]string{}, names[start:end]...)}
	if next != "" {
		body["nextToken"] = next
	}
	writeJSON(w, body)
}

func (s *Server) handleListPodIdentityAssociations(w http.ResponseWriter, r *http.Request) {
	call := s.eksCall(r, OpListPodIdentityAssociations)
	if !s.begin(w, r, call, jsonProtocol{}, eksCodes) {
		return
	}
	c, found := s.findCluster(r.PathValue("name"), call.region)
	if !found {
		jsonProtocol{}.writeError(w, http.StatusNotFound, "ResourceNotFoundException",
			"No cluster found for name: "+r.PathValue("name")+".")
		return
	}

	matches := s.podIdentityAssociations(c, r.URL.Query().Get("namespace"), r.URL.Query().Get("serviceAccount"))
	start, end, next, ok := pageBounds(r, len(matches))
	if !ok {
		jsonProtocol{}.writeError(w, http.StatusBadRequest, "InvalidParameterException", "invalid maxResults or nextToken")
		return
	}
	body := map[string]any{"associations": matches[start:end]}
	if next != "" {
		body["nextToken"] = next
	}
	writeJSON(w, body)
}

// podIdentityAssociations returns the associations of cluster c that match
// the namespace and service account filters; an empty filter matches all.
func (s *Server) podIdentityAssociations(c Cluster, namespace, serviceAccount string) []eksPodIdentityAssociation {
	matches := []eksPodIdentityAssociation{}
	for i, a := range s.opts.PodIdentityAssociations {
		if a.Cluster != c.Name || a.Region != c.Region {
			continue
		}
		if namespace != "" && a.Namespace != namespace {
			continue
		}
		if serviceAccount != "" && a.ServiceAccount != serviceAccount {
			continue
		}
		id := valueOr(a.ID, fmt.Sprintf("a-%017d", i+1))
		matches = append(matches, eksPodIdentityAssociation{
			ClusterName:    c.Name,
			Namespace:      a.Namespace,
			ServiceAccount: a.ServiceAccount,
			AssociationID:  id,
			AssociationArn: "arn:" + clusterPartition(c) + ":eks:" + c.Region + ":" + s.clusterAccount(c) +
				":podidentityassociation/" + c.Name + "/" + id,
		})
	}
	return matches
}
