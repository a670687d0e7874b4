// Command pause is the sandbox ("pause") container of the containers mode: it holds a pod's namespaces open,
// reaps orphans (it is PID 1 when the pod shares its process namespace) and exits on SIGINT or SIGTERM.
// Built static and packaged as an OCI image by .ci/setup.d/55-argo-containers.sh, so nothing is pulled.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
