// Target tags as OpenFold sees them. OpenFold names a target after its FASTA header cut at the first non-word
// character (script_utils.parse_fasta: re.split(r'\W| \|', header)[0]), then reads its alignments from
// <alignments>/<tag>/ and writes <tag>_<preset>_unrelaxed.pdb. A header such as `sp|P69905|HBA_HUMAN` would
// become `sp`, and two such targets would collide: only tags OpenFold keeps whole are accepted.

/** Longest tag accepted: OpenFold's output file names append the preset and a suffix to it (255-byte limit). */
export const MAX_TAG_LENGTH = 120;

const SAFE_TAG = /^[A-Za-z0-9_]+$/;

/** The tag OpenFold derives from a FASTA header line (without the leading '>'), as parse_fasta does. */
export function openfoldTagOf(header: string): string {
  // Python's \W on str is Unicode-aware; ASCII word characters are what we accept anyway.
  return header.split(/[^\p{L}\p{N}_]| \|/u)[0];
}

/** Why a tag is not OpenFold-safe, or null when OpenFold keeps it whole and it names a portable directory. */
export function tagProblem(tag: string): string | null {
  if (tag === '') return 'is empty';
  if (!SAFE_TAG.test(tag)) {
    const cut = openfoldTagOf(tag);
    const becomes = cut === '' ? 'an empty tag' : `"${cut}"`;
    return `has characters other than letters, digits and "_" (OpenFold would name it ${becomes})`;
  }
  if (tag.length > MAX_TAG_LENGTH) return `is longer than ${MAX_TAG_LENGTH} characters`;
  return null;
}

/** Throws an Error naming the tag and where it came from when OpenFold would not keep it whole. */
export function assertOpenfoldSafeTag(tag: string, where: string): void {
  const problem = tagProblem(tag);
  if (problem)
    throw new Error(
      `${where}: tag ${JSON.stringify(tag)} ${problem}; use a tag of letters, digits and "_" that names its alignment directory`,
    );
}

/** The first tag that appears twice, or null. */
export function duplicateTag(tags: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t)) return t;
    seen.add(t);
  }
  return null;
}
