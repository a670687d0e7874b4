package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

//go:embed versions.env
var versionsEnv string

// Versions of the control plane, from versions.env (shared with the setup script).
type Versions struct{ K8s, Etcd, Argo string }

func loadVersions() (Versions, error) {
	values := map[string]string{}
	scanner := bufio.NewScanner(strings.NewReader(versionsEnv))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return Versions{}, fmt.Errorf("versions.env: line %q is not KEY=VALUE", line)
		}
		values[key] = value
	}
	v := Versions{K8s: values["K8S_VERSION"], Etcd: values["ETCD_VERSION"], Argo: values["ARGO_VERSION"]}
	if v.K8s == "" || v.Etcd == "" || v.Argo == "" {
		return Versions{}, fmt.Errorf("versions.env: K8S_VERSION, ETCD_VERSION and ARGO_VERSION must all be set")
	}
	return v, nil
}

// etcdMaxRequestBytes lifts etcd's 1.5 MiB default request limit. The largest full Argo CRD (workflows, CEL rules
// included) is stored as ~1.17 MB of protobuf with its managedFields: under the default, but with little margin
// for CRD growth; a write etcd refuses surfaces as an API server error. The API server's own etcd client still
// caps a request at 2 MiB (etcd clientv3 default), which no flag changes.
const etcdMaxRequestBytes = "8388608"

// Options says where the cluster finds its binaries and keeps its files.
type Options struct {
	Root      string // project root: bin/openfold-argo.js lives here
	BinDir    string // kube-apiserver, etcd, workflow-controller
	CRDDir    string // Argo's manifests/base/crds/full
	WorkDir   string // logs, kubeconfig, pod working directories; removed by the caller
	Namespace string
	Log       func(format string, args ...any)
}

// Cluster is a running etcd + kube-apiserver with Argo's CRDs, Argo's workflow-controller and the fake kubelet.
type Cluster struct {
	Options
	Config         *rest.Config
	Kube           kubernetes.Interface
	Dynamic        dynamic.Interface
	Kubelet        *Kubelet
	KubeconfigPath string
	Timings        map[string]time.Duration

	env        *envtest.Environment
	controller *exec.Cmd
	stopped    chan struct{}
	logFiles   []*os.File
	cancel     context.CancelFunc
}

// argoCRDDir returns Argo's full CRDs from the Go module cache (downloading the module if needed), so the CRDs
// always match the controller version and are never copied into the repository.
func argoCRDDir(version string) (string, error) {
	// ARGO_E2E_CRD_DIR: the CRDs of another Argo release, with a workflow-controller of that release in -bin
	// (the Go module proxy serves v4.0.5 as the newest v4; see README "Argo version").
	if dir := os.Getenv("ARGO_E2E_CRD_DIR"); dir != "" {
		return dir, nil
	}
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/argoproj/argo-workflows/v4@"+version).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download github.com/argoproj/argo-workflows/v4@%s: %w", version, err)
	}
	var module struct{ Dir, Error string }
	if err := json.Unmarshal(out, &module); err != nil {
		return "", fmt.Errorf("go mod download -json: %w", err)
	}
	if module.Error != "" {
		return "", errors.New(module.Error)
	}
	return filepath.Join(module.Dir, "manifests", "base", "crds", "full"), nil
}

func (c *Cluster) logFile(name string) (*os.File, error) {
	f, err := os.Create(filepath.Join(c.WorkDir, name))
	if err == nil {
		c.logFiles = append(c.logFiles, f)
	}
	return f, err
}

// StartCluster brings up etcd and the API server, installs the CRDs, the controller ConfigMap and the namespace,
// then starts the workflow-controller and the fake kubelet. Call Stop in every case.
func StartCluster(ctx context.Context, opts Options) (*Cluster, error) {
	c := &Cluster{Options: opts, Timings: map[string]time.Duration{}, stopped: make(chan struct{})}
	if err := c.startControlPlane(); err != nil {
		return c, err
	}
	if err := c.installControllerPrerequisites(ctx); err != nil {
		return c, err
	}
	if err := c.startKubelet(ctx); err != nil {
		return c, err
	}
	if err := c.startController(ctx); err != nil {
		return c, err
	}
	return c, nil
}

