/**
 * SVG learning curves per epoch, one panel per scale side by side: the losses; the dev metrics in [0, 1] (accuracy,
 * the answerability F1, precision, recall); the dev metrics in [0, 100] (SQuAD EM and F1); any other metric on its
 * own axis. Counts (`questions`, `total`, `HasAns_total`, …) and thresholds (`best_f1_thresh`) are not curves and are
 * left out. Each panel has a legend below it that wraps, so every series is named.
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { InvalidArgumentError } from '../errors.js';
import { element, svgDocument, text, tooltip } from './svg.js';

/** One epoch's record: any named series; `undefined`/missing values leave a gap. */
export interface EpochRecord {
  /** Epoch number (may be fractional, e.g. 0.5 for a mid-epoch evaluation). */
  epoch: number;
  /** Losses, drawn in the first panel (e.g. `{ loss: 0.41, dev_loss: 0.45 }`). */
  losses: Record<string, number | undefined>;
  /** Dev metrics (e.g. `{ exact: 71.2, f1: 74.9, total: 5928 }`), each drawn in the panel of its scale; counts and thresholds are left out. */
  metrics: Record<string, number | undefined>;
}

/** Options of {@link learningCurvesSvg}. */
export interface LearningCurvesPlotOptions {
  history: EpochRecord[];
  /** Plot title. Default `'Learning curves'`. */
  title?: string;
  /** Width in pixels. Default 880. */
  width?: number;
  /** Height in pixels without the legends (they add a row of 18 pixels per 'row' of names). Default 340. */
  height?: number;
}

const PALETTE = ['#4C78A8', '#F58518', '#54A24B', '#E45756', '#72B7B2', '#B279A2', '#FF9DA6', '#9D755D'];
const PANEL_MARGIN = { top: 60, right: 16, bottom: 44, left: 56 };
const LEGEND_ROW = 18;

/** Metric names that are counts or thresholds, not quantities to follow over epochs. */
const NOT_A_CURVE = /(^|_)(total|questions|count|windows|examples)$|(^|_)thresh(old)?$/i;

/** One panel: its heading, its series and, for bounded scales, the range its axis never leaves. */
interface Panel {
  heading: string;
  names: string[];
  values: (record: EpochRecord, name: string) => number | undefined;
  bounds?: [number, number];
}

