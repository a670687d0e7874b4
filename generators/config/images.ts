// The image references of a config that a cluster cannot trust: a tag can be moved to other content, and the
// default local tags exist only where `npm run images` built them. `render` prints these as warnings.
import { LOCAL_IMAGE_REPOSITORY } from './schema.js';
import type { Config } from './types.js';

export type ImageKey = Exclude<keyof Config['images'], 'pullPolicy'>;
export const IMAGE_KEYS: readonly ImageKey[] = ['tools', 'msa', 'openfold', 'openfold3'];

/** One line per image given by tag alone, naming the field and how to pin it. */
export function imagePinWarnings(c: Config): string[] {
  return IMAGE_KEYS.flatMap((key) => {
    const ref = c.images[key];
    if (ref.digest) return [];
    const local = ref.repository.startsWith(`${LOCAL_IMAGE_REPOSITORY}/`)
      ? ' (the local build of `npm run images`, present only where it was built or loaded)'
      : '';
    return [
      `images.${key}: ${ref.repository}:${ref.tag} is a tag without a digest${local}; ` +
        `push with \`npm run images -- --push REGISTRY\` and set images.${key}.repository and .digest`,
    ];
  });
}
