package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/firefly-oss/irsa-render/facts"
	"github.com/firefly-oss/irsa-render/trust"
)

// checkCluster reports whether the cluster is an ACTIVE EKS cluster with
// an OIDC issuer.
func (r *run) checkCluster() Result {
	f := r.in.Facts
	if f == nil {
		return clusterLookupFailure(r.in.FactsErr)
	}
	where := fmt.Sprintf("EKS cluster %s in %s", f.Cluster, f.Region)
	if f.Source == facts.SourceFile {
		where += " (from the --facts file)"
	}
	describe := fmt.Sprintf("aws eks describe-cluster --name %s --region %s", shellWord(f.Cluster), f.Region)
	switch {
	case f.OIDCIssuer == "":
		return Result{Check: CheckCluster, Status: Failed,
			Message: where + " has no OIDC issuer, and IRSA needs one to sign the ServiceAccount tokens",
			Fix:     "check that " + describe + " --query cluster.identity.oidc.issuer prints the issuer; if the --facts file lacks it, save the complete output again"}
	case f.Status == "UPDATING":
		return Result{Check: CheckCluster, Status: Warning,
			Message: where + " is UPDATING, with OIDC issuer " + f.OIDCIssuer + "; IRSA keeps working during an update, but the facts may change when it finishes",
			Fix:     "run irsa-render doctor again when " + describe + " --query cluster.status prints ACTIVE"}
	case f.Status != "" && f.Status != "ACTIVE":
		return Result{Check: CheckCluster, Status: Failed,
			Message: fmt.Sprintf("%s is %s, not ACTIVE", where, f.Status),
			Fix:     "wait until " + describe + " --query cluster.status prints ACTIVE, then run irsa-render doctor again"}
	}
	status := f.Status
	if status == "" {
		status = "of unknown status (the --facts file names none)"
	}
	return Result{Check: CheckCluster, Status: Passed,
		Message: fmt.Sprintf("%s is %s, with OIDC issuer %s", where, status, f.OIDCIssuer)}
}

// clusterLookupFailure turns the error of the facts lookup into the
// cluster check's result.
func clusterLookupFailure(err error) Result {
	failed := func(message, fix string) Result {
		return Result{Check: CheckCluster, Status: Failed, Message: message, Fix: fix}
	}
	var (
		notEKS    *facts.NotEKSError
		notActive *facts.ClusterNotActiveError
		noIssuer  *facts.NoOIDCIssuerError
		notFound  *facts.ClusterNotFoundError
		denied    *facts.AccessDeniedError
	)
	switch {
	case err == nil:
		return failed("no cluster was looked up", "pass --cluster and --region, or --facts")
	case errors.As(err, &notEKS):
		return failed(fmt.Sprintf("kubeconfig context %q (server %s) is not an EKS cluster, and IRSA exists only on EKS", notEKS.Context, notEKS.Server),
			"pass --cluster and --region of the EKS cluster that runs the runner, or switch with kubectl config use-context; "+
				"on other Kubernetes the runner needs AWS keys from a Secret instead")
	case errors.As(err, &notActive):
		return failed(fmt.Sprintf("EKS cluster %s in %s is %s, not ACTIVE", notActive.Cluster, notActive.Region, notActive.Status),
			fmt.Sprintf("wait until aws eks describe-cluster --name %s --region %s --query cluster.status prints ACTIVE, then run irsa-render doctor again",
				shellWord(notActive.Cluster), notActive.Region))
	case errors.As(err, &noIssuer):
		return failed(fmt.Sprintf("EKS cluster %s in %s has no OIDC issuer, and IRSA needs one to sign the ServiceAccount tokens", noIssuer.Cluster, noIssuer.Region),
			fmt.Sprintf("check that aws eks describe-cluster --name %s --region %s --query cluster.identity.oidc.issuer prints the issuer; "+
				"if the --facts file lacks it, save the complete output again", shellWord(noIssuer.Cluster), noIssuer.Region))
	case errors.As(err, &notFound):
		return failed(err.Error(), "pass --cluster and --region of the EKS cluster that runs the runner")
	case errors.As(err, &denied):
		return Result{Check: CheckCluster, Status: Warning,
			Message: fmt.Sprintf("the cluster was not checked because AWS denied %s on %s", denied.Action, denied.Resource),
			Fix: fmt.Sprintf("allow %s (see the permissions check), or pass --facts with the output of aws eks describe-cluster --output json",
				denied.Action)}
	}
	return failed("the cluster could not be looked up: "+err.Error(),
		"fix the cause above, or pass --facts with the output of aws eks describe-cluster --output json")
}

