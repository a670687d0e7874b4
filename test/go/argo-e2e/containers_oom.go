package main

// The OOM rule on a real kubelet: the demo pipeline with an align memory limit too low for the step, so the
// kernel kills the align container (cgroup memory limit, reason OOMKilled), and the retry's pod asks for the
// memory times oomMemoryFactor (the align template's podSpecPatch, keyed on the retry number).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const (
	oomNamespace = "openfold-oom"
	// oomAlignMemory: far below what node and the executor need, so the first attempt is killed at start.
	oomAlignMemory = "16Mi"
)

// withAlignMemory rewrites the config file with alignment.resources.memory set to memory.
func withAlignMemory(file, memory string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var config map[string]any
	if err := yaml.Unmarshal(data, &config); err != nil {
		return err
	}
	alignment, _ := config["alignment"].(map[string]any)
	resources, _ := alignment["resources"].(map[string]any)
	if resources == nil {
		return fmt.Errorf("%s: no alignment.resources", file)
	}
	resources["memory"] = memory
	out, err := yaml.Marshal(config)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

// alignAttempts returns the align pods' main-container memory limits and termination reasons.
func alignAttempts(ctx context.Context, c *Cluster, namespace string) (map[string]string, error) {
	pods, err := c.Kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	attempts := map[string]string{} // limit -> reason of one pod with that limit
	for _, pod := range pods.Items {
		if !strings.Contains(pod.Name, "-align") {
			continue
		}
		limit := ""
		for _, ctr := range pod.Spec.Containers {
			if ctr.Name == "main" {
				limit = ctr.Resources.Limits.Memory().String()
			}
		}
		reason := ""
		for _, status := range pod.Status.ContainerStatuses {
			if status.Name == "main" && status.State.Terminated != nil {
				reason = status.State.Terminated.Reason
			}
		}
		if attempts[limit] == "" {
			attempts[limit] = reason
		}
	}
	return attempts, nil
}

func checkContainersOOM(ctx context.Context, c *Cluster) (string, error) {
	dir := filepath.Join(c.WorkDir, "files", "oom")
	if err := mkdirAll(dir); err != nil {
		return "", err
	}
	scoped := *c
	scoped.Namespace = oomNamespace
	demo, err := prepareDemo(ctx, &scoped, dir, "--single-node")
	if err != nil {
		return "", err
	}
	volume := filepath.Dir(demo.ArgoRunsRoot)
	config := filepath.Join(dir, "openfold-argo.oom.yaml")
	if err := writeRebasedConfig(ctx, c, demo.ConfigFile, volume, config); err != nil {
		return "", err
	}
	if err := withAlignMemory(config, oomAlignMemory); err != nil {
		return "", err
	}
	if err := chownTree(volume, imageUID); err != nil {
		return "", err
	}
	if _, err := namespaceWithExecutorRole(ctx, c, oomNamespace); err != nil {
		return "", err
	}
	if err := createHostPathVolume(ctx, c, oomNamespace, demo.ClaimName, volume); err != nil {
		return "", err
	}
	if _, err := expectOK(ctx, c, cliCommandTimeout, "install", "--config", config, "-n", oomNamespace); err != nil {
		return "", err
	}
	name, err := scoped.SubmitFromTemplate(ctx, "openfold-pipeline", sortedParameters(demo.ArgoParameters))
	if err != nil {
		return "", err
	}
	wf, err := scoped.WaitWorkflow(ctx, name, pipelineTimeout)
	if err != nil {
		return "", err
	}
	attempts, err := alignAttempts(ctx, c, oomNamespace)
	if err != nil {
		return "", err
	}
	base := resource.MustParse(oomAlignMemory)
	escalated := base.DeepCopy()
	escalated.Add(base) // oomMemoryFactor 2 (the default the demo keeps)
	if attempts[base.String()] != "OOMKilled" {
		return "", fmt.Errorf("want an align pod limited to %s and OOMKilled; align pods by limit: %v (workflow %s)", base.String(), attempts, WorkflowPhase(wf))
	}
	if _, ok := attempts[escalated.String()]; !ok {
		return "", fmt.Errorf("want the retry's align pod limited to %s; align pods by limit: %v", escalated.String(), attempts)
	}
	return fmt.Sprintf("align pod limited to %s: %s; its retry's pod: limit %s (%s); workflow %s",
		base.String(), attempts[base.String()], escalated.String(), attempts[escalated.String()], WorkflowPhase(wf)), nil
}
