// The openfold-argo images: where each is defined, which public bases its Dockerfile names, and whether it
// can be built from package registries alone (stand-in bases) or only where its public sources are reachable.
import { LOCAL_IMAGE_REPOSITORY, LOCAL_IMAGE_TAG } from '../generators/config/schema.js';
import type { ImageKey } from '../generators/config/images.js';

export type ImageName = ImageKey;

export interface ImageSpec {
  readonly name: ImageName;
  readonly summary: string;
  /** Why it cannot be built from stand-in bases; absent when it can. */
  readonly needsPublicSources?: string;
}

export const IMAGES: readonly ImageSpec[] = [
  { name: 'tools', summary: 'Node 20, the openfold-argo CLI (databases, split, collect) and s5cmd' },
  { name: 'msa', summary: "Debian's hmmer, hh-suite and MMseqs2 with the align step" },
  { name: 'openfold3', summary: 'OpenFold3 and PyTorch from PyPI with the predict step' },
  {
    name: 'openfold',
    summary: 'AF2-class OpenFold on CUDA with the predict step',
    needsPublicSources: "its Dockerfile needs NVIDIA's CUDA base images, Miniforge and OpenFold's source from GitHub, and conda channels",
  },
];

export const IMAGE_NAMES: readonly ImageName[] = IMAGES.map((i) => i.name);

export const dockerfilePath = (name: ImageName): string => `images/${name}/Dockerfile`;
export const ignorefilePath = (name: ImageName): string => `images/${name}/Dockerfile.dockerignore`;

/** The local name `npm run images` gives an image: the config's default repository. */
export const localRepository = (name: ImageName): string => `${LOCAL_IMAGE_REPOSITORY}/${name}`;
export const localRef = (name: ImageName, tag = LOCAL_IMAGE_TAG): string => `${localRepository(name)}:${tag}`;

export function imageSpec(name: string): ImageSpec {
  const spec = IMAGES.find((i) => i.name === name);
  if (!spec) throw new Error(`no image ${JSON.stringify(name)}: the images are ${IMAGE_NAMES.join(', ')}`);
  return spec;
}

/**
 * The base images a Dockerfile names through `ARG <X>_IMAGE=<ref>` before its first FROM (the only way our
 * Dockerfiles name a base, so each can be replaced with --build-arg).
 */
export function publicBases(dockerfile: string): Record<string, string> {
  const bases: Record<string, string> = {};
  for (const line of dockerfile.split('\n')) {
    if (/^FROM\s/i.test(line)) break;
    const m = /^ARG\s+([A-Z0-9_]+_IMAGE)=(\S+)\s*$/.exec(line);
    if (m) bases[m[1]] = m[2];
  }
  return bases;
}

/**
 * A reference with its registry spelled out (node:20 -> docker.io/library/node:20). podman matches an
 * unqualified name against the tail of local names, so `node:20…` would silently find our stand-in
 * localhost/openfold-argo-base/node:20…: public builds and presence checks use the qualified name.
 */
export function qualify(ref: string): string {
  const first = ref.split('/')[0];
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

/** Registry-built stand-ins for public bases (images/bases.mts builds them). */
export type StandInKind = 'node' | 'golang' | 'python';

export interface StandIn {
  kind: StandInKind;
  /** Node or Go version; the Python minor version for python. */
  version: string;
  /** The public reference it stands in for. */
  replaces: string;
  /** The local name it is built under. */
  ref: string;
}

export const STAND_IN_REPOSITORY = 'localhost/openfold-argo-base';
export const DEBIAN_STAND_IN = `${STAND_IN_REPOSITORY}/debian:bookworm`;

/** The stand-in for a public base reference, or null when none can be built from registries. */
export function standInFor(publicRef: string): StandIn | null {
  const ref = (repo: string, tag: string) => `${STAND_IN_REPOSITORY}/${repo}:${tag}`;
  let m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(publicRef);
  if (m) return { kind: 'node', version: m[1], replaces: publicRef, ref: ref('node', `${m[1]}-bookworm-slim`) };
  m = /^(?:docker\.io\/)?(?:library\/)?golang:(\d+\.\d+\.\d+)$/.exec(publicRef);
  if (m) return { kind: 'golang', version: m[1], replaces: publicRef, ref: ref('golang', m[1]) };
  m = /^(?:docker\.io\/)?(?:library\/)?python:(3\.11)-slim-bookworm$/.exec(publicRef);
  if (m) return { kind: 'python', version: m[1], replaces: publicRef, ref: ref('python', `${m[1]}-slim-bookworm`) };
  return null;
}
