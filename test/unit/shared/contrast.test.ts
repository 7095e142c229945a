import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composite, contrastRatio, flatten, luminance, parseColor, seenContrast } from '../../../src/shared/contrast';

const c = (css: string) => {
  const v = parseColor(css);
  assert.ok(v, css);
  return v;
};
const close = (a: number, b: number, eps = 0.01) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

test('parses the forms getComputedStyle and palettes use', () => {
  assert.deepEqual(c('rgb(1, 2, 3)'), { r: 1, g: 2, b: 3, a: 1 });
  assert.deepEqual(c('rgba(1, 2, 3, 0.5)'), { r: 1, g: 2, b: 3, a: 0.5 });
  assert.deepEqual(c('rgb(1 2 3 / 50%)'), { r: 1, g: 2, b: 3, a: 0.5 });
  assert.deepEqual(c('#0072B2'), { r: 0, g: 114, b: 178, a: 1 });
  assert.deepEqual(c('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(c('#8882'), { r: 136, g: 136, b: 136, a: 0x22 / 255 });
  assert.deepEqual(c('#CC79A755'), { r: 204, g: 121, b: 167, a: 0x55 / 255 });
  assert.deepEqual(c('transparent'), { r: 0, g: 0, b: 0, a: 0 });
  assert.deepEqual(c('color(srgb 1 0 0.5)'), { r: 255, g: 0, b: 127.5, a: 1 });
  assert.equal(parseColor('var(--x)'), undefined);
  assert.equal(parseColor('#12345'), undefined);
});

test('luminance and ratio match the WCAG definition (reference values)', () => {
  close(luminance(c('#ffffff')), 1, 1e-9);
  close(luminance(c('#000000')), 0, 1e-9);
  close(contrastRatio(c('#000'), c('#fff')), 21);
  close(contrastRatio(c('#fff'), c('#000')), 21);
  // #767676 is the lightest grey that passes 4.5:1 on white; #777777 just fails.
  close(contrastRatio(c('#767676'), c('#fff')), 4.54);
  close(contrastRatio(c('#777777'), c('#fff')), 4.48);
  close(contrastRatio(c('#0072B2'), c('#fff')), 5.19);
});

test('translucency and opacity are measured as seen', () => {
  assert.deepEqual(composite({ r: 0, g: 0, b: 0, a: 0.5 }, c('#fff')), { r: 127.5, g: 127.5, b: 127.5, a: 1 });
  // Black text at opacity 0.5 on white is mid grey: about 4:1, below 4.5 where the opaque text was 21.
  close(seenContrast(c('#000'), c('#fff'), 0.5), contrastRatio(c('rgb(127.5,127.5,127.5)'), c('#fff')));
  assert.ok(seenContrast(c('#000'), c('#fff'), 0.5) < 4.5);
  assert.equal(seenContrast(c('#000'), c('#fff'), 0), 1);
  // Backgrounds stack from the element outwards over the page.
  assert.deepEqual(flatten([c('rgba(0,0,0,0)'), c('#1f1f1f')]), c('#1f1f1f'));
  assert.deepEqual(flatten([c('rgba(255,255,255,0.5)'), c('#000')]), { r: 127.5, g: 127.5, b: 127.5, a: 1 });
  assert.deepEqual(flatten([]), c('#fff'));
});
