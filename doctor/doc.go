// Package doctor checks that an EKS cluster, its IAM setup and a rendered
// ci-runner-worker stream work together for IRSA (IAM Roles for Service
// Accounts), and states the fix for every problem it finds.
//
// NewInput reads the rendered stream and the post-renderer's settings into
// an Input. Run then makes eight checks, in this order:
//
//   - the cluster is EKS, ACTIVE and has an OIDC issuer;
//   - IAM has the issuer's OIDC provider with the token's audience;
//   - the role's trust policy lets the runner's ServiceAccount in;
//   - the runner's timeouts fit the token lifetime and MaxSessionDuration;
//   - no EKS Pod Identity association competes with IRSA;
//   - no static AWS keys shadow IRSA;
//   - the runner image is pinned and recent enough;
//   - the AWS permissions that the other checks needed.
//
// Each check ends passed, warning, failed or skipped. A denied AWS call
// turns its check into a warning and is listed under permissions, and the
// remaining checks still run.
package doctor
