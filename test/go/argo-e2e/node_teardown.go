package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// What the node may add to the host outside its work directory; captured before it starts so the teardown
// removes exactly what the run added and nothing that was there before. Only what is recognisably this
// node's is touched (other users of the machine, podman among them, add mounts, netns and rules meanwhile).
// ip_forward, which the CNI bridge plugin turns on, is left as it is: podman needs it too.
type hostState struct {
	mounts     map[string]bool
	netns      map[string]bool
	cniResults map[string]bool
	logLinks   map[string]bool
	// /run/containerd existed (the shims' sockets and runc's state go there, whatever the config).
	runDir   bool
	cgroups  map[string]bool     // /sys/fs/cgroup/<controller>/k8s.io that existed
	iptables map[string][]string // "table" -> `iptables -S` lines
}

const (
	netnsDir      = "/run/netns"
	cniResultsDir = "/var/lib/cni/results"
	// The kubelet links each container's log here (a fixed path), pointing into its pod logs directory.
	containerLogLinks = "/var/log/containers"
	containerdRunDir  = "/run/containerd"
	// Network namespaces containerd's CRI creates are named cni-<uuid>; CNI results <network>-<id>-<ifname>.
	netnsPrefix = "cni-"
)

var iptablesTables = []string{"filter", "nat", "mangle"}

func mountPoints() (map[string]bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	points := map[string]bool{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if fields := strings.Fields(scanner.Text()); len(fields) > 4 {
			points[fields[4]] = true
		}
	}
	return points, scanner.Err()
}

func dirEntries(dir string) map[string]bool {
	names := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

func iptablesRules(table string) []string {
	out, err := exec.Command("iptables", "-t", table, "-S").Output()
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func captureHostState() (hostState, error) {
	mounts, err := mountPoints()
	if err != nil {
		return hostState{}, err
	}
	s := hostState{mounts: mounts, netns: dirEntries(netnsDir), cniResults: dirEntries(cniResultsDir),
		logLinks: dirEntries(containerLogLinks), iptables: map[string][]string{}}
	if _, err := os.Stat(containerdRunDir); err == nil {
		s.runDir = true
	}
	s.cgroups = map[string]bool{}
	for _, dir := range containerCgroups() {
		s.cgroups[dir] = true
	}
	for _, t := range iptablesTables {
		s.iptables[t] = iptablesRules(t)
	}
	return s, nil
}

// Stop ends every container, then the daemons (by pid, newest first), then removes what the run added to the
// host: mounts, network namespaces, the bridge, CNI results, iptables rules and chains. Returns
// what it could not remove.
func (n *Node) Stop() []string {
	var problems []string
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The kubelet and the controllers first (they would restart what is removed), then the containers, then
	// containerd.
	for i := len(n.procs) - 1; i >= 0; i-- {
		if n.procs[i].name != "containerd" {
			stopProcess(n.procs[i])
		}
	}
	if n.containerdRunning() {
		problems = append(problems, n.removeContainers(ctx)...)
	}
	for _, p := range n.procs {
		if p.name == "containerd" {
			stopProcess(p)
		}
	}
	problems = append(problems, n.killShims()...)
	problems = append(problems, n.restoreHost()...)
	for _, f := range n.logFiles {
		_ = f.Close()
	}
	return problems
}

func (n *Node) containerdRunning() bool {
	for _, p := range n.procs {
		if p.name == "containerd" {
			select {
			case <-p.exited:
				return false
			default:
				return true
			}
		}
	}
	return false
}

// removeContainers kills and deletes every task and container in the CRI namespace (pods the kubelet did not
// stop itself), so no container process outlives the run.
func (n *Node) removeContainers(ctx context.Context) []string {
	out, err := exec.CommandContext(ctx, "ctr", "--address", n.Socket, "--namespace", "k8s.io", "containers", "list", "-q").Output()
	if err != nil {
		return []string{fmt.Sprintf("ctr containers list: %v", err)}
	}
	var problems []string
	for _, id := range strings.Fields(string(out)) {
		_ = n.ctr(ctx, nil, "tasks", "kill", "--signal", "SIGKILL", id)
		_ = n.ctr(ctx, nil, "tasks", "delete", "--force", id)
		if err := n.ctr(ctx, nil, "containers", "delete", id); err != nil {
			problems = append(problems, err.Error())
		}
	}
	return problems
}

func stopProcess(p *nodeProcess) {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// killShims ends containerd-shim processes this node's containerd started (their command line names its
// socket), by pid: shims outlive containerd by design.
func (n *Node) killShims() []string {
	entries, _ := os.ReadDir("/proc")
	var problems []string
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), "containerd-shim") || !strings.Contains(string(cmdline), n.Socket) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			problems = append(problems, fmt.Sprintf("kill shim %d: %v", pid, err))
		}
	}
	return problems
}

