import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { decodeFastaBytes, FastaError, parseFasta } from '../../../steps/split/fasta.js';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, FastaError);
    return (e as Error).message;
  }
  assert.unreachable('expected a FastaError');
  return '';
}

test('CRLF, blank lines, wrapped and single-line records, lowercase and inner spaces', () => {
  const text = '\r\n>a first\r\nMKV\r\nlla\r\n\r\n>b\nACDEF GHIKL\n\n>c\rWWWW\r';
  const recs = parseFasta(text);
  assert.equal(
    recs.map((r) => [r.index, r.header, r.sequence, r.line]),
    [
      [1, 'a first', 'MKVLLA', 2],
      [2, 'b', 'ACDEFGHIKL', 6],
      [3, 'c', 'WWWW', 9],
    ],
  );
});

test('B, J, O, U and Z are written as X (OpenFold reads them as X) and counted', () => {
  const [r] = parseFasta('>s\nAUBOZJX\n');
  assert.is(r.sequence, 'AXXXXXX');
  assert.is(r.mappedToX, 5);
});

test('gzip input is recognised by its magic bytes, whatever the file name', () => {
  const bytes = gzipSync(Buffer.from('>g\nMKV\n'));
  assert.equal(parseFasta(decodeFastaBytes(bytes, 'in.txt'))[0].sequence, 'MKV');
  assert.match(
    (() => {
      try {
        decodeFastaBytes(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'bad.gz');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })(),
    /bad\.gz: starts like gzip but cannot be decompressed/,
  );
});

test('a UTF-8 byte-order mark is ignored', () => {
  assert.is(parseFasta(decodeFastaBytes(Buffer.from('\uFEFF>x\nMK\n'), 'bom'))[0].header, 'x');
});

test('empty input and whitespace-only input are rejected', () => {
  assert.match(
    errorOf(() => parseFasta('', 'in.fa')),
    'in.fa: empty input: no FASTA records',
  );
  assert.match(
    errorOf(() => parseFasta('\n \r\n', 'in.fa')),
    'empty input',
  );
});

test('a sequence before the first header names the line', () => {
  assert.match(
    errorOf(() => parseFasta('\nMKV\n>a\nMKV', 'in.fa')),
    'in.fa: line 2: sequence before the first header',
  );
});

test('a record without residues names its index and header', () => {
  assert.match(
    errorOf(() => parseFasta('>a\nMK\n>b empty\n\n>c\nMK')),
    'record 2 (">b empty"): no residues',
  );
  assert.match(
    errorOf(() => parseFasta('>a\nMK\n>last')),
    'record 2 (">last"): no residues',
  );
});

test('an empty header is rejected', () => {
  assert.match(
    errorOf(() => parseFasta('>a\nMK\n>  \nMK')),
    'record 2 (line 3): empty header',
  );
});

test('an invalid character names the record, the character, the residue and the line/column', () => {
  const msg = errorOf(() => parseFasta('>a\nMK\n>sp|P1|X desc\nMKVL\nAA1A\n'));
  assert.match(msg, 'record 2 (">sp|P1|X desc"): invalid character "1" at residue 7 (line 5, column 3)');
  assert.match(msg, 'numbers are not residues');
  assert.match(
    errorOf(() => parseFasta('>a\nMKV*\n')),
    /invalid character "\*" at residue 4 .*stop codon/,
  );
  assert.match(
    errorOf(() => parseFasta('>a\nMK-V\n')),
    /"-" at residue 3 .*gap/,
  );
  // toUpperCase('ß') is 'SS': a non-ASCII letter must not sneak in as residues.
  assert.match(
    errorOf(() => parseFasta('>a\nmkß\n')),
    'invalid character "ß" at residue 3 (line 2, column 3)',
  );
  assert.match(
    errorOf(() => parseFasta('>a\nMK\u0000V\n')),
    'control character U+0000 at residue 3',
  );
});

test('a long header is shortened in messages', () => {
  const msg = errorOf(() => parseFasta(`>${'h'.repeat(200)}\n`));
  assert.ok(msg.length < 160, msg);
  assert.match(msg, '...');
});

test.run();
