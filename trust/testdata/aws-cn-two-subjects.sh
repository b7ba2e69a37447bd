#!/bin/sh
# Creates the IAM role firefly-ci-runner with a trust policy for EKS IRSA.
set -eu

# IAM verifies the issuer's TLS certificate itself, so no --thumbprint-list is passed.
# AWS CLI releases that still require that option reject this call: update the CLI.
if ! aws iam get-open-id-connect-provider --open-id-connect-provider-arn 'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE' >/dev/null 2>&1; then
  aws iam create-open-id-connect-provider \
    --url 'https://oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE' \
    --client-id-list 'sts.example.com'
fi

aws iam create-role \
  --role-name 'firefly-ci-runner' \
  --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE:aud": "sts.example.com",
          "oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE:sub": [
            "system:serviceaccount:firefly:runner-ci-runner-worker",
            "system:serviceaccount:firefly:runner-ci-runner-manager"
          ]
        }
      }
    }
  ]
}'
