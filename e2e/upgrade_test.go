//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

// settleTime is how long the upgrade tests wait before they check that the
// controller manager created no new ReplicaSet. The deployment controller
// reacts to a changed pod template within milliseconds on an idle control
// plane, so a new ReplicaSet would have appeared by then.
const settleTime = 3 * time.Second

// clusterState is what the upgrade tests compare before and after an upgrade.
type clusterState struct {
	sa          serviceAccount
	deployment  deployment
	replicaSets []replicaSet
	history     []historyEntry
}

func readState(t *testing.T, h helmVersion, namespace string) clusterState {
	t.Helper()
	d := env.kube.deployment(t, namespace, deploymentName)
	return clusterState{
		sa:          env.kube.serviceAccount(t, namespace, saName),
		deployment:  d,
		replicaSets: env.kube.replicaSets(t, d),
		history:     h.history(t, namespace),
	}
}

// TestUpgradeNewRoleRollsPods upgrades with another role ARN: the
// ServiceAccount and the pod template's role hash change, so the Deployment
// creates a new ReplicaSet whose Pods get the new role from the webhook.
func TestUpgradeNewRoleRollsPods(t *testing.T) {
	for _, h := range helmVersions(t) {
		t.Run(h.name, func(t *testing.T) {
			namespace := "new-role-" + h.name
			env.kube.createNamespace(t, namespace)
			h.install(t, namespace, irsaFlags(testRole))
			firstRS, _ := env.kube.waitForReplicaSet(t, env.kube.deployment(t, namespace, deploymentName))
			before := readState(t, h, namespace)

			got := h.upgrade(t, namespace, irsaFlags(otherRole))
			if got.code != 0 {
				t.Fatalf("%s upgrade exited with %d; stderr:\n%s", h.name, got.code, got.stderr)
			}
			after := readState(t, h, namespace)

			if role := after.sa.Metadata.Annotations[roleArnAnnotation]; role != otherRole {
				t.Errorf("ServiceAccount %s after upgrade = %q, want %s", roleArnAnnotation, role, otherRole)
			}
			oldHash := before.deployment.Spec.Template.Metadata.Annotations[roleHashAnnotation]
			newHash := after.deployment.Spec.Template.Metadata.Annotations[roleHashAnnotation]
			if newHash == "" || newHash == oldHash {
				t.Errorf("pod template %s = %q after upgrade, want a value other than %q", roleHashAnnotation, newHash, oldHash)
			}
			if len(after.history) != len(before.history)+1 {
				t.Errorf("helm history has %d revisions, want %d", len(after.history), len(before.history)+1)
			}

			newRS, pods := env.kube.waitForReplicaSet(t, after.deployment)
			if newRS.Metadata.Name == firstRS.Metadata.Name {
				t.Fatalf("the Deployment still runs ReplicaSet %s, want a new one", firstRS.Metadata.Name)
			}
			if n := len(env.kube.replicaSets(t, after.deployment)); n != len(before.replicaSets)+1 {
				t.Errorf("ReplicaSets = %d after upgrade, want %d", n, len(before.replicaSets)+1)
			}
			// NOTE: the webhook reads the role from its ServiceAccount
			// informer, and nothing orders that informer's update before the
			// creation of the new Pods. Helm updates the ServiceAccount before
			// the Deployment, and the new Pods come two controller round trips
			// later, so the informer is ahead unless the machine is overloaded.
			for _, p := range pods {
				assertTokenVolume(t, p)
				for _, c := range p.Spec.Containers {
					assertWebhookInjected(t, p, c, otherRole)
				}
			}
		})
	}
}

// TestUpgradeSameSettingsChangesNothing upgrades with the same flags: Helm
// records a revision, but no object in the cluster changes and the
// Deployment does not roll.
func TestUpgradeSameSettingsChangesNothing(t *testing.T) {
	for _, h := range helmVersions(t) {
		t.Run(h.name, func(t *testing.T) {
			namespace := "same-settings-" + h.name
			env.kube.createNamespace(t, namespace)
			h.install(t, namespace, irsaFlags(testRole))
			env.kube.waitForReplicaSet(t, env.kube.deployment(t, namespace, deploymentName))
			before := readState(t, h, namespace)

			got := h.upgrade(t, namespace, irsaFlags(testRole))
			if got.code != 0 {
				t.Fatalf("%s upgrade exited with %d; stderr:\n%s", h.name, got.code, got.stderr)
			}
			time.Sleep(settleTime)
			after := readState(t, h, namespace)

			if len(after.history) != len(before.history)+1 {
				t.Errorf("helm history has %d revisions, want %d", len(after.history), len(before.history)+1)
			}
			assertUnchanged(t, before, after)
		})
	}
}

