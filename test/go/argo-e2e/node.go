package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// The containers mode's node network: a bridge the harness creates before the API server starts, so the API
// server can listen on the bridge's address, which is where pods reach it (there is no kube-proxy: the
// executor is pointed at this address instead of the `kubernetes` Service's ClusterIP). No masquerading:
// pods reach the node and nothing beyond it.
const (
	nodeBridge  = "oa-e2e0"
	nodeIP      = "10.213.0.1"
	podSubnet   = "10.213.0.0/24"
	nodeName    = "e2e-node"
	cniNetwork  = "oa-e2e"
	cniBinDir   = "/usr/lib/cni" // Debian's containernetworking-plugins
	pauseImage  = "localhost/openfold-argo-e2e/pause:e2e"
	imagesStamp = "imported"
)

// NodeOptions says where the node finds its binaries and images and keeps its files.
type NodeOptions struct {
	BinDir         string // kubelet, kube-scheduler, kube-controller-manager, pause/argoexec archives
	WorkDir        string // state, sockets, logs, kubelet root: removed by the caller
	CacheDir       string // containerd's image store, kept between runs like podman's storage
	KubeconfigPath string
	CAFile         string // the API server's CA (the kube-root-ca.crt content)
	SAKeyFile      string // the ServiceAccount signing key (token controller)
	Images         []string
	Log            func(format string, args ...any)
}

// Node is containerd, a real kubelet, kube-scheduler and kube-controller-manager on this machine.
type Node struct {
	NodeOptions
	Timings  map[string]time.Duration
	Socket   string
	procs    []*nodeProcess
	before   hostState
	logFiles []*os.File
}

type nodeProcess struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
}

