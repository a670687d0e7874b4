package main

// The containers mode (`argo-e2e check containers`): the same control plane and controller, but pods run in
// containers under a real kubelet and containerd with Argo's real executor (emissary), from the project's
// images (npm run images). The checks here install with the Helm chart and the CLI, run the demo pipeline in
// real containers and compare it with the local executor.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

const (
	containersWord      = "containers"
	containersNamespace = "openfold-containers"
	// imageUID is the user every project image runs as (images/README.md).
	imageUID = 1000
	// gpusAdvertised: the node advertises this many nvidia.com/gpu as an extended resource (a count on the Node
	// object, no device), so predict pods are scheduled; the demo's predict runs without a GPU.
	gpusAdvertised = "2"
	gpuResource    = "nvidia.com/gpu"
)

// projectImages are the images of `npm run images` the demo pipeline runs (tools: split, databases, predict,
// collect; msa: align).
var projectImages = []string{"localhost/openfold-argo/tools:dev", "localhost/openfold-argo/msa:dev"}

func modeName(o Options) string {
	if o.Containers {
		return "containers mode: real kubelet, containerd, Argo's emissary executor"
	}
	return "process mode: fake kubelet"
}

// containersOptions turns the containers mode on: the node's binaries must be built and its images present.
func containersOptions(o *Options, v Versions) error {
	for _, name := range []string{"kubelet", "kube-scheduler", "kube-controller-manager"} {
		if _, err := os.Stat(filepath.Join(o.BinDir, name)); err != nil {
			return fmt.Errorf("%s missing in %s: run .ci/setup.d/50-argo-e2e.sh and 55-argo-containers.sh", name, o.BinDir)
		}
	}
	for _, tool := range []string{"containerd", "ctr", "runc", "podman", "ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not on PATH: run .ci/setup.d/55-argo-containers.sh", tool)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return err
	}
	o.Containers = true
	o.CacheDir = filepath.Join(cache, "openfold-argo", "containerd")
	o.Images = append([]string{"quay.io/argoproj/argoexec:" + v.Argo, pauseImage}, projectImages...)
	return nil
}

// ContainerChecks are the checks of the containers mode.
func ContainerChecks() []Check {
	return []Check{
		{"containers: helm chart + openfold-argo install, submit --watch of the demo pipeline to Succeeded in real containers; alignments equal to the local executor's; logs --step align", checkContainersPipeline},
		{"containers: pods run as the templates' uid; a write outside /tmp and the shared volume fails (read-only root)", checkContainersSecurity},
		{"containers: the chart's executor Role minus patch makes Argo's executor fail the step", checkContainersRBAC},
		{"containers: an align pod OOM-killed under a low memory limit is retried with the escalated limit", checkContainersOOM},
		{"containers: a pod asking for more GPUs than the node has stays Pending (Argo v4.0.5 has no pending timeout)", checkContainersGPUPending},
	}
}

// advertiseGPUs adds nvidia.com/gpu to the node's capacity (the documented way to advertise an extended
// resource; the kubelet keeps what it does not manage).
func advertiseGPUs(ctx context.Context, c *Cluster) error {
	patch := fmt.Sprintf(`{"status":{"capacity":{%q:%q}}}`, gpuResource, gpusAdvertised)
	_, err := c.Kube.CoreV1().Nodes().Patch(ctx, nodeName, types.MergePatchType, []byte(patch), metav1.PatchOptions{}, "status")
	return err
}

// createHostPathVolume: the shared volume as a hostPath PersistentVolume bound to the config's claim, standing
// in for FSx (same access mode and mount path).
func createHostPathVolume(ctx context.Context, c *Cluster, namespace, claim, path string) error {
	name := namespace + "-" + claim
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			ClaimRef:                      &corev1.ObjectReference{Namespace: namespace, Name: claim},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: path},
			},
		},
	}
	if _, err := c.Kube.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("persistentvolume %s: %w", name, err)
	}
	empty := ""
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: claim},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			StorageClassName: &empty,
			VolumeName:       name,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
		},
	}
	if _, err := c.Kube.CoreV1().PersistentVolumeClaims(namespace).Create(ctx, pvc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("persistentvolumeclaim %s: %w", claim, err)
	}
	return nil
}

// chownTree gives the volume to the images' user, as an FSx volume prepared for these pods would be.
func chownTree(root string, uid int) error {
	return filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, uid)
	})
}