// TestFailedRenderLeavesReleaseUnchanged upgrades with a role ARN in the
// aws-cn partition and the region eu-west-1: irsa-render fails, so Helm
// must fail the upgrade before it writes a revision or touches an object.
func TestFailedRenderLeavesReleaseUnchanged(t *testing.T) {
	for _, h := range helmVersions(t) {
		t.Run(h.name, func(t *testing.T) {
			namespace := "failed-render-" + h.name
			env.kube.createNamespace(t, namespace)
			h.install(t, namespace, irsaFlags(testRole))
			env.kube.waitForReplicaSet(t, env.kube.deployment(t, namespace, deploymentName))
			before := readState(t, h, namespace)

			got := h.upgrade(t, namespace, irsaFlags(wrongPartitionRole))
			if got.code == 0 {
				t.Fatalf("%s upgrade with %s succeeded, want a failure", h.name, wrongPartitionRole)
			}
			if !strings.Contains(got.stderr, "partition aws-cn") {
				t.Errorf("%s stderr lacks irsa-render's reason (partition aws-cn):\n%s", h.name, got.stderr)
			}
			time.Sleep(settleTime)
			after := readState(t, h, namespace)

			if len(after.history) != len(before.history) {
				t.Errorf("helm history has %d revisions after the failed upgrade, want %d", len(after.history), len(before.history))
			}
			if last := after.history[len(after.history)-1]; last.Status != "deployed" {
				t.Errorf("latest revision %d has status %q, want deployed", last.Revision, last.Status)
			}
			if role := after.sa.Metadata.Annotations[roleArnAnnotation]; role != testRole {
				t.Errorf("ServiceAccount %s = %q, want %s", roleArnAnnotation, role, testRole)
			}
			assertUnchanged(t, before, after)
		})
	}
}

// assertUnchanged checks that the ServiceAccount, the Deployment's spec and
// the set of ReplicaSets are the same in both states.
func assertUnchanged(t *testing.T, before, after clusterState) {
	t.Helper()
	if before.sa.Metadata.ResourceVersion != after.sa.Metadata.ResourceVersion {
		t.Errorf("ServiceAccount resourceVersion %s -> %s, want it unchanged", before.sa.Metadata.ResourceVersion, after.sa.Metadata.ResourceVersion)
	}
	if before.deployment.Metadata.Generation != after.deployment.Metadata.Generation {
		t.Errorf("Deployment generation %d -> %d, want it unchanged", before.deployment.Metadata.Generation, after.deployment.Metadata.Generation)
	}
	oldHash := before.deployment.Spec.Template.Metadata.Annotations[roleHashAnnotation]
	newHash := after.deployment.Spec.Template.Metadata.Annotations[roleHashAnnotation]
	if oldHash != newHash {
		t.Errorf("pod template %s %q -> %q, want it unchanged", roleHashAnnotation, oldHash, newHash)
	}
	if len(before.replicaSets) != len(after.replicaSets) {
		t.Fatalf("ReplicaSets %d -> %d, want no new one", len(before.replicaSets), len(after.replicaSets))
	}
	for i := range before.replicaSets {
		oldRS, newRS := before.replicaSets[i].Metadata, after.replicaSets[i].Metadata
		if oldRS.Name != newRS.Name || oldRS.Labels["pod-template-hash"] != newRS.Labels["pod-template-hash"] {
			t.Errorf("ReplicaSet %s (pod-template-hash %s) -> %s (%s), want it unchanged",
				oldRS.Name, oldRS.Labels["pod-template-hash"], newRS.Name, newRS.Labels["pod-template-hash"])
		}
	}
}