// providerAccount returns the account whose IAM must hold the OIDC
// provider: the role's, because a role trusts providers of its own
// account, or else the cluster's.
func (r *run) providerAccount() string {
	if r.role.parsed != nil {
		return r.role.parsed.Account
	}
	return r.in.Facts.Account
}

// checkOIDCProvider reports whether IAM has an OIDC provider for the
// cluster's issuer that accepts the token's audience.
func (r *run) checkOIDCProvider(ctx context.Context) Result {
	result := Result{Check: CheckOIDCProvider}
	f := r.in.Facts
	if f == nil || f.OIDCIssuer == "" {
		result.Status, result.Message = Skipped, "not checked because the cluster's OIDC issuer is unknown (see the cluster check)"
		return result
	}
	account := r.providerAccount()
	arn := facts.OIDCProviderARN(r.partition(), account, f.OIDCIssuer)
	audience := r.audience()
	if r.caller != "" && r.caller != account {
		result.Status = Warning
		result.Message = fmt.Sprintf("not checked: the OIDC provider %s must exist in account %s, the role's account, "+
			"but the AWS credentials are for account %s", arn, account, r.caller)
		result.Fix = crossAccountFix(account, "iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider")
		return result
	}

	listed, err := r.findProvider(ctx, arn)
	switch {
	case isDenied(err):
		result.Status = Warning
		result.Message = "not checked because AWS denied iam:ListOpenIDConnectProviders"
		result.Fix = "allow iam:ListOpenIDConnectProviders (see the permissions check), or check by hand: " +
			"aws iam get-open-id-connect-provider --open-id-connect-provider-arn " + arn
		return result
	case err != nil:
		result.Status, result.Message = Failed, "the IAM OIDC providers could not be listed: "+err.Error()
		return result
	case listed == "":
		result.Status = Failed
		result.Message = fmt.Sprintf("IAM in account %s has no OIDC provider for the cluster's issuer %s (expected %s), so STS rejects every IRSA token",
			account, f.OIDCIssuer, arn)
		result.Fix = fmt.Sprintf("aws iam create-open-id-connect-provider --url %s --client-id-list %s",
			shellWord(f.OIDCIssuer), shellWord(audience))
		return result
	}

	var clientIDs []string
	err = r.call(ctx, "iam:GetOpenIDConnectProvider", listed, func(ctx context.Context) error {
		out, err := r.clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(listed)})
		if err == nil {
			clientIDs = out.ClientIDList
		}
		return err
	})
	switch {
	case isDenied(err):
		result.Status = Warning
		result.Message = fmt.Sprintf("the OIDC provider %s exists, but its client IDs were not checked because AWS denied iam:GetOpenIDConnectProvider", listed)
		result.Fix = "allow iam:GetOpenIDConnectProvider on " + listed + " (see the permissions check)"
	case err != nil:
		result.Status, result.Message = Failed, "the OIDC provider could not be read: "+err.Error()
	case !slices.Contains(clientIDs, audience):
		result.Status = Failed
		result.Message = fmt.Sprintf("the OIDC provider %s lists the client IDs [%s] but not %s, the audience of the runner's token, so STS rejects the token",
			listed, strings.Join(clientIDs, ", "), audience)
		result.Fix = fmt.Sprintf("aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn %s --client-id %s",
			listed, shellWord(audience))
	default:
		result.Status = Passed
		result.Message = fmt.Sprintf("the OIDC provider %s exists and lists the client ID %s", listed, audience)
	}
	return result
}

// findProvider returns the listed ARN that matches arn, ignoring case as
// the facts lookup does, or "" when IAM lists none.
func (r *run) findProvider(ctx context.Context, arn string) (string, error) {
	var listed string
	err := r.call(ctx, "iam:ListOpenIDConnectProviders", "*", func(ctx context.Context) error {
		out, err := r.clients.IAM.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
		if err != nil {
			return err
		}
		for _, entry := range out.OpenIDConnectProviderList {
			if strings.EqualFold(aws.ToString(entry.Arn), arn) {
				listed = aws.ToString(entry.Arn)
			}
		}
		return nil
	})
	return listed, err
}

// audience returns the aud claim of the runner's token.
func (r *run) audience() string {
	if r.in.Audience != "" {
		return r.in.Audience
	}
	return trust.DefaultAudience
}
