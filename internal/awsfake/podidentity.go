package awsfake

import (
	"fmt"
	"net/http"
	"time"
)

// OpDescribePodIdentityAssociation names the EKS operation that returns one
// Pod Identity association with its role, for Calls and SetFault.
const OpDescribePodIdentityAssociation = "DescribePodIdentityAssociation"

// eksPodIdentityAssociationDetail is the association object of
// DescribePodIdentityAssociation, in the EKS API model's member names.
type eksPodIdentityAssociationDetail struct {
	ClusterName    string            `json:"clusterName"`
	Namespace      string            `json:"namespace"`
	ServiceAccount string            `json:"serviceAccount"`
	RoleArn        string            `json:"roleArn"`
	AssociationArn string            `json:"associationArn"`
	AssociationID  string            `json:"associationId"`
	Tags           map[string]string `json:"tags"`
	CreatedAt      float64           `json:"createdAt"`
	ModifiedAt     float64           `json:"modifiedAt"`
}

// handleDescribePodIdentityAssociation serves
// GET /clusters/{name}/pod-identity-associations/{id}. Association IDs are
// those ListPodIdentityAssociations returns.
func (s *Server) handleDescribePodIdentityAssociation(w http.ResponseWriter, r *http.Request) {
	call := s.eksCall(r, OpDescribePodIdentityAssociation)
	if !s.begin(w, r, call, jsonProtocol{}, eksCodes) {
		return
	}
	c, found := s.findCluster(r.PathValue("name"), call.region)
	if !found {
		jsonProtocol{}.writeError(w, http.StatusNotFound, "ResourceNotFoundException",
			"No cluster found for name: "+r.PathValue("name")+".")
		return
	}
	id := r.PathValue("id")
	for i, a := range s.opts.PodIdentityAssociations {
		if a.Cluster != c.Name || a.Region != c.Region || associationID(i, a) != id {
			continue
		}
		created := float64(clusterCreatedAt(c).Add(time.Hour).Unix())
		writeJSON(w, map[string]eksPodIdentityAssociationDetail{"association": {
			ClusterName:    c.Name,
			Namespace:      a.Namespace,
			ServiceAccount: a.ServiceAccount,
			RoleArn:        a.RoleARN,
			AssociationID:  id,
			AssociationArn: "arn:" + clusterPartition(c) + ":eks:" + c.Region + ":" + s.clusterAccount(c) +
				":podidentityassociation/" + c.Name + "/" + id,
			Tags:       map[string]string{},
			CreatedAt:  created,
			ModifiedAt: created,
		}})
		return
	}
	jsonProtocol{}.writeError(w, http.StatusNotFound, "ResourceNotFoundException",
		"No Pod Identity Association found for id: "+id+".")
}

// associationID returns the ID of the i-th association of Options, as
// ListPodIdentityAssociations writes it.
func associationID(i int, a PodIdentityAssociation) string {
	return valueOr(a.ID, fmt.Sprintf("a-%017d", i+1))
}
