/** SVG learning curves: training/dev loss and dev metrics (EM, F1, accuracy, …) per epoch, side by side. */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { InvalidArgumentError } from '../errors.js';
import { element, svgDocument, text, tooltip } from './svg.js';

/** One epoch's record: any named series; `undefined`/missing values leave a gap. */
export interface EpochRecord {
  /** Epoch number (may be fractional, e.g. 0.5 for a mid-epoch evaluation). */
  epoch: number;
  /** Series shown in the left panel (e.g. `{ loss: 0.41, dev_loss: 0.45 }`). */
  losses: Record<string, number | undefined>;
  /** Series shown in the right panel (e.g. `{ exact: 71.2, f1: 74.9 }`). */
  metrics: Record<string, number | undefined>;
}

/** Options of {@link learningCurvesSvg}. */
export interface LearningCurvesPlotOptions {
  history: EpochRecord[];
  /** Plot title. Default `'Learning curves'`. */
  title?: string;
  /** Width in pixels. Default 880. */
  width?: number;
  /** Height in pixels. Default 340. */
  height?: number;
}

const PALETTE = ['#4C78A8', '#F58518', '#54A24B', '#E45756', '#72B7B2', '#B279A2', '#FF9DA6', '#9D755D'];
const PANEL_MARGIN = { top: 56, right: 16, bottom: 44, left: 56 };

function seriesNames(history: EpochRecord[], key: 'losses' | 'metrics'): string[] {
  const names: string[] = [];
  for (const record of history)
    for (const name of Object.keys(record[key])) if (!names.includes(name)) names.push(name);
  return names;
}

function panel(
  history: EpochRecord[],
  key: 'losses' | 'metrics',
  x0: number,
  x1: number,
  height: number,
  heading: string,
): string[] {
  const names = seriesNames(history, key);
  const values = history.flatMap((r) =>
    names.map((n) => r[key][n]).filter((v): v is number => v !== undefined && Number.isFinite(v)),
  );
  const epochs = history.map((r) => r.epoch);
  const x = scaleLinear()
    .domain([
      Math.min(...epochs),
      Math.max(...epochs) === Math.min(...epochs) ? Math.min(...epochs) + 1 : Math.max(...epochs),
    ])
    .range([x0 + PANEL_MARGIN.left, x1 - PANEL_MARGIN.right]);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const pad = hi === lo ? Math.abs(hi) * 0.1 + 1e-3 : (hi - lo) * 0.08;
  const y = scaleLinear()
    .domain([lo - pad, hi + pad])
    .nice()
    .range([height - PANEL_MARGIN.bottom, PANEL_MARGIN.top]);
  const out: string[] = ['<g class="grid">'];
  for (const t of y.ticks(5)) out.push(element('line', { x1: x.range()[0]!, x2: x.range()[1]!, y1: y(t), y2: y(t) }));
  out.push('</g>', '<g class="axis">');
  for (const t of y.ticks(5)) out.push(text(x.range()[0]! - 6, y(t) + 4, y.tickFormat(5)(t), { 'text-anchor': 'end' }));
  for (const t of x.ticks(Math.min(8, history.length))) {
    out.push(text(x(t), height - PANEL_MARGIN.bottom + 16, x.tickFormat()(t), { 'text-anchor': 'middle' }));
  }
  out.push(element('line', { x1: x.range()[0]!, x2: x.range()[1]!, y1: y.range()[0]!, y2: y.range()[0]! }), '</g>');
  names.forEach((name, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const points = history
      .map((r) => [r.epoch, r[key][name]] as const)
      .filter((p): p is readonly [number, number] => p[1] !== undefined && Number.isFinite(p[1]));
    const path = line<readonly [number, number]>()
      .x((p) => x(p[0]))
      .y((p) => y(p[1]))(points);
    if (path)
      out.push(
        element('path', {
          class: 'series',
          'data-series': name,
          d: path,
          fill: 'none',
          stroke: color,
          'stroke-width': 2,
        }),
      );
    for (const p of points) {
      out.push(
        element('circle', { cx: x(p[0]), cy: y(p[1]), r: 3, fill: color }, tooltip(`${name} @ ${p[0]}: ${p[1]}`)),
      );
    }
    out.push(
      element('rect', { x: x.range()[0]! + 8 + i * 110, y: PANEL_MARGIN.top - 14, width: 10, height: 10, fill: color }),
    );
    out.push(text(x.range()[0]! + 22 + i * 110, PANEL_MARGIN.top - 5, name, { class: 'label' }));
  });
  out.push(text(x.range()[0]!, 42, heading, { class: 'label', 'font-weight': 600 }));
  out.push(text((x.range()[0]! + x.range()[1]!) / 2, height - 8, 'epoch', { class: 'label', 'text-anchor': 'middle' }));
  return out;
}

/**
 * Render loss curves (left) and dev metrics (right) per epoch. Returns a standalone SVG document.
 * @throws InvalidArgumentError when the history is empty or epochs are not increasing.
 */
export function learningCurvesSvg(options: LearningCurvesPlotOptions): string {
  const { history } = options;
  if (history.length === 0) throw new InvalidArgumentError('learning curves need at least one epoch record');
  for (let i = 1; i < history.length; i++) {
    if (!(history[i]!.epoch > history[i - 1]!.epoch)) {
      throw new InvalidArgumentError(
        `epochs must increase: record ${i} has epoch ${history[i]!.epoch} after ${history[i - 1]!.epoch}`,
      );
    }
  }
  const width = options.width ?? 880;
  const height = options.height ?? 340;
  const title = options.title ?? 'Learning curves';
  const mid = width / 2;
  const body = [
    ...panel(history, 'losses', 0, mid, height, 'loss'),
    ...panel(history, 'metrics', mid, width, height, 'dev metrics'),
    text(PANEL_MARGIN.left, 22, title, { class: 'title' }),
  ];
  return svgDocument(width, height, title, body);
}
