package facts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// stsAudience is the client ID that IRSA tokens carry as their audience.
const stsAudience = "sts.amazonaws.com"

// maxClusterPages bounds the ListClusters pages read for a not-found
// message; at 100 names a page that is 1,000 clusters.
const maxClusterPages = 10

// fetcher looks up the facts of one cluster in AWS.
type fetcher struct {
	clients *Clients
	target  Target
	timeout time.Duration
	warn    func(string)
}

// fetch calls DescribeCluster, GetCallerIdentity and the IAM OIDC provider
// operations, in that order, and returns complete facts.
func (f *fetcher) fetch(ctx context.Context) (*Facts, error) {
	cluster, err := f.describeCluster(ctx)
	if err != nil {
		return nil, err
	}
	facts, err := factsFromCluster(cluster)
	if err != nil {
		return nil, &MalformedResponseError{Action: "eks:DescribeCluster", Err: err}
	}
	if facts.Region != f.target.Region {
		return nil, fmt.Errorf("eks:DescribeCluster for %q in %s returned a cluster in %s (%s); check AWS_ENDPOINT_URL_EKS",
			f.target.Cluster, f.target.Region, facts.Region, facts.ARN)
	}
	if err := checkUsable(facts, f.warn); err != nil {
		return nil, err
	}

	facts.CallerAccount, err = f.callerAccount(ctx)
	if err != nil {
		return nil, err
	}
	if err := f.checkOIDCProvider(ctx, facts); err != nil {
		return nil, err
	}

	facts.LookedUpAt = time.Now().UTC().Truncate(time.Second)
	facts.Source = SourceEKS
	return facts, nil
}

func (f *fetcher) clusterResource() string {
	return fmt.Sprintf("cluster %q in %s", f.target.Cluster, f.target.Region)
}

func (f *fetcher) describeCluster(ctx context.Context) (*ekstypes.Cluster, error) {
	const action = "eks:DescribeCluster"
	out, err := f.clients.EKS.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(f.target.Cluster)})
	if err != nil {
		var notFound *ekstypes.ResourceNotFoundException
		if errors.As(err, &notFound) {
			return nil, f.clusterNotFound(ctx, err)
		}
		return nil, classify(action, f.clusterResource(), f.timeout, err)
	}
	if out == nil || out.Cluster == nil {
		return nil, &MalformedResponseError{Action: action, Err: errors.New("the response has no cluster object")}
	}
	return out.Cluster, nil
}

// clusterNotFound builds the not-found error with the clusters that do
// exist in the region, when the caller may list them.
func (f *fetcher) clusterNotFound(ctx context.Context, cause error) error {
	notFound := &ClusterNotFoundError{Cluster: f.target.Cluster, Region: f.target.Region, Err: cause}
	pages := eks.NewListClustersPaginator(f.clients.EKS, &eks.ListClustersInput{MaxResults: aws.Int32(100)})
	for page := 0; pages.HasMorePages() && page < maxClusterPages; page++ {
		out, err := pages.NextPage(ctx)
		if err != nil {
			notFound.ListErr = classify("eks:ListClusters", "region "+f.target.Region, f.timeout, err)
			return notFound
		}
		notFound.Existing = append(notFound.Existing, out.Clusters...)
	}
	slices.Sort(notFound.Existing)
	return notFound
}

// factsFromCluster fills the facts that DescribeCluster returns; the
// partition, account and region come from the cluster ARN.
func factsFromCluster(c *ekstypes.Cluster) (*Facts, error) {
	arn, err := ParseClusterARN(aws.ToString(c.Arn))
	if err != nil {
		return nil, err
	}
	if name := aws.ToString(c.Name); name != arn.Name {
		return nil, fmt.Errorf("cluster name %q differs from the name in its ARN %s", name, aws.ToString(c.Arn))
	}
	facts := &Facts{
		Cluster:           arn.Name,
		ARN:               aws.ToString(c.Arn),
		Partition:         arn.Partition,
		Account:           arn.Account,
		Region:            arn.Region,
		KubernetesVersion: aws.ToString(c.Version),
		PlatformVersion:   aws.ToString(c.PlatformVersion),
		Status:            string(c.Status),
	}
	if c.Identity != nil && c.Identity.Oidc != nil {
		facts.OIDCIssuer = aws.ToString(c.Identity.Oidc.Issuer)
	}
	if facts.OIDCIssuer != "" {
		facts.OIDCProviderARN = OIDCProviderARN(facts.Partition, facts.Account, facts.OIDCIssuer)
	}
	return facts, nil
}

