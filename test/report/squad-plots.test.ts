/** The -p plots: the PR step curve passes through the official curve's points; histograms are proportions. */
import { describe, expect, it } from 'vitest';
import { naProbHistogramSvg, precisionRecallSvg } from '../../src/report/squad-plots.js';

/** Polyline points of an SVG, mapped back to data coordinates with the plot's frame (rect) and axis span. */
function dataPoints(svg: string, span: number): [number, number][] {
  const [, x, y, w, h] = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/
    .exec(svg)!
    .map(Number) as number[];
  const points = /<polyline points="([^"]+)"/
    .exec(svg)![1]!
    .split(' ')
    .map((p) => p.split(',').map(Number) as [number, number]);
  return points.map(([px, py]) => [
    Number((((px - x!) / w!) * span).toFixed(3)),
    Number((((y! + h! - py) / h!) * span).toFixed(3)),
  ]);
}

describe('precisionRecallSvg', () => {
  it('draws the official curve as a post-step line', () => {
    const svg = precisionRecallSvg({ ap: 0, precisions: [1, 0.5, 0.4], recalls: [0, 0.5, 1] }, 'PR <F1>');
    expect(dataPoints(svg, 1.05)).toEqual([
      [0, 1],
      [0.5, 1],
      [0.5, 0.5],
      [1, 0.5],
      [1, 0.4],
      [1, 0.4],
    ]);
    expect(svg).toContain('PR &lt;F1&gt;');
  });
});

describe('naProbHistogramSvg', () => {
  it('has 20 bars whose heights are proportional to the bin fractions', () => {
    const svg = naProbHistogramSvg([0, 0, 0, 1], 'hist');
    const heights = [
      ...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#1f77b4"/g),
    ].map((m) => Number(m[1]));
    expect(heights).toHaveLength(20);
    expect(heights[0]).toBeCloseTo(3 * (heights[19] as number), 1);
    expect(heights.slice(1, 19).every((h) => h === 0)).toBe(true);
  });
});