// CreateNodeBridge creates the bridge with the node address (the API server binds to it).
func CreateNodeBridge() error {
	// A bridge left by a killed run is removed first: the name is this harness's own.
	_ = exec.Command("ip", "link", "del", nodeBridge).Run()
	for _, args := range [][]string{
		{"link", "add", nodeBridge, "type", "bridge"},
		{"addr", "add", nodeIP + "/24", "dev", nodeBridge},
		{"link", "set", nodeBridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// NewNode records the host state the teardown restores, then returns the node (not started).
func NewNode(opts NodeOptions) (*Node, error) {
	n := &Node{NodeOptions: opts, Timings: map[string]time.Duration{}}
	n.Socket = filepath.Join(opts.WorkDir, "containerd", "containerd.sock")
	before, err := captureHostState()
	if err != nil {
		return nil, err
	}
	n.before = before
	return n, nil
}

func (n *Node) logFile(name string) (*os.File, error) {
	f, err := os.Create(filepath.Join(n.WorkDir, name))
	if err == nil {
		n.logFiles = append(n.logFiles, f)
	}
	return f, err
}

// spawn starts a node daemon; it dies with the harness (Pdeathsig) if the harness is killed.
func (n *Node) spawn(name string, argv ...string) (*nodeProcess, error) {
	log, err := n.logFile(name + ".log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &nodeProcess{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	n.procs = append(n.procs, p)
	return p, nil
}

// Start brings up containerd (and imports the images), the kubelet, the scheduler and the controller-manager,
// and waits until the node is Ready.
func (n *Node) Start(ctx context.Context, c *Cluster) error {
	started := time.Now()
	if err := n.startContainerd(ctx); err != nil {
		return err
	}
	n.Timings["containerd"] = time.Since(started)
	started = time.Now()
	if err := n.importImages(ctx); err != nil {
		return err
	}
	n.Timings["image import"] = time.Since(started)
	started = time.Now()
	if err := n.startKubelet(); err != nil {
		return err
	}
	if err := n.startScheduler(); err != nil {
		return err
	}
	if err := n.startControllerManager(); err != nil {
		return err
	}
	if err := n.waitReady(ctx, c); err != nil {
		return err
	}
	n.Timings["node Ready"] = time.Since(started)
	return nil
}

func (n *Node) startContainerd(ctx context.Context) error {
	dir := filepath.Join(n.WorkDir, "containerd")
	cniDir := filepath.Join(n.WorkDir, "cni")
	for _, d := range []string{dir, cniDir, n.CacheDir} {
		if err := mkdirAll(d); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(cniDir, "10-"+cniNetwork+".conflist"), []byte(cniConfig(filepath.Join(n.WorkDir, "cni-ipam"))), 0o644); err != nil {
		return err
	}
	config := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(config, []byte(containerdConfig(n.CacheDir, filepath.Join(dir, "state"), n.Socket, cniDir)), 0o644); err != nil {
		return err
	}
	p, err := n.spawn("containerd", "containerd", "--config", config)
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(time.Minute); ; {
		if err := n.ctr(ctx, nil, "version"); err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("containerd exited; see %s", filepath.Join(n.WorkDir, "containerd.log"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("containerd not answering after 1m; see %s", filepath.Join(n.WorkDir, "containerd.log"))
		}
	}
}

// containerdConfig: the CRI plugin with runc on cgroupfs, the local pause image, CNI from the work directory.
// restrict_oom_score_adj: without CAP_SYS_RESOURCE (these machines) runc cannot lower a score, and every
// sandbox would fail with "can't get final child's PID from pipe".
func containerdConfig(root, state, socket, cniDir string) string {
	return fmt.Sprintf(`version = 2
root = %q
state = %q
[grpc]
  address = %q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %q
    conf_dir = %q
`, root, state, socket, pauseImage, cniBinDir, cniDir)
}

func cniConfig(ipamDir string) string {
	return fmt.Sprintf(`{"cniVersion": "0.4.0", "name": %q, "plugins": [{"type": "bridge", "bridge": %q,
  "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "dataDir": %q,
  "ranges": [[{"subnet": %q, "gateway": %q}]]}}]}
`, cniNetwork, nodeBridge, ipamDir, podSubnet, nodeIP)
}

// ctr runs containerd's own client against this node's containerd, in the CRI's namespace.
func (n *Node) ctr(ctx context.Context, stdin *os.File, args ...string) error {
	cmd := exec.CommandContext(ctx, "ctr", append([]string{"--address", n.Socket, "--namespace", "k8s.io"}, args...)...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ctr %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// importImages moves each image from podman into containerd (`podman save | ctr import`) unless containerd's
// store already holds that podman image id (a stamp per image in the kept store).
func (n *Node) importImages(ctx context.Context) error {
	stamps := filepath.Join(n.CacheDir, imagesStamp)
	if err := mkdirAll(stamps); err != nil {
		return err
	}
	for _, image := range n.Images {
		id, err := exec.CommandContext(ctx, "podman", "image", "inspect", "--format", "{{.Id}}", image).Output()
		if err != nil {
			return fmt.Errorf("image %s is not in podman's storage (npm run images; .ci/setup.d/55-argo-containers.sh): %v", image, err)
		}
		stamp := filepath.Join(stamps, strings.NewReplacer("/", "_", ":", "_").Replace(image))
		if prev, err := os.ReadFile(stamp); err == nil && string(prev) == string(id) {
			continue
		}
		started := time.Now()
		if err := n.importImage(ctx, image); err != nil {
			return err
		}
		n.Log("containers: imported %s into containerd in %.1fs", image, time.Since(started).Seconds())
		if err := os.WriteFile(stamp, id, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (n *Node) importImage(ctx context.Context, image string) error {
	archive := filepath.Join(n.WorkDir, "image.tar")
	defer os.Remove(archive)
	if out, err := exec.CommandContext(ctx, "podman", "save", "--format", "docker-archive", "-o", archive, image).CombinedOutput(); err != nil {
		return fmt.Errorf("podman save %s: %v: %s", image, err, out)
	}
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	return n.ctr(ctx, f, "images", "import", "-")
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// kubeletConfig: kubelet 1.35 refuses cgroup v1 unless failCgroupV1 is false. No QoS cgroup tree and no
// iptables chains of its own, so the teardown has only containers, mounts and the bridge to remove. Eviction
// thresholds near zero: a shared development disk must not evict the test's pods.
func kubeletConfig(port, healthzPort, socket, logsDir string) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
address: %s
port: %s
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %s
containerRuntimeEndpoint: unix://%s
podLogsDir: %s
makeIPTablesUtilChains: false
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
evictionHard: {memory.available: "1Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
fileCheckFrequency: 1s
syncFrequency: 2s
nodeStatusUpdateFrequency: 2s
serializeImagePulls: false
`, nodeIP, port, healthzPort, socket, logsDir)
}

func (n *Node) startKubelet() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	healthz, err := freePort()
	if err != nil {
		return err
	}
	config := filepath.Join(n.WorkDir, "kubelet.yaml")
	logs := filepath.Join(n.WorkDir, "pod-logs")
	if err := mkdirAll(logs); err != nil {
		return err
	}
	if err := os.WriteFile(config, []byte(kubeletConfig(port, healthz, n.Socket, logs)), 0o644); err != nil {
		return err
	}
	_, err = n.spawn("kubelet", filepath.Join(n.BinDir, "kubelet"), "--config", config,
		"--kubeconfig", n.KubeconfigPath, "--root-dir", filepath.Join(n.WorkDir, "kubelet"),
		"--hostname-override", nodeName, "--node-ip", nodeIP, "--v", "1")
	return err
}

func (n *Node) startScheduler() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	_, err = n.spawn("kube-scheduler", filepath.Join(n.BinDir, "kube-scheduler"), "--kubeconfig", n.KubeconfigPath,
		"--authentication-kubeconfig", n.KubeconfigPath, "--authorization-kubeconfig", n.KubeconfigPath,
		"--leader-elect=false", "--bind-address", "127.0.0.1", "--secure-port", port)
	return err
}

// startControllerManager: binds the claim to the volume, publishes kube-root-ca.crt (projected ServiceAccount
// tokens need it), creates each namespace's default ServiceAccount, garbage-collects by owner.
func (n *Node) startControllerManager() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	_, err = n.spawn("kube-controller-manager", filepath.Join(n.BinDir, "kube-controller-manager"),
		"--kubeconfig", n.KubeconfigPath, "--authentication-kubeconfig", n.KubeconfigPath,
		"--authorization-kubeconfig", n.KubeconfigPath, "--leader-elect=false",
		"--bind-address", "127.0.0.1", "--secure-port", port, "--root-ca-file", n.CAFile,
		"--service-account-private-key-file", n.SAKeyFile, "--use-service-account-credentials=false")
	return err
}

func (n *Node) waitReady(ctx context.Context, c *Cluster) error {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		node, err := c.Kube.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err == nil {
			for _, cond := range node.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					return nil
				}
			}
		}
		for _, p := range n.procs {
			select {
			case <-p.exited:
				return fmt.Errorf("%s exited; see %s", p.name, filepath.Join(n.WorkDir, p.name+".log"))
			default:
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s not Ready after 3m (last error %v); see kubelet.log in %s", nodeName, err, n.WorkDir)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// configureNodeAPIServer makes the API server listen on the node address (pods reach it there; its serving
// certificate names it), mount ServiceAccount tokens into pods (envtest turns that admission plugin off), and
// reach the kubelet by the node's InternalIP for pods/log.
func configureNodeAPIServer(apiserver *envtest.APIServer) error {
	// envtest picks loopback unless both address and port are set.
	l, err := net.Listen("tcp", net.JoinHostPort(nodeIP, "0"))
	if err != nil {
		return fmt.Errorf("a port on the node address %s: %w", nodeIP, err)
	}
	apiserver.SecureServing.Port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()
	apiserver.SecureServing.Address = nodeIP
	apiserver.Configure().
		Disable("disable-admission-plugins").
		Set("advertise-address", nodeIP).
		Set("kubelet-preferred-address-types", "InternalIP")
	return nil
}

// executorConfig points Argo's executor (init and wait containers) at the API server on the node address: with
// no kube-proxy, the `kubernetes` Service's ClusterIP leads nowhere. Container env overrides the kubelet's
// service variables.
func executorConfig(host string) string {
	u, err := url.Parse(host)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("env:\n- name: KUBERNETES_SERVICE_HOST\n  value: %q\n- name: KUBERNETES_SERVICE_PORT\n  value: %q\n",
		u.Hostname(), u.Port())
}

// startNode starts containerd, the kubelet, the scheduler and the controller-manager against this API server.
func (c *Cluster) startNode(ctx context.Context) error {
	ca := filepath.Join(c.WorkDir, "ca.crt")
	if err := os.WriteFile(ca, c.Config.CAData, 0o644); err != nil {
		return err
	}
	c.Node.KubeconfigPath = c.KubeconfigPath
	c.Node.CAFile = ca
	c.Node.SAKeyFile = filepath.Join(c.env.ControlPlane.APIServer.CertDir, "sa-signer.key")
	if err := c.Node.Start(ctx, c); err != nil {
		return err
	}
	for name, d := range c.Node.Timings {
		c.Timings[name] = d
	}
	return nil
}
