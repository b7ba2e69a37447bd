#!/bin/sh
# Creates the IAM role firefly-ci-runner with a trust policy for EKS IRSA.
set -eu

# IAM verifies the issuer's TLS certificate itself, so no --thumbprint-list is passed.
# AWS CLI releases that still require that option reject this call: update the CLI.
if ! aws iam get-open-id-connect-provider --open-id-connect-provider-arn 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE' >/dev/null 2>&1; then
  aws iam create-open-id-connect-provider \
    --url 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE' \
    --client-id-list 'sts.amazonaws.com'
fi

aws iam create-role \
  --role-name 'firefly-ci-runner' \
  --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
          "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": [
            "system:serviceaccount:firefly:runner-ci-runner-worker",
            "system:serviceaccount:firefly:runner-ci-runner-manager"
          ]
        }
      }
    }
  ]
}'