func (c *Cluster) startControlPlane() error {
	etcdLog, err := c.logFile("etcd.log")
	if err != nil {
		return err
	}
	apiserverLog, err := c.logFile("kube-apiserver.log")
	if err != nil {
		return err
	}
	etcd := &envtest.Etcd{Out: etcdLog, Err: etcdLog}
	// ARGO_E2E_ETCD_MAX_REQUEST_BYTES overrides the limit ("default": etcd's own), to show what the margin is.
	switch limit := os.Getenv("ARGO_E2E_ETCD_MAX_REQUEST_BYTES"); limit {
	case "":
		etcd.Configure().Set("max-request-bytes", etcdMaxRequestBytes)
	case "default":
	default:
		etcd.Configure().Set("max-request-bytes", limit)
	}
	apiserver := &envtest.APIServer{Out: apiserverLog, Err: apiserverLog}
	c.env = &envtest.Environment{
		ControlPlane:             envtest.ControlPlane{Etcd: etcd, APIServer: apiserver},
		BinaryAssetsDirectory:    c.BinDir,
		CRDDirectoryPaths:        []string{c.CRDDir},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 3 * time.Minute,
		// envtest waits 10 s by default for the CRDs to be served; on a loaded shared machine that is too short.
		CRDInstallOptions:       envtest.CRDInstallOptions{MaxTime: 2 * time.Minute},
		ControlPlaneStopTimeout: 30 * time.Second,
	}
	// envtest starts the processes, then creates the CRDs and waits for them to be served.
	started := time.Now()
	cfg, err := c.env.Start()
	if err != nil {
		return fmt.Errorf("control plane (logs in %s): %w", c.WorkDir, err)
	}
	c.Timings["control plane + CRDs"] = time.Since(started)
	c.Config = cfg
	if c.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return err
	}
	c.KubeconfigPath = filepath.Join(c.WorkDir, "kubeconfig")
	return os.WriteFile(c.KubeconfigPath, c.env.KubeConfig, 0o600)
}

// installControllerPrerequisites creates what the controller needs before it starts: its namespace and its
// ConfigMap (the controller refuses to start without it). There is no kube-controller-manager, so the default
// ServiceAccount is created by hand.
func (c *Cluster) installControllerPrerequisites(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.Namespace}}
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("namespace %s: %w", c.Namespace, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := c.Kube.CoreV1().ServiceAccounts(c.Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("serviceaccount default: %w", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "workflow-controller-configmap"},
		Data:       map[string]string{},
	}
	if _, err := c.Kube.CoreV1().ConfigMaps(c.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("configmap workflow-controller-configmap: %w", err)
	}
	return nil
}

func (c *Cluster) startKubelet(ctx context.Context) error {
	kubeletCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	k, err := NewKubelet(c.Kube, c.Dynamic, KubeletOptions{
		Root:    c.Root,
		WorkDir: filepath.Join(c.WorkDir, "pods"),
		Log:     c.Log,
	})
	if err != nil {
		return err
	}
	c.Kubelet = k
	return k.Start(kubeletCtx)
}

func (c *Cluster) startController(ctx context.Context) error {
	controllerLog, err := c.logFile("workflow-controller.log")
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(c.BinDir, "workflow-controller"),
		"--kubeconfig", c.KubeconfigPath, "--namespace", c.Namespace, "--loglevel", "info")
	cmd.Env = append(os.Environ(), "LEADER_ELECTION_DISABLE=true", "DEFAULT_REQUEUE_TIME=1s")
	cmd.Stdout, cmd.Stderr = controllerLog, controllerLog
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("workflow-controller: %w", err)
	}
	c.controller = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); close(c.stopped) }()
	// /healthz on :6060 (hard-coded in the controller) answers once the controller runs.
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("workflow-controller exited early (%v); see %s", err, controllerLog.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if resp, err := http.Get("http://127.0.0.1:6060/healthz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.Timings["workflow-controller ready"] = time.Since(started)
				return nil
			}
		}
		if time.Since(started) > 2*time.Minute {
			return fmt.Errorf("workflow-controller not healthy after 2m; see %s", controllerLog.Name())
		}
	}
}

// Stop ends the controller, the kubelet's processes and the control plane.
func (c *Cluster) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	if c.Kubelet != nil {
		c.Kubelet.Wait()
	}
	if c.controller != nil && c.controller.Process != nil {
		_ = c.controller.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.stopped:
		case <-time.After(10 * time.Second):
			_ = c.controller.Process.Kill()
			<-c.stopped
		}
	}
	if c.env != nil {
		if err := c.env.Stop(); err != nil {
			c.Log("stopping control plane: %v", err)
		}
	}
	for _, f := range c.logFiles {
		_ = f.Close()
	}
}
