// Turns pip's installation report (`pip install --dry-run --ignore-installed --report FILE ...`) into a
// requirements file that pins every distribution by version and sha256, for `pip install --require-hashes
// --no-deps`: the images install exactly what was resolved once, never a newer release or another file.
//
//   node dist/images/pylock.mjs REPORT.json HEADER > requirements.txt   (images/openfold3/lock.sh runs it)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ReportItem {
  metadata: { name: string; version: string };
  download_info: { url: string; archive_info?: { hashes?: Record<string, string>; hash?: string } };
  is_direct?: boolean;
}

export interface PipReport {
  install: ReportItem[];
  environment: Record<string, string>;
}

/** PEP 503 normalised name: lowercase, runs of -_. become one dash. */
export const normaliseName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** One `name==version --hash=sha256:…` entry per distribution, sorted by name; refuses what cannot be pinned. */
export function requirementsFromReport(report: PipReport, header: string[] = []): string {
  const env = report.environment ?? {};
  const lines = [
    ...header.map((h) => `# ${h}`),
    `# resolved for CPython ${env.python_version ?? '?'} on ${env.sys_platform ?? '?'} ${env.platform_machine ?? '?'}`,
  ];
  const entries = report.install.map((item) => {
    const { name, version } = item.metadata;
    const sha256 =
      item.download_info.archive_info?.hashes?.sha256 ?? /^sha256=([0-9a-f]{64})$/.exec(item.download_info.archive_info?.hash ?? '')?.[1];
    if (!item.download_info.archive_info)
      throw new Error(`${name} ${version}: not an archive from an index (${item.download_info.url}): cannot pin by hash`);
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256))
      throw new Error(`${name} ${version}: the report has no sha256 for ${item.download_info.url}`);
    return { name: normaliseName(name), version, sha256, file: item.download_info.url.split('/').pop() ?? '' };
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new Error(`${e.name} appears twice in the report`);
    seen.add(e.name);
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) lines.push(`${e.name}==${e.version} \\`, `    --hash=sha256:${e.sha256}`);
  return lines.join('\n') + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, ...header] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/images/pylock.mjs REPORT.json [HEADER LINE...]');
    process.exitCode = 2;
  } else {
    try {
      process.stdout.write(requirementsFromReport(JSON.parse(readFileSync(file, 'utf8')) as PipReport, header));
    } catch (e) {
      console.error(`pylock: ${file}: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  }
}
