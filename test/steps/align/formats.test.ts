// Pure parsers and OpenFold's Stockholm conversions, on OpenFold's own test alignments and small cases.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OPENFOLD_TEST_ALIGNMENTS } from '../../helpers/fixtures.js';
import {
  a3mMatchLength,
  convertStockholmToA3m,
  deduplicateStockholm,
  msaDepth,
  parseA3m,
  parseHhr,
  parseStockholm,
  removeEmptyStockholmColumns,
  truncateStockholm,
} from '../../../steps/align/formats.js';

const fixture = (f: string) => readFileSync(join(OPENFOLD_TEST_ALIGNMENTS, f), 'utf8');

const STO = `# STOCKHOLM 1.0
#=GF ID q-i1
#=GS a/1-5 DE [subseq from] first
#=GS b/1-5 DE [subseq from] second
#=GS c/2-6 DE [subseq from] third

q        MK-VLA-
a/1-5    MKAVL--
b/1-5    MRAVL--
c/2-6    MKGVL--
#=GC RF  xx.xxx.
//
`;

test('Stockholm: rows in file order with the query first and the DE descriptions', () => {
  const rows = parseStockholm(STO);
  assert.equal(
    rows.map((r) => r.name),
    ['q', 'a/1-5', 'b/1-5', 'c/2-6'],
  );
  assert.is(rows[1].description, '[subseq from] first');
  const real = parseStockholm(fixture('uniref90_hits.sto'));
  assert.is(real[0].name, 'query');
  assert.is(real.length, 57);
  assert.ok(real.every((r) => r.sequence.length === real[0].sequence.length));
});

test('Stockholm to A3M as OpenFold converts it: query gap columns become lowercase inserts', () => {
  assert.is(
    convertStockholmToA3m(STO),
    '>q \nMKVLA\n>a/1-5 [subseq from] first\nMKaVL-\n>b/1-5 [subseq from] second\nMRaVL-\n>c/2-6 [subseq from] third\nMKgVL-\n',
  );
  assert.is(convertStockholmToA3m(STO, 2).split('>').length - 1, 2);
  // Every row keeps the query's match columns.
  const a3m = parseA3m(convertStockholmToA3m(fixture('mgnify_hits.sto')));
  assert.ok(a3m.every((r) => a3mMatchLength(r.sequence) === a3mMatchLength(a3m[0].sequence)));
});

test('deduplicate (ignoring inserts), remove empty columns, truncate: the template-search preprocessing', () => {
  // c differs from a only in the query-gap column, so it is a duplicate once inserts are ignored.
  const dedup = deduplicateStockholm(STO);
  assert.equal(
    parseStockholm(dedup).map((r) => r.name),
    ['q', 'a/1-5', 'b/1-5'],
  );
  assert.not.match(dedup, '#=GS c/2-6');
  // The last column is '-' in every row; the RF line keeps its own spacing.
  const trimmed = removeEmptyStockholmColumns(dedup);
  assert.equal(
    parseStockholm(trimmed).map((r) => r.sequence),
    ['MK-VLA', 'MKAVL-', 'MRAVL-'],
  );
  assert.match(trimmed, '#=GC RF  xx.xxx\n');
  const cut = truncateStockholm(STO, 2);
  assert.equal(
    parseStockholm(cut).map((r) => r.name),
    ['q', 'a/1-5'],
  );
  assert.match(cut, '# STOCKHOLM 1.0');
  assert.match(cut, '//');
  assert.not.match(cut, '#=GF ID');
  assert.is(
    truncateStockholm(fixture('uniref90_hits.sto'), 10)
      .split('\n')
      .filter((l) => l.startsWith('UniRef90_') || l.startsWith('query')).length,
    10,
  );
});

test('A3M: lowercase inserts are not match columns; depth counts the query', () => {
  const rows = parseA3m('>q desc\nMKVLA\n>h1\nMKaaVL-\n\n#comment\n>h2 x\nMK\nVLA\n');
  assert.equal(
    rows.map((r) => [r.name, r.description, r.sequence]),
    [
      ['q', 'desc', 'MKVLA'],
      ['h1', '', 'MKaaVL-'],
      ['h2', 'x', 'MKVLA'],
    ],
  );
  assert.is(a3mMatchLength('MKaaVL-'), 5);
  assert.is(msaDepth('x.a3m', fixture('bfd_uniclust_hits.a3m')), 1024);
  assert.is(msaDepth('x.sto', fixture('mgnify_hits.sto')), 59);
  assert.throws(() => msaDepth('x.hhr', ''), /not an MSA/);
});

test('HHR: header and every hit section', () => {
  const hhr = parseHhr(fixture('pdb70_hits.hhr'));
  assert.is(hhr.query, 'query');
  assert.is(hhr.matchColumns, 73);
  assert.is(hhr.hits.length, 10);
  assert.equal(hhr.hits[0], {
    index: 1,
    name: '1HF9_B',
    description: 'ATPASE INHIBITOR (MITOCHONDRIAL); ATPASE INHIBITOR, F1 ATPASE INHIBITOR; NMR {BOS TAURUS} SCOP: h.4.8.1',
    probability: 7.51,
    eValue: 380,
    alignedCols: 22,
  });
  assert.throws(() => parseHhr('nothing'), /no "Query" line/);
});

test.run();