function seriesNames(history: EpochRecord[], key: 'losses' | 'metrics'): string[] {
  const names: string[] = [];
  for (const record of history)
    for (const name of Object.keys(record[key])) if (!names.includes(name)) names.push(name);
  return names;
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** The panels of a history: losses, then the metrics grouped by scale. Empty panels are left out. */
function panelsOf(history: EpochRecord[]): Panel[] {
  const metric = (r: EpochRecord, n: string) => r.metrics[n];
  const scales: Record<'unit' | 'percent' | 'other', string[]> = { unit: [], percent: [], other: [] };
  for (const name of seriesNames(history, 'metrics')) {
    if (NOT_A_CURVE.test(name)) continue;
    const values = history.map((r) => r.metrics[name]).filter(finite);
    const scale = values.every((v) => v >= 0 && v <= 1)
      ? 'unit'
      : values.every((v) => v >= 0 && v <= 100)
        ? 'percent'
        : 'other';
    scales[scale].push(name);
  }
  const panels: Panel[] = [
    { heading: 'loss', names: seriesNames(history, 'losses'), values: (r, n) => r.losses[n] },
    { heading: 'dev metrics (0–1)', names: scales.unit, values: metric, bounds: [0, 1] },
    { heading: 'dev metrics (0–100)', names: scales.percent, values: metric, bounds: [0, 100] },
    { heading: 'other dev metrics', names: scales.other, values: metric },
  ];
  return panels.filter((p) => p.names.length > 0);
}

/** Legend items laid out in rows within `width`: the position of each name, and the number of rows. */
function legendLayout(names: string[], width: number): { at: Array<[number, number]>; rows: number } {
  const at: Array<[number, number]> = [];
  let x = 0;
  let row = 0;
  for (const name of names) {
    const w = 24 + name.length * 7;
    if (x > 0 && x + w > width) {
      x = 0;
      row += 1;
    }
    at.push([x, row]);
    x += w;
  }
  return { at, rows: row + 1 };
}

function drawPanel(history: EpochRecord[], p: Panel, x0: number, x1: number, height: number): string[] {
  const { names } = p;
  const values = history.flatMap((r) => names.map((n) => p.values(r, n)).filter(finite));
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
  const [min, max] = p.bounds ?? [-Infinity, Infinity];
  const y = scaleLinear()
    .domain([Math.max(min, lo - pad), Math.min(max, hi + pad)])
    .nice()
    .range([height - PANEL_MARGIN.bottom, PANEL_MARGIN.top]);
  const [left, right] = x.range() as [number, number];
  const out: string[] = ['<g class="grid">'];
  for (const t of y.ticks(5)) out.push(element('line', { x1: left, x2: right, y1: y(t), y2: y(t) }));
  out.push('</g>', '<g class="axis">');
  for (const t of y.ticks(5)) out.push(text(left - 6, y(t) + 4, y.tickFormat(5)(t), { 'text-anchor': 'end' }));
  const wholeEpochs = epochs.every(Number.isInteger);
  for (const t of x.ticks(Math.min(8, history.length)).filter((t) => !wholeEpochs || Number.isInteger(t))) {
    out.push(
      text(x(t), height - PANEL_MARGIN.bottom + 16, wholeEpochs ? String(t) : x.tickFormat()(t), {
        'text-anchor': 'middle',
      }),
    );
  }
  out.push(element('line', { x1: left, x2: right, y1: y.range()[0]!, y2: y.range()[0]! }), '</g>');
  const legend = legendLayout(names, right - left);
  names.forEach((name, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const points = history
      .map((r) => [r.epoch, p.values(r, name)] as const)
      .filter((q): q is readonly [number, number] => finite(q[1]));
    const path = line<readonly [number, number]>()
      .x((q) => x(q[0]))
      .y((q) => y(q[1]))(points);
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
    for (const q of points) {
      out.push(
        element('circle', { cx: x(q[0]), cy: y(q[1]), r: 3, fill: color }, tooltip(`${name} @ ${q[0]}: ${q[1]}`)),
      );
    }
    const [lx, row] = legend.at[i]!;
    const ly = height + row * LEGEND_ROW;
    out.push(element('rect', { x: left + lx, y: ly - 9, width: 10, height: 10, fill: color }));
    out.push(text(left + lx + 14, ly, name, { class: 'label', 'data-legend': name }));
  });
  out.push(text(left, PANEL_MARGIN.top - 16, p.heading, { class: 'label', 'font-weight': 600 }));
  out.push(text((left + right) / 2, height - 12, 'epoch', { class: 'label', 'text-anchor': 'middle' }));
  return out;
}

/**
 * Render the learning curves of a training history (see the module description). Returns a standalone SVG document.
 * @example
 * ```ts
 * const svg = learningCurvesSvg({
 *   title: 'tenney-small',
 *   history: [{ epoch: 1, losses: { loss: 0.62 }, metrics: { accuracy: 0.71, f1: 0.69, questions: 200 } }],
 * });
 * ```
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
  const panels = panelsOf(history);
  const step = width / panels.length;
  const legendRows = Math.max(
    ...panels.map((p) => legendLayout(p.names, step - PANEL_MARGIN.left - PANEL_MARGIN.right).rows),
  );
  const body = [
    ...panels.flatMap((p, i) => drawPanel(history, p, i * step, (i + 1) * step, height)),
    text(PANEL_MARGIN.left, 22, title, { class: 'title' }),
  ];
  return svgDocument(width, height + legendRows * LEGEND_ROW, title, body);
}
