// `openfold-argo cameo fetch [--out FILE] [--url URL]`: the CAMEO-92 targets, verified and cached.
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { CAMEO_SOURCE, fetchCameoTargets } from '../../cameo/targets.js';

export const command: Command = {
  summary: 'fetch the CAMEO-92 benchmark targets (verified by sha256, cached)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, url: { type: 'string' }, 'cache-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help || positionals[0] !== 'fetch') {
      console.log('usage: openfold-argo cameo fetch [--out FILE] [--url URL] [--cache-dir DIR]');
      return values.help ? 0 : 2;
    }
    let file: string;
    try {
      file = await fetchCameoTargets({ url: values.url, cacheDir: values['cache-dir'] });
    } catch (e) {
      throw new UserError((e as Error).message, 1);
    }
    if (values.out) {
      mkdirSync(dirname(values.out), { recursive: true });
      const tmp = `${values.out}.tmp-${process.pid}`;
      copyFileSync(file, tmp);
      renameSync(tmp, values.out);
      file = values.out;
    }
    console.log(
      `${file} (${CAMEO_SOURCE.targets} targets, sha256 ${CAMEO_SOURCE.sha256.slice(0, 12)}…, max-template-date ${CAMEO_SOURCE.maxTemplateDate})`,
    );
    return 0;
  },
};
