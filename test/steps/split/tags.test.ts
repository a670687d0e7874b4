import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assignTags, headerId, isSafeTag, MAX_TAG_LENGTH, sanitizeTag } from '../../../steps/split/tags.js';
import { FastaError } from '../../../steps/split/fasta.js';

test('CAMEO headers give PDBID_CHAIN, identified by the target id', () => {
  const h = 'Cameo_3D target id: 2022-04-09_00000025_1 | pdbid: 7ELF | chain: C';
  assert.equal(headerId(h), { id: '2022-04-09_00000025_1', name: '7ELF_C' });
  assert.equal(assignTags([h]), ['7ELF_C']);
});

test('UniProt headers give the accession; isoforms stay distinct', () => {
  assert.equal(
    assignTags(['sp|P69905|HBA_HUMAN Hemoglobin subunit alpha', 'sp|P68871|HBB_HUMAN Hemoglobin subunit beta', 'tr|A0A024R161|X']),
    ['P69905', 'P68871', 'A0A024R161'],
  );
  assert.equal(assignTags(['sp|P69905-2|HBA_HUMAN', 'sp|P69905|HBA_HUMAN']), ['P69905_2', 'P69905']);
});

test('other headers: the first word, sanitised to [A-Za-z0-9_]', () => {
  assert.equal(assignTags(['6KWC_1', '101m_A mol:protein length:154', '../../etc/passwd x', '.hidden', 'a.b-c', 'ünïcode']), [
    '6KWC_1',
    '101m_A',
    'etc_passwd',
    'hidden',
    'a_b_c',
    'n_code',
  ]);
  assert.equal(assignTags(['日本']), ['target_1']);
});

test('tags are never paths and have a bounded length', () => {
  const tags = assignTags(['/abs/path', '..', 'x'.repeat(500), `${'y'.repeat(500)}|z`]);
  for (const t of tags) {
    assert.ok(isSafeTag(t), t);
    assert.not.match(t, /[/.]/);
    assert.ok(t.length <= MAX_TAG_LENGTH);
  }
  assert.is(sanitizeTag('a'.repeat(63) + '_b'), 'a'.repeat(63));
});

test('sanitising collisions and case-only collisions get deterministic suffixes in input order', () => {
  assert.equal(assignTags(['a|b', 'a/b', 'A_B', 'a_b_2']), ['a_b', 'a_b_2', 'A_B_3', 'a_b_2_2']);
  const long = 'q'.repeat(70);
  const [first, second] = assignTags([`${long}1`, `${long}2`]);
  assert.is(first.length, MAX_TAG_LENGTH);
  assert.is(second, `${'q'.repeat(MAX_TAG_LENGTH - 2)}_2`);
});

test('a repeated ID is rejected, naming both records', () => {
  try {
    assignTags(['x one', 'y', 'x two']);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FastaError);
    assert.match((e as Error).message, 'record 3 (">x two"): duplicate ID "x", already used by record 1 (">x one")');
  }
  assert.throws(() => assignTags(['sp|P1|A', 'tr|P1|B']), /duplicate ID "P1"/);
});

test.run();