// helmInstall renders the chart for the e2e config (`openfold-argo render --chart`, into a copy of the chart)
// and installs it with the real helm: ServiceAccount, executor Role and RoleBinding, templates, semaphores.
func helmInstall(ctx context.Context, c *Cluster, config, dir, namespace string) (string, error) {
	chart := filepath.Join(dir, "chart")
	if out, err := exec.CommandContext(ctx, "cp", "-r", filepath.Join(c.Root, "charts", "openfold-argo"), chart).CombinedOutput(); err != nil {
		return "", fmt.Errorf("copying the chart: %v: %s", err, out)
	}
	render := exec.CommandContext(ctx, "node", filepath.Join(c.Root, "bin", "openfold-argo.js"), "render", "--config", config, "--chart", chart)
	if out, err := render.CombinedOutput(); err != nil {
		return "", fmt.Errorf("openfold-argo render --chart: %v: %s", err, out)
	}
	helm := filepath.Join(c.BinDir, "helm")
	cmd := exec.CommandContext(ctx, helm, "install", "openfold-argo", chart, "--namespace", namespace,
		"--kubeconfig", c.KubeconfigPath, "--set", "volume.type=existingClaim")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("helm install: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func checkContainersPipeline(ctx context.Context, c *Cluster) (string, error) {
	ns := []string{"-n", containersNamespace}
	dir := filepath.Join(c.WorkDir, "files", "containers")
	if err := mkdirAll(dir); err != nil {
		return "", err
	}
	started := time.Now()
	scoped := *c
	scoped.Namespace = containersNamespace
	demo, err := prepareDemo(ctx, &scoped, dir, "--single-node")
	if err != nil {
		return "", err
	}
	volume := filepath.Dir(demo.ArgoRunsRoot)
	config := filepath.Join(dir, "openfold-argo.argo.yaml")
	if err := writeRebasedConfig(ctx, c, demo.ConfigFile, volume, config); err != nil {
		return "", err
	}
	if err := chownTree(volume, imageUID); err != nil {
		return "", err
	}
	if err := c.ensureNamespace(ctx, containersNamespace); err != nil {
		return "", err
	}
	if err := createHostPathVolume(ctx, c, containersNamespace, demo.ClaimName, volume); err != nil {
		return "", err
	}
	if err := advertiseGPUs(ctx, c); err != nil {
		return "", err
	}
	if _, err := helmInstall(ctx, c, config, dir, containersNamespace); err != nil {
		return "", err
	}
	if _, err := expectOK(ctx, c, cliCommandTimeout, append([]string{"install", "--config", config}, ns...)...); err != nil {
		return "", err
	}
	prepared := time.Since(started)

	submitArgs := []string{"submit", "--watch"}
	for _, p := range sortedParameters(demo.ArgoParameters) {
		submitArgs = append(submitArgs, "-p", p.Name+"="+p.Value)
	}
	watched, err := expectOK(ctx, c, pipelineTimeout, append(submitArgs, ns...)...)
	if err != nil {
		return "", err
	}
	m := submittedLine.FindStringSubmatch(watched.stdout)
	if m == nil {
		return "", fmt.Errorf("want `submitted NAME in namespace %s`: %s", containersNamespace, watched)
	}
	name := m[1]
	wf, err := c.Dynamic.Resource(workflowsGVR).Namespace(containersNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	argoRun := filepath.Join(demo.ArgoRunsRoot, name)

	localStarted := time.Now()
	localRun, err := runLocalExecutor(ctx, c, demo)
	if err != nil {
		return "", err
	}
	localWall := time.Since(localStarted)
	paths := strings.NewReplacer(argoRun, "RUN", localRun, "RUN", volume, "VOLUME", filepath.Join(demo.LocalWorkdir, "volume"), "VOLUME")
	targets, files, err := compareRuns(argoRun, localRun, paths)
	if err != nil {
		return "", err
	}

	logs, err := expectOK(ctx, c, cliCommandTimeout, append([]string{"logs", name, "--step", "align"}, ns...)...)
	if err != nil {
		return "", err
	}
	logLines, err := realPodLogs(logs)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("submit --watch: %s Succeeded in real containers; %d targets, %d alignment files equal to the "+
		"local executor's; logs --step align: %d pod logs, %d lines; wall: prepare+install %.1fs, submit --watch %.1fs, "+
		"local executor %.1fs", name, targets, files, len(logLines), countLines(logs.stdout), prepared.Seconds(),
		watched.elapsed.Seconds(), localWall.Seconds()), nil
}

var logHeader = regexp.MustCompile(`(?m)^==> \S+-align\S* \(.*\) <==$`)

// realPodLogs: every align pod's header is followed by its log, never the "no log" note of the process mode.
func realPodLogs(run cliRun) ([]string, error) {
	headers := logHeader.FindAllString(run.stdout, -1)
	if len(headers) == 0 || strings.Contains(run.stdout, "(no log:") || countLines(run.stdout) <= len(headers) {
		return nil, fmt.Errorf("logs --step align: want each align pod's header and its log lines: %s", run)
	}
	return headers, nil
}

func countLines(s string) int { return strings.Count(s, "\n") }
