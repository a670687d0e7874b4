// The targets of a local FASTA file as the split step would plan them (lengths, duplicates).
import { readFileSync } from 'node:fs';
import { decodeFastaBytes, FastaError, parseFasta } from '../steps/split/fasta.js';
import { manifestFor } from '../steps/split/split.js';
import type { PlanTarget } from '../steps/split/plan.js';
import { EstimateError } from './errors.js';

export function targetsFromFastaFile(file: string): PlanTarget[] {
  if (file.startsWith('s3://')) throw new EstimateError(`${file}: the estimate reads a local FASTA; download it and give the local copy`);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EstimateError(`${file}: ${code === 'ENOENT' ? 'FASTA file not found' : `cannot read (${code ?? String(e)})`}`);
  }
  try {
    return manifestFor(parseFasta(decodeFastaBytes(bytes, file), file)).targets.map(({ tag, length, duplicateOf }) => ({
      tag,
      length,
      ...(duplicateOf ? { duplicateOf } : {}),
    }));
  } catch (e) {
    if (e instanceof FastaError) throw new EstimateError(e.message);
    throw e;
  }
}
