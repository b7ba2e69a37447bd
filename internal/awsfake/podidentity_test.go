package awsfake

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/smithy-go"
)

func TestDescribePodIdentityAssociationReturnsRole(t *testing.T) {
	opts := testOptions()
	opts.PodIdentityAssociations[0].RoleARN = "arn:aws:iam::111122223333:role/pod-identity-runner"
	s := startFake(t, opts)
	client := eks.NewFromConfig(loadConfig(t, "us-east-1", 1))

	list, err := client.ListPodIdentityAssociations(context.Background(), &eks.ListPodIdentityAssociationsInput{
		ClusterName:    aws.String("ci"),
		Namespace:      aws.String("runners"),
		ServiceAccount: aws.String("runner"),
	})
	if err != nil {
		t.Fatalf("ListPodIdentityAssociations: %v", err)
	}
	if len(list.Associations) != 1 {
		t.Fatalf("associations = %d, want 1", len(list.Associations))
	}
	id := list.Associations[0].AssociationId

	out, err := client.DescribePodIdentityAssociation(context.Background(), &eks.DescribePodIdentityAssociationInput{
		ClusterName:   aws.String("ci"),
		AssociationId: id,
	})
	if err != nil {
		t.Fatalf("DescribePodIdentityAssociation: %v", err)
	}
	a := out.Association
	if got := aws.ToString(a.RoleArn); got != "arn:aws:iam::111122223333:role/pod-identity-runner" {
		t.Errorf("roleArn = %q", got)
	}
	if got := aws.ToString(a.AssociationId); got != aws.ToString(id) {
		t.Errorf("associationId = %q, want %q", got, aws.ToString(id))
	}
	if got := aws.ToString(a.AssociationArn); got != aws.ToString(list.Associations[0].AssociationArn) {
		t.Errorf("associationArn = %q, want the listed %q", got, aws.ToString(list.Associations[0].AssociationArn))
	}
	if aws.ToString(a.Namespace) != "runners" || aws.ToString(a.ServiceAccount) != "runner" {
		t.Errorf("association = %s/%s, want runners/runner", aws.ToString(a.Namespace), aws.ToString(a.ServiceAccount))
	}
	if calls := s.Calls(OpDescribePodIdentityAssociation); calls != 1 {
		t.Errorf("DescribePodIdentityAssociation calls = %d, want 1", calls)
	}
}

func TestDescribePodIdentityAssociationMissing(t *testing.T) {
	startFake(t, testOptions())
	client := eks.NewFromConfig(loadConfig(t, "us-east-1", 1))

	_, err := client.DescribePodIdentityAssociation(context.Background(), &eks.DescribePodIdentityAssociationInput{
		ClusterName:   aws.String("ci"),
		AssociationId: aws.String("a-00000000000000099"),
	})
	var notFound *ekstypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("error = %v, want ResourceNotFoundException", err)
	}
}

func TestDescribePodIdentityAssociationFault(t *testing.T) {
	s := startFake(t, testOptions())
	s.SetFault(OpDescribePodIdentityAssociation, Fault{Kind: FaultAccessDenied})
	client := eks.NewFromConfig(loadConfig(t, "us-east-1", 1))

	_, err := client.DescribePodIdentityAssociation(context.Background(), &eks.DescribePodIdentityAssociationInput{
		ClusterName:   aws.String("ci"),
		AssociationId: aws.String("a-00000000000000001"),
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("error = %v, want AccessDeniedException", err)
	}
}
