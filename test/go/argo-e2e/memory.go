package main

// The memory limit of a pod's main container, enforced the way the kernel's cgroup OOM killer and the kubelet
// would: when the resident memory of the pod's process group exceeds limits.memory, every process of the group
// gets SIGKILL (no grace period) and the container is reported terminated with reason OOMKilled and exit code
// 137. This is a stand-in, not a cgroup: the kubelet samples the group's RSS every oomSampleInterval from
// /proc/<pid>/stat, so a spike shorter than that is not seen, and page cache does not count.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const (
	oomReasonPrefix   = "OOMKilled"
	oomSampleInterval = 50 * time.Millisecond
)

// memoryLimit is the main container's limits.memory in bytes (0: none) and as written in the pod spec.
func memoryLimit(pod *corev1.Pod) (int64, string) {
	main := findContainer(pod.Spec.Containers, "main")
	if main == nil {
		return 0, ""
	}
	q, ok := main.Resources.Limits[corev1.ResourceMemory]
	if !ok {
		return 0, ""
	}
	return q.Value(), q.String()
}

// groupRSS is the resident memory of every process whose process group is pgid.
func groupRSS(pgid int) (int64, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	page := int64(os.Getpagesize())
	var total int64
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the process has exited
		}
		// pid (comm) state ppid pgrp ... rss is field 24; comm may hold spaces and parentheses.
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) < 22 {
			continue
		}
		if group, _ := strconv.Atoi(fields[2]); group != pgid {
			continue
		}
		pages, _ := strconv.ParseInt(fields[21], 10, 64)
		total += pages * page
	}
	return total, nil
}

// watchMemory sends one reason when the group's resident memory exceeds limit, and stops with ctx.
func watchMemory(ctx context.Context, pgid int, limit int64, display string) <-chan string {
	over := make(chan string, 1)
	go func() {
		ticker := time.NewTicker(oomSampleInterval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				if rss, err := groupRSS(pgid); err == nil && rss > limit {
					over <- fmt.Sprintf("%s: resident memory %d MiB over limits.memory %s", oomReasonPrefix, rss>>20, display)
					return
				}
			}
		}
	}()
	return over
}