// Cluster statuses that still allow IRSA: an UPDATING cluster keeps its
// issuer during a version or configuration update.
const (
	statusActive   = "ACTIVE"
	statusUpdating = "UPDATING"
)

// checkUsable rejects clusters that IRSA cannot use yet: one that is not
// ACTIVE or UPDATING, or one without an OIDC issuer.
func checkUsable(facts *Facts, warn func(string)) error {
	switch facts.Status {
	case statusActive, "":
	case statusUpdating:
		warn(fmt.Sprintf("EKS cluster %q in %s is UPDATING; its facts may change when the update finishes", facts.Cluster, facts.Region))
	default:
		return &ClusterNotActiveError{Cluster: facts.Cluster, Region: facts.Region, Status: facts.Status}
	}
	if facts.OIDCIssuer == "" {
		return &NoOIDCIssuerError{Cluster: facts.Cluster, Region: facts.Region}
	}
	if !strings.HasPrefix(facts.OIDCIssuer, "https://") {
		return fmt.Errorf("EKS cluster %q in %s has OIDC issuer %q, which is not an https URL; IRSA needs an https issuer",
			facts.Cluster, facts.Region, facts.OIDCIssuer)
	}
	return nil
}

func (f *fetcher) callerAccount(ctx context.Context) (string, error) {
	const action = "sts:GetCallerIdentity"
	out, err := f.clients.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", classify(action, "the current AWS identity", f.timeout, err)
	}
	account := aws.ToString(out.Account)
	if !accountPattern.MatchString(account) {
		return "", &MalformedResponseError{Action: action, Err: fmt.Errorf("account %q is not 12 digits", account)}
	}
	return account, nil
}

// checkOIDCProvider records whether IAM has the cluster's OIDC provider
// and whether it accepts the STS audience. Denied IAM calls leave the
// result unknown (nil) with a warning, and other failures end the lookup.
func (f *fetcher) checkOIDCProvider(ctx context.Context, facts *Facts) error {
	if facts.CallerAccount != facts.Account {
		f.warn(fmt.Sprintf("the AWS identity is in account %s but cluster %q is in account %s; "+
			"the IAM OIDC provider %s was not checked", facts.CallerAccount, facts.Cluster, facts.Account, facts.OIDCProviderARN))
		return nil
	}

	exists, err := f.providerListed(ctx, facts.OIDCProviderARN)
	if errors.Is(err, ErrAccessDenied) {
		f.warnUnchecked(facts, err)
		return nil
	}
	if err != nil {
		return err
	}
	facts.OIDCProviderExists = aws.Bool(exists)
	if !exists {
		return nil
	}

	hasAudience, err := f.providerHasAudience(ctx, facts.OIDCProviderARN)
	if errors.Is(err, ErrAccessDenied) {
		f.warnUnchecked(facts, err)
		return nil
	}
	if err != nil {
		return err
	}
	facts.OIDCProviderHasSTSAudience = aws.Bool(hasAudience)
	return nil
}

func (f *fetcher) warnUnchecked(facts *Facts, err error) {
	var denied *AccessDeniedError
	action := "an IAM action"
	if errors.As(err, &denied) {
		action = denied.Action
	}
	f.warn(fmt.Sprintf("could not check the IAM OIDC provider %s because %s was denied; "+
		"make sure it exists before pods use IRSA", facts.OIDCProviderARN, action))
}

// providerListed reports whether ListOpenIDConnectProviders returns arn.
func (f *fetcher) providerListed(ctx context.Context, arn string) (bool, error) {
	const action = "iam:ListOpenIDConnectProviders"
	out, err := f.clients.IAM.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return false, classify(action, "the IAM OIDC providers of the account", f.timeout, err)
	}
	for _, entry := range out.OpenIDConnectProviderList {
		if strings.EqualFold(aws.ToString(entry.Arn), arn) {
			return true, nil
		}
	}
	return false, nil
}

// providerHasAudience reports whether the provider's client IDs include
// the STS audience.
func (f *fetcher) providerHasAudience(ctx context.Context, arn string) (bool, error) {
	const action = "iam:GetOpenIDConnectProvider"
	out, err := f.clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
	})
	if err != nil {
		return false, classify(action, arn, f.timeout, err)
	}
	return slices.Contains(out.ClientIDList, stsAudience), nil
}
