// Card payload fields are checked where they are drawn: a shared notebook may carry anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedOutline, finiteNumber, MAX_OUTLINE_CHARS } from '../../../src/shared/notebookCard';
import { glyphNodes, svgMarkup } from '../../../src/shared/viewSvg';

test('a GT outline is accepted only as the host writes it', () => {
  assert.deepEqual(acceptedOutline({ d: 'M0 0H4V4H0Z', width: 4, height: 4 }), { d: 'M0 0H4V4H0Z', width: 4, height: 4 });
  for (const bad of [
    { d: 'M0 0"/><script>alert(1)</script>', width: 4, height: 4 },
    { d: 'M0 0L4 4Z', width: 4, height: 4 },
    { d: `M${'0'.repeat(MAX_OUTLINE_CHARS)}`, width: 4, height: 4 },
    { d: 'M0 0Z', width: 0, height: 4 },
    { d: 'M0 0Z', width: 4.5, height: 4 },
    { d: 'M0 0Z', width: 1e9, height: 4 },
    { d: 'M0 0Z', width: '4', height: 4 },
    null,
    'M0 0Z',
  ]) assert.equal(acceptedOutline(bad), undefined, JSON.stringify(bad)?.slice(0, 60));
  assert.equal(finiteNumber('0.5'), undefined);
  assert.equal(finiteNumber(NaN), undefined);
  assert.equal(finiteNumber(0.25), 0.25);
});

test('glyph nodes draw + and − points as the export does: a cross for +, a bar for −, numbered', () => {
  const nodes = glyphNodes(
    [
      { kind: 'point', index: 0, x: 10, y: 20, label: 1, span: [0, 1] },
      { kind: 'point', index: 1, x: 30, y: 40, label: 0, span: [0, 1] },
      { kind: 'box', index: 0, x1: 1, y1: 2, x2: 50, y2: 60, span: [0, 1] },
    ] as never,
    1,
  );
  assert.deepEqual(nodes.map((n) => n.attrs.class), ['glyph box', 'glyph point positive', 'glyph point negative']);
  const path = (k: number) => nodes[k]!.children!.find((c) => c.tag === 'path')!.attrs.d!;
  assert.equal(path(1), 'M6 20H14M10 16V24');
  assert.equal(path(2), 'M26 40H34');
  assert.equal(nodes[2]!.children!.find((c) => c.tag === 'text')!.text, '2');
  // Markup escapes every value: nothing in a node can open a tag.
  assert.equal(svgMarkup([{ tag: 'text', attrs: { 'data-x': '"><script>' }, text: '<b>&' }]), '<text data-x="&quot;&gt;&lt;script&gt;">&lt;b&gt;&amp;</text>');
});
