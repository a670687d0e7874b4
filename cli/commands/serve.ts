// `openfold-argo serve`: the warm OpenFold3 model behind NIM-compatible HTTP routes (steps/serve/).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import { DEFAULT_LIMITS } from '../../steps/serve/nim-request.js';
import { OpenfoldServer } from '../../steps/serve/server.js';
import { workerOptions } from '../../steps/serve/settings.js';

const USAGE = `usage: openfold-argo serve [--config FILE] [--host 0.0.0.0] [--port 8000] [--queue 8] [--timeout-s 900]
                          [--max-body-bytes N] [--max-sequence-length N] [--max-tokens N] [--python PATH] [--work-dir DIR]
                          [--shared-root DIR]

Loads OpenFold3 once (openfold3.checkpoint, device, seeds and runnerSettings of the config) in a Python worker and
serves NVIDIA NIM's OpenFold3 routes: POST /biology/openfold/openfold3/predict, GET /v1/health/live,
GET /v1/health/ready (200 once the weights are loaded), GET /v1/metrics (Prometheus). --queue requests may wait
behind the running one (503 with Retry-After beyond); --timeout-s bounds each request (504). SIGTERM/SIGINT: the
running request finishes, waiting ones get 503, then the process exits.`;

const int = (v: string | undefined, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--${name}: expected a whole number, got ${JSON.stringify(v)}`);
  return n;
};

export const command: Command = {
  summary: 'serve the warm OpenFold3 model over HTTP (NIM-compatible routes, bounded queue, metrics)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        queue: { type: 'string' },
        'timeout-s': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        'max-sequence-length': { type: 'string' },
        'max-tokens': { type: 'string' },
        python: { type: 'string' },
        'work-dir': { type: 'string' },
        'shared-root': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const config = loadConfig({ file: values.config });
    const workDir = values['work-dir'] ?? mkdtempSync(join(tmpdir(), 'openfold-argo-serve-'));
    const server = new OpenfoldServer({
      host: values.host ?? '0.0.0.0',
      port: int(values.port, 'port', 8000),
      queueCapacity: int(values.queue, 'queue', 8),
      timeoutMs: int(values['timeout-s'], 'timeout-s', 900) * 1000,
      limits: {
        maxBodyBytes: int(values['max-body-bytes'], 'max-body-bytes', DEFAULT_LIMITS.maxBodyBytes),
        maxSequenceLength: int(values['max-sequence-length'], 'max-sequence-length', DEFAULT_LIMITS.maxSequenceLength),
        maxTokens: int(values['max-tokens'], 'max-tokens', DEFAULT_LIMITS.maxTokens),
        maxMolecules: DEFAULT_LIMITS.maxMolecules,
      },
      worker: workerOptions(config, workDir, values.python),
      seeds: config.openfold3.seeds,
      ...(values['shared-root'] ? { sharedRoot: values['shared-root'] } : {}),
    });
    await server.start();
    await new Promise<void>((resolve) => {
      const stop = () => void server.shutdown().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
