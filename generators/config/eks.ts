// The allocatable resources of an EKS node, as the EKS AMIs' nodeadm computes the kubelet's reservations
// (awslabs/amazon-eks-ami, nodeadm/internal/kubelet/config.go and eni_max_pods.go):
// - max pods = ENIs * (IPv4 addresses per ENI - 1) + 2 (calculateStandardMaxPods);
// - kube-reserved memory = 11 MiB * max pods + 255 MiB (getMemoryMebibytesToReserve);
// - kube-reserved CPU = 6% of the first core, 1% of the second, 0.5% of the third and fourth, 0.25% of every
//   core above four (getCPUMillicoresToReserve);
// - eviction threshold memory.available < 100Mi (defaultKubeletSubConfig); no system-reserved.
// The memory the kubelet sees as capacity is less than the instance's nominal memory (the kernel keeps some);
// like Karpenter's scheduler (settings.vmMemoryOverheadPercent, default 0.075) we take 7.5% off the nominal
// memory before the reservations. The figures are for the config's defaults and the README; a cluster's real
// ones are in `kubectl get node -o jsonpath='{.status.allocatable}'`.

export interface InstanceShape {
  vcpus: number;
  memoryGiB: number;
  /** From EC2's DescribeInstanceTypes (nodeadm's instance-info.jsonl): DefaultMaxENIs and Ipv4AddressesPerInterface. */
  enis: number;
  ipv4PerEni: number;
  gpus: number;
}

export const VM_MEMORY_OVERHEAD = 0.075;
export const EVICTION_HARD_MIB = 100;

export function eksMaxPods(s: InstanceShape): number {
  return s.enis * (s.ipv4PerEni - 1) + 2;
}

export function kubeReservedMemoryMiB(maxPods: number): number {
  return 11 * maxPods + 255;
}

export function kubeReservedCpuMillis(vcpus: number): number {
  const total = vcpus * 1000;
  const ranges: [number, number, number][] = [
    [0, 1000, 600],
    [1000, 2000, 100],
    [2000, 4000, 50],
    [4000, total, 25],
  ];
  // Integer arithmetic as nodeadm's: (min(total, end) - start) * basis points / 10000.
  return ranges.reduce(
    (sum, [start, end, bp]) => (total <= start ? sum : sum + Math.floor(((Math.min(total, end) - start) * bp) / 10000)),
    0,
  );
}

export interface Allocatable {
  cpu: string;
  memory: string;
  gpus: number;
}

export function eksAllocatable(s: InstanceShape): Allocatable {
  const capacityMiB = Math.floor(s.memoryGiB * 1024 * (1 - VM_MEMORY_OVERHEAD));
  return {
    cpu: `${s.vcpus * 1000 - kubeReservedCpuMillis(s.vcpus)}m`,
    memory: `${capacityMiB - kubeReservedMemoryMiB(eksMaxPods(s)) - EVICTION_HARD_MIB}Mi`,
    gpus: s.gpus,
  };
}
