//go:build e2e

package e2e

import (
	"testing"
)

// TestInstall installs the chart with irsa-render and checks the objects in
// the cluster: the annotated ServiceAccount, the pinned runner image, the
// region in every container, and the Pods that the controller manager
// created and the pod identity webhook mutated.
func TestInstall(t *testing.T) {
	for _, h := range helmVersions(t) {
		t.Run(h.name, func(t *testing.T) {
			namespace := "install-" + h.name
			env.kube.createNamespace(t, namespace)
			h.install(t, namespace, irsaFlags(testRole))

			sa := env.kube.serviceAccount(t, namespace, saName)
			if got := sa.Metadata.Annotations[roleArnAnnotation]; got != testRole {
				t.Errorf("ServiceAccount %s %s = %q, want %s", saName, roleArnAnnotation, got, testRole)
			}

			d := env.kube.deployment(t, namespace, deploymentName)
			template := d.Spec.Template
			if got := containerNamed(t, template.Spec.Containers, runnerName).Image; got != runnerImage {
				t.Errorf("runner image = %q, want %s", got, runnerImage)
			}
			if len(template.Spec.Containers) != 2 {
				t.Errorf("pod template containers = %d, want 2 (runner and docker)", len(template.Spec.Containers))
			}
			for _, c := range template.Spec.Containers {
				assertRegion(t, c)
			}
			if template.Metadata.Annotations[roleHashAnnotation] == "" {
				t.Errorf("pod template lacks the %s annotation", roleHashAnnotation)
			}
			if got := template.Spec.ServiceAccountName; got != saName {
				t.Errorf("pod template serviceAccountName = %q, want %s", got, saName)
			}

			_, pods := env.kube.waitForReplicaSet(t, d)
			for _, p := range pods {
				assertTokenVolume(t, p)
				for _, c := range p.Spec.Containers {
					assertWebhookInjected(t, p, c, testRole)
				}
			}
		})
	}
}

// TestWebhookSkipsListedContainers sets eks.amazonaws.com/skip-containers on
// the pod template: the webhook must leave the docker sidecar alone, and
// irsa-render must not give it a region either.
func TestWebhookSkipsListedContainers(t *testing.T) {
	for _, h := range helmVersions(t) {
		t.Run(h.name, func(t *testing.T) {
			namespace := "skip-" + h.name
			env.kube.createNamespace(t, namespace)
			h.install(t, namespace, irsaFlags(testRole), "--set", `podAnnotations.eks\.amazonaws\.com/skip-containers=docker`)

			d := env.kube.deployment(t, namespace, deploymentName)
			if got := d.Spec.Template.Metadata.Annotations[skipContainersAnnotation]; got != "docker" {
				t.Fatalf("pod template %s = %q, want docker", skipContainersAnnotation, got)
			}

			_, pods := env.kube.waitForReplicaSet(t, d)
			for _, p := range pods {
				assertTokenVolume(t, p)
				assertWebhookInjected(t, p, containerNamed(t, p.Spec.Containers, runnerName), testRole)
				assertNotInjected(t, p, containerNamed(t, p.Spec.Containers, "docker"))
			}
		})
	}
}

// assertRegion checks that irsa-render set both region variables once.
func assertRegion(t *testing.T, c container) {
	t.Helper()
	values := envValues(c)
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		got := values[name]
		if len(got) != 1 || got[0] != region {
			t.Errorf("container %s: %s = %q, want [%s]", c.Name, name, got, region)
		}
	}
}

// assertWebhookInjected checks that the webhook gave a container of a Pod the
// web identity variables for role and the token mount, and that the region
// irsa-render wrote survived admission.
func assertWebhookInjected(t *testing.T, p pod, c container, role string) {
	t.Helper()
	want := map[string]string{
		"AWS_ROLE_ARN":                role,
		"AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
		"AWS_REGION":                  region,
		"AWS_DEFAULT_REGION":          region,
	}
	values := envValues(c)
	for name, value := range want {
		got := values[name]
		if len(got) != 1 || got[0] != value {
			t.Errorf("Pod %s container %s: %s = %q, want [%s]", p.Metadata.Name, c.Name, name, got, value)
		}
	}
	if !hasTokenMount(c) {
		t.Errorf("Pod %s container %s has no read-only %s mount at %s", p.Metadata.Name, c.Name, tokenVolume, tokenMountPath)
	}
}

// assertNotInjected checks that a container skipped by the webhook has no
// AWS variables and no token mount.
func assertNotInjected(t *testing.T, p pod, c container) {
	t.Helper()
	values := envValues(c)
	for _, name := range []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		if got, ok := values[name]; ok {
			t.Errorf("Pod %s skipped container %s: %s = %q, want it unset", p.Metadata.Name, c.Name, name, got)
		}
	}
	if hasTokenMount(c) {
		t.Errorf("Pod %s skipped container %s mounts %s", p.Metadata.Name, c.Name, tokenVolume)
	}
}

// assertTokenVolume checks the projected ServiceAccount token volume that the
// webhook adds to a Pod.
func assertTokenVolume(t *testing.T, p pod) {
	t.Helper()
	for _, v := range p.Spec.Volumes {
		if v.Name != tokenVolume {
			continue
		}
		if v.Projected == nil || len(v.Projected.Sources) != 1 || v.Projected.Sources[0].ServiceAccountToken == nil {
			t.Errorf("Pod %s volume %s is not a projected ServiceAccount token", p.Metadata.Name, tokenVolume)
			return
		}
		token := v.Projected.Sources[0].ServiceAccountToken
		if token.Audience != tokenAudience {
			t.Errorf("Pod %s token audience = %q, want %s", p.Metadata.Name, token.Audience, tokenAudience)
		}
		if token.Path != "token" {
			t.Errorf("Pod %s token path = %q, want token", p.Metadata.Name, token.Path)
		}
		return
	}
	t.Errorf("Pod %s has no %s volume, so the webhook did not mutate it", p.Metadata.Name, tokenVolume)
}

func hasTokenMount(c container) bool {
	for _, m := range c.VolumeMounts {
		if m.Name == tokenVolume && m.MountPath == tokenMountPath && m.ReadOnly {
			return true
		}
	}
	return false
}

func containerNamed(t *testing.T, containers []container, name string) container {
	t.Helper()
	for _, c := range containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %s", name)
	return container{}
}
