// Command argo-e2e runs Argo Workflows end to end without Docker or a cluster: etcd and kube-apiserver built from
// Go modules, Argo's full CRDs, Argo's real workflow-controller, and a fake kubelet that runs each workflow pod's
// main command as a local process (see kubelet.go).
//
//	argo-e2e [flags] check                  run the checks; ends with "N passed, N failed"
//	argo-e2e [flags] check containers       the containers mode: pods in containers under a real kubelet,
//	                                        containerd and Argo's real executor (node.go)
//	argo-e2e [flags] up                     start everything and wait for Ctrl-C (prints the kubeconfig path)
//	argo-e2e [flags] run-template -f FILE -t TEMPLATE [-p NAME=VALUE]... [-timeout 30m]
//	                                        apply FILE, run WorkflowTemplate TEMPLATE, print the nodes
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "argo-e2e: "+format+"\n", args...)
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// findRoot walks up from the working directory to the project root (the directory with bin/openfold-argo.js).
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "bin", "openfold-argo.js")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no bin/openfold-argo.js above the working directory; pass -root")
		}
		dir = parent
	}
}

type paramFlags []Parameter

func (p *paramFlags) String() string { return fmt.Sprint(*p) }
func (p *paramFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("parameter %q is not NAME=VALUE", s)
	}
	*p = append(*p, Parameter{name, value})
	return nil
}

func run(args []string) int {
	flags := flag.NewFlagSet("argo-e2e", flag.ContinueOnError)
	root := flags.String("root", "", "project root (default: found above the working directory)")
	binDir := flags.String("bin", "", "directory with kube-apiserver, etcd, workflow-controller (default: ROOT/.cache/bin)")
	keep := flags.Bool("keep", false, "keep the work directory (logs, kubeconfig, pod files) after a pass too")
	namespace := flags.String("namespace", "argo", "namespace of the controller and the workflows")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	command := flags.Arg(0)
	if command == "" {
		command = "check"
	}
	var err error
	if *root == "" {
		if *root, err = findRoot(); err != nil {
			logf("%v", err)
			return 2
		}
	}
	if *binDir == "" {
		*binDir = filepath.Join(*root, ".cache", "bin")
	}
	for _, name := range []string{"kube-apiserver", "etcd", "workflow-controller"} {
		if _, err := os.Stat(filepath.Join(*binDir, name)); err != nil {
			logf("%s missing in %s: run .ci/setup.d/50-argo-e2e.sh", name, *binDir)
			return 2
		}
	}
	versions, err := loadVersions()
	if err != nil {
		logf("%v", err)
		return 2
	}
	crdDir, err := argoCRDDir(versions.Argo)
	if err != nil {
		logf("%v", err)
		return 2
	}
	workDir, err := os.MkdirTemp("", "argo-e2e-")
	if err != nil {
		logf("%v", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := Options{Root: *root, BinDir: *binDir, CRDDir: crdDir, WorkDir: workDir, Namespace: *namespace, Log: logf}
	if command == "check" && slices.Contains(flags.Args()[1:], containersWord) {
		if err := containersOptions(&opts, versions); err != nil {
			logf("%v", err)
			return 2
		}
	}
	logf("Kubernetes %s, etcd %s, Argo %s; work directory %s; mode %s", versions.K8s, versions.Etcd, versions.Argo, workDir, modeName(opts))
	started := time.Now()
	cluster, err := StartCluster(ctx, opts)
	code := 1
	defer func() {
		cluster.Stop()
		if code == 0 && !*keep && command != "up" {
			_ = os.RemoveAll(workDir)
		} else {
			logf("logs and pod files kept in %s", workDir)
		}
	}()
	if err != nil {
		logf("start: %v", err)
		return code
	}
	logf("control plane up in %.1fs (%s)", time.Since(started).Seconds(), formatTimings(cluster.Timings))

	switch command {
	case "check":
		code = runChecks(ctx, cluster, flags.Args()[1:], modeName(opts))
	case "up":
		fmt.Printf("KUBECONFIG=%s\n", cluster.KubeconfigPath)
		logf("up; Ctrl-C to stop")
		<-ctx.Done()
		code = 0
	case "run-template":
		code = runTemplate(ctx, cluster, flags.Args()[1:])
	default:
		logf("unknown command %q (check, up, run-template)", command)
		code = 2
	}
	return code
}

func formatTimings(timings map[string]time.Duration) string {
	names := make([]string, 0, len(timings))
	for name := range timings {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %.1fs", name, timings[name].Seconds())
	}
	return strings.Join(parts, ", ")
}

// runChecks runs the checks of the cluster's mode concurrently (each uses its own workflow) and reports them in
// order; the closing line names the mode.
func runChecks(ctx context.Context, c *Cluster, only []string, mode string) int {
	checks := Checks()
	if c.Containers {
		checks = ContainerChecks()
	}
	only = slicesFilter(only, func(word string) bool { return word != containersWord })
	if len(only) > 0 {
		checks = slicesFilter(checks, func(ch Check) bool {
			for _, s := range only {
				if strings.Contains(ch.Name, s) {
					return true
				}
			}
			return false
		})
	}
	type outcome struct {
		detail  string
		err     error
		elapsed time.Duration
	}
	outcomes := make([]outcome, len(checks))
	var wg sync.WaitGroup
	for i, ch := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started := time.Now()
			detail, err := ch.Run(ctx, c)
			outcomes[i] = outcome{detail, err, time.Since(started)}
		}()
	}
	wg.Wait()
	passed, failed := 0, 0
	for i, ch := range checks {
		o := outcomes[i]
		if o.err != nil {
			failed++
			fmt.Printf("FAIL %s (%.1fs): %v\n", ch.Name, o.elapsed.Seconds(), o.err)
		} else {
			passed++
			fmt.Printf("ok   %s (%.1fs): %s\n", ch.Name, o.elapsed.Seconds(), o.detail)
		}
	}
	fmt.Printf("%d passed, %d failed (%s)\n", passed, failed, mode)
	if failed > 0 {
		return 1
	}
	return 0
}

func slicesFilter[T any](items []T, keep func(T) bool) []T {
	var out []T
	for _, item := range items {
		if keep(item) {
			out = append(out, item)
		}
	}
	return out
}

func runTemplate(ctx context.Context, c *Cluster, args []string) int {
	flags := flag.NewFlagSet("run-template", flag.ContinueOnError)
	file := flags.String("f", "", "YAML file to apply (WorkflowTemplates, ConfigMaps, ...)")
	template := flags.String("t", "", "WorkflowTemplate to run")
	timeout := flags.Duration("timeout", 30*time.Minute, "how long to wait for the workflow")
	var params paramFlags
	flags.Var(&params, "p", "workflow parameter NAME=VALUE (repeatable)")
	if err := flags.Parse(args); err != nil || *file == "" || *template == "" {
		logf("run-template needs -f FILE and -t TEMPLATE")
		return 2
	}
	started := time.Now()
	wf, err := c.RunTemplateFile(ctx, *file, *template, params, *timeout)
	if wf != nil {
		for _, n := range Nodes(wf) {
			fmt.Printf("%-10s %-9s %s %s\n", n.Phase, n.Type, n.Name, n.Message)
		}
		fmt.Printf("workflow %s: %s in %.1fs\n", wf.GetName(), WorkflowPhase(wf), time.Since(started).Seconds())
	}
	if err != nil {
		logf("%v", err)
		return 1
	}
	if WorkflowPhase(wf) != "Succeeded" {
		return 1
	}
	return 0
}
