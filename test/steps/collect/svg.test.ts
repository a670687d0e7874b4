import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bandColor, escapeXml, niceMax, plddtProfileSvg, plddtScatterSvg } from '../../../steps/collect/svg.js';

test('a profile has one polyline point per residue, inside the frame', () => {
  const svg = plddtProfileSvg([10, 50, 95, 120], 'T1', 520, 110);
  const points = /points="([^"]+)"/.exec(svg)![1].split(' ');
  assert.is(points.length, 4);
  for (const p of points) {
    const [x, y] = p.split(',').map(Number);
    assert.ok(x >= 0 && x <= 520 && y >= 0 && y <= 110, p);
  }
  assert.match(svg, 'aria-label="T1: pLDDT per residue"');
  assert.match(svg, '4 (residue)');
  assert.match(plddtProfileSvg([70], 'one'), /points="[\d.]+,[\d.]+"/);
});

test('the scatter draws a dot per target with an escaped title, or says there is none', () => {
  const svg = plddtScatterSvg([
    { tag: 'a<b', length: 120, meanPlddt: 91.234 },
    { tag: 'c', length: 883, meanPlddt: 40 },
  ]);
  assert.is(svg.match(/<circle /g)!.length, 2);
  assert.match(svg, '<title>a&lt;b: 120 residues, mean pLDDT 91.2</title>');
  assert.match(svg, '>1000</text>');
  assert.match(plddtScatterSvg([]), 'no predicted targets yet');
  assert.not.match(plddtScatterSvg([]), 'NaN');
});

test('helpers: bands, nice axis maxima, XML escaping', () => {
  assert.is(bandColor(95), '#0053d6');
  assert.is(bandColor(75), '#65cbf3');
  assert.is(bandColor(55), '#ffdb13');
  assert.is(bandColor(10), '#ff7d45');
  assert.equal([883, 1000, 1001, 34, 0].map(niceMax), [1000, 1000, 2000, 50, 1]);
  assert.is(escapeXml(`<&"'>`), '&lt;&amp;&quot;&#39;&gt;');
});

test.run();
