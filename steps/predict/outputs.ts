// Where OpenFold puts its outputs, mirrored from run_pretrained_openfold.py and utils/script_utils.py:
// - make_output_directory: <output_dir>/predictions, or <output_dir>/predictions/<model basename> when several
//   weights files are given (we always give one);
// - output_name = f'{tag}_{config_preset}', plus f'_{output_postfix}' when --output_postfix is set (we never set it);
// - '<output_name>_unrelaxed.pdb' ('.cif' with --cif_output), '<output_name>_relaxed.pdb' after relax_protein,
//   '<output_name>_output_dict.pkl' with --save_outputs;
// - run_model: update_timings({tag: {"inference": seconds}}, <output_dir>/timings.json), read-modify-write.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OutputNaming {
  readonly outputDir: string;
  readonly configPreset: string;
  readonly cifOutput: boolean;
  /** --output_postfix. @default none */
  readonly outputPostfix?: string;
  /** Basename of the weights file when OpenFold runs several models (predictions/<model>/). @default none */
  readonly multipleModelName?: string;
}

export interface TargetOutputs {
  readonly unrelaxed: string;
  readonly relaxed: string;
  readonly outputDict: string;
}

export function predictionsDir(n: OutputNaming): string {
  return n.multipleModelName ? join(n.outputDir, 'predictions', n.multipleModelName) : join(n.outputDir, 'predictions');
}

export function outputName(tag: string, n: OutputNaming): string {
  const name = `${tag}_${n.configPreset}`;
  return n.outputPostfix ? `${name}_${n.outputPostfix}` : name;
}

export function targetOutputs(tag: string, n: OutputNaming): TargetOutputs {
  const dir = predictionsDir(n);
  const name = outputName(tag, n);
  const ext = n.cifOutput ? 'cif' : 'pdb';
  return {
    unrelaxed: join(dir, `${name}_unrelaxed.${ext}`),
    relaxed: join(dir, `${name}_relaxed.${ext}`),
    outputDict: join(dir, `${name}_output_dict.pkl`),
  };
}

export function timingsFile(outputDir: string): string {
  return join(outputDir, 'timings.json');
}

/**
 * Inference seconds per tag from <output_dir>/timings.json. A missing or unreadable file gives an empty map:
 * a time is reported only when OpenFold measured it.
 */
export function readInferenceTimes(outputDir: string): Map<string, number> {
  const times = new Map<string, number>();
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(timingsFile(outputDir), 'utf8'));
  } catch {
    return times;
  }
  if (doc === null || typeof doc !== 'object') return times;
  for (const [tag, entry] of Object.entries(doc as Record<string, unknown>)) {
    const seconds = (entry as { inference?: unknown } | null)?.inference;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) times.set(tag, seconds);
  }
  return times;
}