func (n *Node) restoreHost() []string {
	var problems []string
	after, err := mountPoints()
	if err != nil {
		problems = append(problems, err.Error())
	}
	// Deepest first, so a mount inside another goes before it.
	var added []string
	for point := range after {
		if !n.before.mounts[point] && n.owns(point) {
			added = append(added, point)
		}
	}
	sort.Slice(added, func(i, j int) bool { return len(added[i]) > len(added[j]) })
	for _, point := range added {
		if err := syscall.Unmount(point, syscall.MNT_DETACH); err != nil {
			problems = append(problems, fmt.Sprintf("umount %s: %v", point, err))
		}
	}
	for name := range dirEntries(netnsDir) {
		if !n.before.netns[name] && strings.HasPrefix(name, netnsPrefix) {
			_ = os.Remove(filepath.Join(netnsDir, name))
		}
	}
	for name := range dirEntries(cniResultsDir) {
		if !n.before.cniResults[name] && strings.HasPrefix(name, cniNetwork+"-") {
			_ = os.Remove(filepath.Join(cniResultsDir, name))
		}
	}
	for name := range dirEntries(containerLogLinks) {
		link := filepath.Join(containerLogLinks, name)
		if target, err := os.Readlink(link); err == nil && !n.before.logLinks[name] && strings.HasPrefix(target, n.WorkDir) {
			_ = os.Remove(link)
		}
	}
	if !n.before.runDir {
		_ = os.RemoveAll(containerdRunDir)
	}
	for _, dir := range containerCgroups() {
		if !n.before.cgroups[dir] {
			if err := removeCgroupTree(dir); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	if out, err := exec.Command("ip", "link", "del", nodeBridge).CombinedOutput(); err != nil {
		problems = append(problems, fmt.Sprintf("ip link del %s: %v: %s", nodeBridge, err, out))
	}
	problems = append(problems, n.restoreIptables()...)
	return problems
}

// owns: a mount point under this node's directories or one of its pods' network namespaces.
func (n *Node) owns(point string) bool {
	for _, dir := range []string{n.WorkDir, n.CacheDir, filepath.Join(netnsDir, netnsPrefix)} {
		if strings.HasPrefix(point, dir) {
			return true
		}
	}
	return false
}

// ownRule: an iptables line that is this node's: it names the bridge, the pod subnet or the CNI network, or a
// chain of the kubelet's (KUBE-*), which nothing else on these machines creates.
func ownRule(line string) bool {
	return strings.Contains(line, nodeBridge) || strings.Contains(line, strings.TrimSuffix(podSubnet, "0/24")) ||
		strings.Contains(line, cniNetwork) || strings.Contains(line, "KUBE-")
}

// restoreIptables deletes this node's rules and chains that appeared during the run (the CNI bridge plugin
// and the kubelet may add some), rules first, then the chains.
func (n *Node) restoreIptables() []string {
	var problems []string
	for _, table := range iptablesTables {
		before := map[string]bool{}
		for _, line := range n.before.iptables[table] {
			before[line] = true
		}
		var chains []string
		for _, line := range iptablesRules(table) {
			if before[line] || !ownRule(line) {
				continue
			}
			fields := strings.Fields(line)
			switch {
			case len(fields) > 2 && fields[0] == "-A":
				args := append([]string{"-t", table, "-D"}, unquoteFields(fields[1:])...)
				if out, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
					problems = append(problems, fmt.Sprintf("iptables %s: %v: %s", strings.Join(args, " "), err, out))
				}
			case len(fields) == 2 && fields[0] == "-N":
				chains = append(chains, fields[1])
			}
		}
		for _, chain := range chains {
			_ = exec.Command("iptables", "-t", table, "-F", chain).Run()
			if out, err := exec.Command("iptables", "-t", table, "-X", chain).CombinedOutput(); err != nil {
				problems = append(problems, fmt.Sprintf("iptables -t %s -X %s: %v: %s", table, chain, err, out))
			}
		}
	}
	return problems
}

// unquoteFields joins `iptables -S` fields that were quoted ("--comment "a b"") back into single arguments.
func unquoteFields(fields []string) []string {
	var out []string
	var quoted []string
	for _, f := range fields {
		switch {
		case quoted != nil:
			quoted = append(quoted, f)
			if strings.HasSuffix(f, `"`) {
				out = append(out, strings.Trim(strings.Join(quoted, " "), `"`))
				quoted = nil
			}
		case strings.HasPrefix(f, `"`) && (len(f) == 1 || !strings.HasSuffix(f, `"`)):
			quoted = []string{f}
		default:
			out = append(out, strings.Trim(f, `"`))
		}
	}
	return out
}

// containerCgroups: the cgroup v1 parents containerd's CRI puts containers under when the kubelet runs
// without QoS cgroups (/sys/fs/cgroup/<controller>/k8s.io).
func containerCgroups() []string {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + criNamespace)
	return dirs
}

const criNamespace = "k8s.io"

// removeCgroupTree removes a cgroup directory and its children, deepest first (rmdir is how cgroups go).
func removeCgroupTree(root string) error {
	var dirs []string
	_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, dir := range dirs {
		if err := syscall.Rmdir(dir); err != nil {
			return fmt.Errorf("rmdir %s: %v", dir, err)
		}
	}
	return nil
}
