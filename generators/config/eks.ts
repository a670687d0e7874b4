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

// vCPU, memory, GPUs: EC2's instance type pages (the G5 figures also in the AWS Batch user guide's GPU table,
// docs.aws.amazon.com/batch/latest/userguide/gpu-jobs.html). ENIs and IPv4 addresses per ENI: EC2
// DescribeInstanceTypes as recorded in amazon-eks-ami nodeadm/internal/kubelet/instance-info.jsonl. The one table
// the default node classes (schema.ts) and the cost model's allocatable figures (cost.ts) are computed from.
export const INSTANCE_SHAPES: Record<string, InstanceShape> = {
  'm6i.large': { vcpus: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10, gpus: 0 },
  'm6i.4xlarge': { vcpus: 16, memoryGiB: 64, enis: 8, ipv4PerEni: 30, gpus: 0 },
  'm6i.8xlarge': { vcpus: 32, memoryGiB: 128, enis: 8, ipv4PerEni: 30, gpus: 0 },
  'r6i.4xlarge': { vcpus: 16, memoryGiB: 128, enis: 8, ipv4PerEni: 30, gpus: 0 },
  'r6i.8xlarge': { vcpus: 32, memoryGiB: 256, enis: 8, ipv4PerEni: 30, gpus: 0 },
  'g5.xlarge': { vcpus: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15, gpus: 1 },
  'g5.2xlarge': { vcpus: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15, gpus: 1 },
  'g5.4xlarge': { vcpus: 16, memoryGiB: 64, enis: 8, ipv4PerEni: 30, gpus: 1 },
  'p3.2xlarge': { vcpus: 8, memoryGiB: 61, enis: 4, ipv4PerEni: 15, gpus: 1 },
  'p4d.24xlarge': { vcpus: 96, memoryGiB: 1152, enis: 15, ipv4PerEni: 50, gpus: 8 },
};

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

/** An instance type's allocatable figures as plain numbers (CPUs, GiB to two decimals, GPUs), for the cost model. */
export function eksAllocatableNumbers(instanceType: string): { cpu: number; memoryGiB: number; gpu: number } {
  const shape = INSTANCE_SHAPES[instanceType];
  if (!shape) throw new Error(`no instance shape for ${instanceType} (generators/config/eks.ts)`);
  const a = eksAllocatable(shape);
  return {
    cpu: Number.parseInt(a.cpu, 10) / 1000,
    memoryGiB: Math.floor((Number.parseInt(a.memory, 10) / 1024) * 100) / 100,
    gpu: a.gpus,
  };
}
