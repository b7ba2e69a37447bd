// Package facts looks up an EKS cluster's details in AWS, caches them and
// reads them offline from a file.
//
// Facts are the single source for every value the post-renderer does not take
// from the user: the region, the partition, the account and the OIDC issuer.
package facts

import "time"

// Facts describes one EKS cluster as seen by one AWS caller.
type Facts struct {
	// Cluster is the EKS cluster name.
	Cluster string `json:"cluster"`
	// ARN is the cluster ARN, arn:<partition>:eks:<region>:<account>:cluster/<name>.
	ARN string `json:"arn"`
	// Partition is aws, aws-cn or aws-us-gov.
	Partition string `json:"partition"`
	// Account is the 12-digit account that owns the cluster.
	Account string `json:"account"`
	Region  string `json:"region"`
	// KubernetesVersion is the control plane version, such as "1.33".
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// PlatformVersion is the EKS platform version, such as "eks.9".
	PlatformVersion string `json:"platformVersion,omitempty"`
	// Status is the EKS cluster status: ACTIVE, CREATING, UPDATING, ...
	Status string `json:"status,omitempty"`
	// OIDCIssuer is the cluster's OIDC issuer URL, https://oidc.eks.<region>.amazonaws.com/id/<id>.
	OIDCIssuer string `json:"oidcIssuer,omitempty"`
	// OIDCProviderARN is the IAM OIDC provider ARN derived from the issuer:
	// arn:<partition>:iam::<account>:oidc-provider/<issuer without https://>.
	OIDCProviderARN string `json:"oidcProviderArn,omitempty"`
	// OIDCProviderExists reports whether IAM lists that provider; nil means
	// it was not looked up (an offline describe-cluster file, say).
	OIDCProviderExists *bool `json:"oidcProviderExists,omitempty"`
	// OIDCProviderHasSTSAudience reports whether the provider lists the
	// client ID sts.amazonaws.com; nil means unknown, or that the provider
	// does not exist.
	OIDCProviderHasSTSAudience *bool `json:"oidcProviderHasStsAudience,omitempty"`
	// CallerAccount is the account of the credentials that looked the facts up.
	CallerAccount string `json:"callerAccount,omitempty"`
	// LookedUpAt is when AWS was asked.
	LookedUpAt time.Time `json:"lookedUpAt"`
	// Source names where these facts came from: "eks", "cache", "stale-cache" or "file".
	Source string `json:"source,omitempty"`
}
