// A software bill of materials per image, read from what the image itself records: Debian's package database,
// the Python distributions' metadata, npm's lockfile of the installed node_modules, the Go build information
// of the binaries we build, and Node's version. Written as CycloneDX 1.5 JSON.
import { createHash } from 'node:crypto';

/**
 * Run inside the image (sh, as the image's user) by `npm run images`; prints each source between markers.
 * A constant: nothing from outside is interpolated.
 */
export const INVENTORY_SCRIPT = [
  'echo "@@dpkg"; cat /var/lib/dpkg/status 2>/dev/null',
  'echo "@@python"; for m in /opt/*/lib/python3*/site-packages/*.dist-info/METADATA; do',
  '  [ -f "$m" ] && sed -n "1,/^\\$/{/^Name: /p;/^Version: /p}" "$m"; done',
  'echo "@@npm"; cat /app/node_modules/.package-lock.json 2>/dev/null',
  'echo "@@app"; cat /app/package.json 2>/dev/null',
  'echo "@@go"; cat /usr/local/share/openfold-argo/*.buildinfo 2>/dev/null',
  'echo "@@node"; node --version 2>/dev/null',
  'echo "@@end"',
].join('\n');

export interface Component {
  type: 'library' | 'application' | 'operating-system' | 'framework';
  name: string;
  version: string;
  purl?: string;
  group?: string;
}

function sections(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  for (const line of text.split('\n')) {
    const m = /^@@(\w+)$/.exec(line);
    if (m) {
      current = m[1];
      out[current] = '';
    } else if (current) out[current] += line + '\n';
  }
  if (!('end' in out)) throw new Error('the inventory of the image is incomplete (no end marker)');
  return out;
}

/** Installed packages of a dpkg status file. */
export function parseDpkgStatus(text: string): Component[] {
  return text
    .split(/\n\s*\n/)
    .map((stanza) => Object.fromEntries([...stanza.matchAll(/^([A-Za-z-]+): (.*)$/gm)].map((m) => [m[1], m[2]])))
    .filter((f) => f.Package && f.Version && /\binstalled$/.test(f.Status ?? ''))
    .map((f) => ({
      type: 'library' as const,
      name: f.Package,
      version: f.Version,
      purl: `pkg:deb/debian/${f.Package}@${encodeURIComponent(f.Version)}?arch=${f.Architecture ?? 'all'}&distro=debian-12`,
    }));
}

/** `Name:`/`Version:` pairs of the METADATA headers, in order. */
export function parsePythonMetadata(text: string): Component[] {
  const out: Component[] = [];
  let name = '';
  for (const line of text.split('\n')) {
    const n = /^Name: (.+)$/.exec(line);
    const v = /^Version: (.+)$/.exec(line);
    if (n) name = n[1].trim();
    else if (v && name) {
      const normalised = name.toLowerCase().replace(/[-_.]+/g, '-');
      out.push({ type: 'library', name: normalised, version: v[1].trim(), purl: `pkg:pypi/${normalised}@${v[1].trim()}` });
      name = '';
    }
  }
  return out;
}

/** Packages of npm's hidden lockfile (node_modules/.package-lock.json); nested copies included. */
export function parseNpmLock(text: string): Component[] {
  if (!text.trim()) return [];
  const lock = JSON.parse(text) as { packages?: Record<string, { version?: string; dev?: boolean }> };
  return Object.entries(lock.packages ?? {})
    .filter(([path, p]) => path.includes('node_modules/') && p.version && !p.dev)
    .map(([path, p]) => {
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const purlName = name.startsWith('@') ? `%40${name.slice(1)}` : name;
      return { type: 'library' as const, name, version: p.version!, purl: `pkg:npm/${purlName}@${p.version}` };
    });
}

/** Modules of `go version -m` output (the main module, its dependencies, and the Go standard library). */
export function parseGoBuildInfo(text: string): Component[] {
  const out: Component[] = [];
  for (const line of text.split('\n')) {
    const go = /^\S+: (go\d+\.\d+(?:\.\d+)?)$/.exec(line);
    if (go) out.push({ type: 'library', name: 'stdlib', version: go[1], purl: `pkg:golang/stdlib@${go[1]}` });
    const mod = /^\s+(mod|dep)\s+(\S+)\s+(\S+)/.exec(line);
    if (mod)
      out.push({
        type: mod[1] === 'mod' ? 'application' : 'library',
        name: mod[2],
        version: mod[3],
        purl: `pkg:golang/${mod[2]}@${mod[3]}`,
      });
  }
  return out;
}

export interface ImageIdentity {
  /** The local reference, e.g. localhost/openfold-argo/tools:dev. */
  ref: string;
  /** Image id (sha256:…). */
  id: string;
}

/** CycloneDX 1.5 document for one image; its serial number is derived from the image id (same image, same BOM). */
export function cycloneDx(image: ImageIdentity, inventory: string, tool: { name: string; version: string }, timestamp: string) {
  const s = sections(inventory);
  const components: Component[] = [
    ...parseDpkgStatus(s.dpkg ?? ''),
    ...parsePythonMetadata(s.python ?? ''),
    ...parseNpmLock(s.npm ?? ''),
    ...parseGoBuildInfo(s.go ?? ''),
  ];
  const node = /^v(\d+\.\d+\.\d+)/.exec((s.node ?? '').trim());
  if (node) components.push({ type: 'application', name: 'node', version: node[1], purl: `pkg:generic/node@${node[1]}` });
  const app = s.app?.trim() ? (JSON.parse(s.app) as { name: string; version: string }) : null;
  if (app) components.push({ type: 'application', name: app.name, version: app.version, purl: `pkg:npm/${app.name}@${app.version}` });
  const h = createHash('sha256').update(image.id).digest('hex');
  const serial = `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const seen = new Set<string>();
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: serial,
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [{ type: 'application', name: tool.name, version: tool.version }] },
      component: { type: 'container', name: image.ref, version: image.id },
    },
    components: components
      .filter((c) => {
        const key = c.purl ?? `${c.name}@${c.version}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((c) => ({ ...c, 'bom-ref': c.purl ?? `${c.name}@${c.version}` })),
  };
}
