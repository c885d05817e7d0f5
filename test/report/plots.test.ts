import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { centerOfGravity, layerWeightsSvg, learningCurvesSvg } from '../../src/report/index.js';

// Expected values from NumPy: tools/report/make_fixture.py.
const mix = JSON.parse(readFileSync(new URL('../fixtures/report/layer-mix.json', import.meta.url), 'utf8')) as {
  weights: number[];
  center_of_gravity: number;
  subset_indices: number[];
  subset_weights: number[];
  subset_center_of_gravity: number;
};

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

function findAll(node: unknown, tag: string, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) node.forEach((n) => findAll(n, tag, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === tag) (Array.isArray(v) ? v : [v]).forEach((x) => out.push(x as Record<string, unknown>));
      findAll(v, tag, out);
    }
  }
  return out;
}

describe('centerOfGravity', () => {
  it('matches NumPy on a 25-layer mix and on a layer subset', () => {
    expect(centerOfGravity(mix.weights)).toBeCloseTo(mix.center_of_gravity, 12);
    expect(centerOfGravity(mix.subset_weights, mix.subset_indices)).toBeCloseTo(mix.subset_center_of_gravity, 12);
  });

  it('rejects empty, negative and NaN weights', () => {
    expect(() => centerOfGravity([])).toThrow(InvalidArgumentError);
    expect(() => centerOfGravity([0.5, -0.1])).toThrow(/weight 1/);
    expect(() => centerOfGravity([Number.NaN])).toThrow(InvalidArgumentError);
    expect(() => centerOfGravity([1, 2], [0])).toThrow(/2 weights but 1/);
  });
});

describe('layerWeightsSvg', () => {
  const svg = layerWeightsSvg({ weights: mix.weights, gamma: 1.25 });
  const doc = parser.parse(svg);

  it('is well-formed SVG with one bar per layer, heights proportional to the weights', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    const bars = findAll(doc, 'rect').filter((r) => r['data-layer'] !== undefined);
    expect(bars).toHaveLength(25);
    const heights = bars.map((b) => Number(b.height));
    const ratio = heights[3]! / mix.weights[3]!;
    bars.forEach((_, i) => expect(heights[i]! / ratio).toBeCloseTo(mix.weights[i]!, 2));
    expect(bars.map((b) => b['data-layer'])).toEqual(mix.weights.map((_, i) => String(i)));
  });

  it('marks the center of gravity between the right bars and states it and γ in the text', () => {
    expect(svg).toContain(`center of gravity ${mix.center_of_gravity.toFixed(2)}`);
    expect(svg).toContain('γ = 1.2500');
    const marker = findAll(doc, 'line').find((l) => l.class === 'center-of-gravity')!;
    const bars = findAll(doc, 'rect').filter((r) => r['data-layer'] !== undefined);
    const k = Math.floor(mix.center_of_gravity);
    const left = Number(bars[k]!.x);
    const right = Number(bars[k + 1]!.x) + Number(bars[k + 1]!.width);
    expect(Number(marker.x1)).toBeGreaterThan(left);
    expect(Number(marker.x1)).toBeLessThan(right);
  });

  it('escapes labels and rejects mismatched labels', () => {
    const out = layerWeightsSvg({ weights: [0.5, 0.5], labels: ['<emb>', 'a&b'], title: 'T "q"' });
    expect(XMLValidator.validate(out)).toBe(true);
    expect(out).toContain('&lt;emb&gt;');
    expect(() => layerWeightsSvg({ weights: [0.5, 0.5], labels: ['x'] })).toThrow(InvalidArgumentError);
    expect(
      XMLValidator.validate(learningCurvesSvg({ history: [{ epoch: 1, losses: { '<l>': 1 }, metrics: {} }] })),
    ).toBe(true);
  });
});

describe('learningCurvesSvg', () => {
  const history = [
    { epoch: 1, losses: { loss: 0.62, dev_loss: 0.58 }, metrics: { exact: 70.1, f1: 73.4 } },
    { epoch: 2, losses: { loss: 0.51, dev_loss: 0.55 }, metrics: { exact: 72.3, f1: 75.0 } },
    { epoch: 3, losses: { loss: 0.47, dev_loss: undefined }, metrics: { exact: 72.9, f1: 75.8 } },
  ];

  it('draws one path per series with a point per defined value', () => {
    const svg = learningCurvesSvg({ history, title: 'tenney-small' });
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = parser.parse(svg);
    const paths = findAll(doc, 'path').filter((p) => p.class === 'series');
    expect(paths.map((p) => p['data-series'])).toEqual(['loss', 'dev_loss', 'exact', 'f1']);
    expect(findAll(doc, 'circle')).toHaveLength(3 + 2 + 3 + 3);
  });

  it('puts each scale in its own panel, leaves counts and thresholds out, and names every series in full', () => {
    const span = [1, 2, 3].map((epoch) => ({
      epoch,
      losses: { loss: 3 - epoch / 2 },
      metrics: {
        exact: 40 + epoch,
        f1: 44 + epoch,
        total: 5928,
        HasAns_exact: 30 + epoch,
        HasAns_f1: 36 + epoch,
        HasAns_total: 2900,
        NoAns_exact: 50,
        NoAns_f1: 50,
        NoAns_total: 3028,
        best_f1: 55,
        best_f1_thresh: -0.3,
        accuracy: 0.6 + epoch / 10,
      },
    }));
    const svg = learningCurvesSvg({ history: span });
    const doc = parser.parse(svg);
    const headings = findAll(doc, 'text')
      .filter((t) => t['font-weight'] === '600')
      .map((t) => t['#text']);
    expect(headings).toEqual(['loss', 'dev metrics (0–1)', 'dev metrics (0–100)']);
    const series = findAll(doc, 'path')
      .filter((p) => p.class === 'series')
      .map((p) => p['data-series']);
    expect(series).toEqual([
      'loss',
      'accuracy',
      ...['exact', 'f1', 'HasAns_exact', 'HasAns_f1', 'NoAns_exact', 'NoAns_f1', 'best_f1'],
    ]);
    const legend = findAll(doc, 'text').filter((t) => t['data-legend'] !== undefined);
    expect(legend.map((t) => t['data-legend']).sort()).toEqual([...series].sort());
    // the legend wraps inside the picture: every name starts and (at ~7 px a character) ends within the width
    const root = doc.svg as Record<string, string>;
    const [width, height] = [Number(root.width), Number(root.height)];
    for (const t of legend) {
      expect(Number(t.x) + String(t['data-legend']).length * 7).toBeLessThanOrEqual(width);
      expect(Number(t.y)).toBeLessThan(height);
    }
    expect(height).toBeGreaterThan(340);
  });

  it('rejects an empty or non-increasing history', () => {
    expect(() => learningCurvesSvg({ history: [] })).toThrow(InvalidArgumentError);
    expect(() => learningCurvesSvg({ history: [history[1]!, history[0]!] })).toThrow(/epochs must increase/);
  });
});
