resource "aws_iam_role" "firefly-ci-runner" {
  name = "firefly-ci-runner"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          Federated = "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE"
        }
        Action = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE:aud" = "sts.example.com"
            "oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLEC061A78C479E31025A2EXAMPLE:sub" = [
              "system:serviceaccount:firefly:runner-ci-runner-worker",
              "system:serviceaccount:firefly:runner-ci-runner-manager",
            ]
          }
        }
      },
    ]
  })
}
