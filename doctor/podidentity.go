package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
)

// maxAssociationPages bounds the ListPodIdentityAssociations pages read;
// the filters leave one association per ServiceAccount at most, so one page
// is the norm.
const maxAssociationPages = 10

// association is an EKS Pod Identity association of the runner's
// ServiceAccount.
type association struct {
	id string
	// roleARN is empty when eks:DescribePodIdentityAssociation failed.
	roleARN string
}

// checkPodIdentity reports EKS Pod Identity associations on the runner's
// ServiceAccount, which compete with IRSA for its credentials.
//
// Which mechanism wins was read from the sources, not measured on a
// cluster. The EKS pod identity webhook
// (github.com/aws/amazon-eks-pod-identity-webhook v0.6.17,
// pkg/handler/handler.go, buildPodPatchConfig) gives container credentials
// precedence: for a ServiceAccount with an association it injects
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// and leaves out AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE. When a
// container has both sets anyway, the default chain of the AWS SDK for Go
// v2 (github.com/aws/aws-sdk-go-v2/config v1.33.19,
// resolve_credentials.go, resolveCredentialChain) takes static keys from
// the environment first, then the web identity token file, and reaches the
// container credentials endpoint only later, in resolveCredsFromProfile.
func (r *run) checkPodIdentity(ctx context.Context) Result {
	result := Result{Check: CheckPodIdentity}
	f := r.in.Facts
	if f == nil || f.Cluster == "" {
		result.Status, result.Message = Skipped, "not checked because the cluster is unknown (see the cluster check)"
		return result
	}
	subject := r.in.Subject
	clusterARN := fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", f.Partition, f.Region, f.Account, f.Cluster)
	found, err := r.listAssociations(ctx, clusterARN)
	switch {
	case isDenied(err):
		result.Status = Warning
		result.Message = "not checked because AWS denied eks:ListPodIdentityAssociations"
		result.Fix = "allow eks:ListPodIdentityAssociations on " + clusterARN + " (see the permissions check), or check by hand: " +
			r.listCommand()
		return result
	case err != nil:
		result.Status, result.Message = Failed, "the EKS Pod Identity associations could not be listed: "+err.Error()
		return result
	case len(found) == 0:
		result.Status = Passed
		result.Message = fmt.Sprintf("no EKS Pod Identity association gives %s/%s a role in cluster %s, so only IRSA supplies its credentials",
			subject.Namespace, subject.Name, f.Cluster)
		return result
	}

	r.describeAssociations(ctx, found, f.Partition, f.Region, f.Account, f.Cluster)
	described := make([]string, len(found))
	for i, a := range found {
		described[i] = a.id
		if a.roleARN != "" {
			described[i] += " (role " + a.roleARN + ")"
		}
	}
	result.Status = Warning
	result.Message = strings.Join([]string{
		fmt.Sprintf("EKS Pod Identity association %s also gives %s/%s a role in cluster %s, so two mechanisms compete for the runner's credentials.",
			strings.Join(described, ", "), subject.Namespace, subject.Name, f.Cluster),
		"For a ServiceAccount with an association, the EKS pod identity webhook injects only the Pod Identity variables " +
			"(AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) and not AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE, " +
			"so new runner pods get the association's role and the eks.amazonaws.com/role-arn annotation has no effect.",
		"Where a container has both sets of variables, the AWS SDKs' default credential chain (the AWS SDK for Go v2, for one) " +
			"uses the web identity token of IRSA before the Pod Identity endpoint.",
	}, "\n")
	var fixes []string
	for _, a := range found {
		fixes = append(fixes, fmt.Sprintf("to keep IRSA: aws eks delete-pod-identity-association --cluster-name %s --association-id %s --region %s",
			shellWord(f.Cluster), shellWord(a.id), f.Region))
	}
	fixes = append(fixes, "then restart the runner pods, because the webhook sets the variables only when a pod is created"+r.restartHint(),
		"to use Pod Identity instead, remove the eks.amazonaws.com/role-arn annotation from the ServiceAccount")
	result.Fix = strings.Join(fixes, "\n")
	return result
}

// listAssociations returns the associations on the runner's ServiceAccount.
func (r *run) listAssociations(ctx context.Context, clusterARN string) ([]association, error) {
	f := r.in.Facts
	input := &eks.ListPodIdentityAssociationsInput{
		ClusterName:    aws.String(f.Cluster),
		Namespace:      aws.String(r.in.Subject.Namespace),
		ServiceAccount: aws.String(r.in.Subject.Name),
	}
	var found []association
	err := r.call(ctx, "eks:ListPodIdentityAssociations", clusterARN, func(ctx context.Context) error {
		pages := eks.NewListPodIdentityAssociationsPaginator(r.clients.EKS, input)
		for page := 0; pages.HasMorePages() && page < maxAssociationPages; page++ {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, a := range out.Associations {
				// The filters select these already; the check guards
				// against an endpoint that ignores them.
				if aws.ToString(a.Namespace) == r.in.Subject.Namespace && aws.ToString(a.ServiceAccount) == r.in.Subject.Name {
					found = append(found, association{id: aws.ToString(a.AssociationId)})
				}
			}
		}
		return nil
	})
	return found, err
}

// describeAssociations fills in the role of each association. A failed or
// denied call leaves the role out; a denial is still listed under
// permissions.
func (r *run) describeAssociations(ctx context.Context, found []association, partition, region, account, cluster string) {
	for i := range found {
		resource := fmt.Sprintf("arn:%s:eks:%s:%s:podidentityassociation/%s/%s", partition, region, account, cluster, found[i].id)
		r.call(ctx, "eks:DescribePodIdentityAssociation", resource, func(ctx context.Context) error {
			out, err := r.clients.EKS.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{
				ClusterName:   aws.String(cluster),
				AssociationId: aws.String(found[i].id),
			})
			if err == nil && out.Association != nil {
				found[i].roleARN = aws.ToString(out.Association.RoleArn)
			}
			return err
		})
	}
}

func (r *run) listCommand() string {
	f := r.in.Facts
	return fmt.Sprintf("aws eks list-pod-identity-associations --cluster-name %s --namespace %s --service-account %s --region %s",
		shellWord(f.Cluster), r.in.Subject.Namespace, r.in.Subject.Name, f.Region)
}

// restartHint names the kubectl command that restarts the runner's
// workloads, when the stream shows them.
func (r *run) restartHint() string {
	if r.in.Runner == nil {
		return ""
	}
	var commands []string
	for _, c := range r.in.Runner.Containers {
		switch c.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
			command := fmt.Sprintf("kubectl rollout restart %s/%s -n %s", strings.ToLower(c.Kind), c.Name, c.Namespace)
			if !containsString(commands, command) {
				commands = append(commands, command)
			}
		}
	}
	if len(commands) == 0 {
		return ""
	}
	return ": " + strings.Join(commands, "; ")
}
