/**
 * SVG versions of the official scorer's `-p` images: the precision-recall curves (`pr_exact`, `pr_f1`,
 * `pr_oracle`) and the na_prob histograms of answerable and unanswerable questions (`na_prob_hist_hasAns`,
 * `na_prob_hist_noAns`). The official script writes PNGs with matplotlib; these are standalone SVG documents.
 */
import type { PrCurve } from '../squad/metric/thresholds.js';
import { escapeXml } from './svg.js';

const WIDTH = 480;
const HEIGHT = 360;
const MARGIN = { left: 56, right: 16, top: 32, bottom: 44 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Round tick values (steps of 1, 2 or 5 × 10^k, about five of them) within [lo, hi]. */
function niceTicks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  xRange: [number, number],
  yMax: number,
  body: string,
): string {
  const [x0, x1] = xRange;
  const xTicks = niceTicks(x0, x1).map((v) => {
    const x = MARGIN.left + ((v - x0) / (x1 - x0)) * PLOT_W;
    return `<text x="${x.toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${v}</text>`;
  });
  const yTicks = niceTicks(0, yMax).map((v) => {
    const y = MARGIN.top + PLOT_H - (v / yMax) * PLOT_H;
    return `<text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${v}</text>`;
  });
  const ticks = [...xTicks, ...yTicks];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      'font-family="sans-serif" font-size="11">',
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="black"/>`,
    body,
    ...ticks,
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * A precision-recall step curve (drawn "post": each precision holds until the next recall), filled below, on
 * axes [0, 1.05] × [0, 1.05] like the official plot.
 */
export function precisionRecallSvg(curve: PrCurve, title: string): string {
  const px = (r: number): number => MARGIN.left + (r / 1.05) * PLOT_W;
  const py = (p: number): number => MARGIN.top + PLOT_H - (p / 1.05) * PLOT_H;
  const points: string[] = [];
  curve.recalls.forEach((r, i) => {
    const p = curve.precisions[i] as number;
    const nextR = curve.recalls[i + 1] ?? r;
    points.push(`${px(r).toFixed(2)},${py(p).toFixed(2)}`, `${px(nextR).toFixed(2)},${py(p).toFixed(2)}`);
  });
  const last = curve.recalls[curve.recalls.length - 1] ?? 0;
  const area = `${px(0).toFixed(2)},${py(0).toFixed(2)} ${points.join(' ')} ${px(last).toFixed(2)},${py(0).toFixed(2)}`;
  const body =
    `<polygon points="${area}" fill="#1f77b4" fill-opacity="0.2"/>` +
    `<polyline points="${points.join(' ')}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`;
  return frame(title, 'Recall', 'Precision', [0, 1.05], 1.05, body);
}

/**
 * A 20-bin histogram of na_prob values, each bar the fraction of questions in that bin (the official plot's
 * `weights = 1/n`), bins spanning the values' range.
 */
export function naProbHistogramSvg(values: readonly number[], title: string): string {
  const bins = new Array<number>(20).fill(0);
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite, 0);
  const hi = Math.max(...finite, lo + 1e-12);
  for (const v of finite)
    bins[Math.min(19, Math.floor(((v - lo) / (hi - lo)) * 20))]! += 1 / Math.max(1, values.length);
  const yMax = Math.max(...bins, 1e-12);
  const barW = PLOT_W / 20;
  const body = bins
    .map((b, i) => {
      const h = (b / yMax) * PLOT_H;
      const [x, y] = [(MARGIN.left + i * barW).toFixed(2), (MARGIN.top + PLOT_H - h).toFixed(2)];
      return `<rect x="${x}" y="${y}" width="${barW.toFixed(2)}" height="${h.toFixed(2)}" fill="#1f77b4" stroke="white"/>`;
    })
    .join('');
  return frame(title, 'Model probability of no-answer', 'Proportion of dataset', [lo, hi], yMax, body);
}
