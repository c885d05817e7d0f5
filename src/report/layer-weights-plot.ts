/** SVG bar chart of a learned layer mix (BertConcat's softmax weights), with Tenney's center of gravity. */
import { scaleBand, scaleLinear } from 'd3-scale';
import { InvalidArgumentError } from '../errors.js';
import { centerOfGravity } from './layer-stats.js';
import { element, svgDocument, text, tooltip } from './svg.js';

/** Options of {@link layerWeightsSvg}. */
export interface LayerWeightsPlotOptions {
  /** Normalised mix weights, one per mixed layer (e.g. `BertConcat.getMixWeights()`). */
  weights: ArrayLike<number>;
  /** Label under each bar. Default: the layer index (`0` = embeddings). */
  labels?: string[];
  /** Layer index each weight stands for, when the mix covers a subset. Default: 0, 1, 2, … */
  layerIndices?: number[];
  /** The learned scale γ, shown in the subtitle when given. Default: not shown. */
  gamma?: number;
  /** Plot title. Default: `'Learned layer weights'`. */
  title?: string;
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height in pixels. Default 360. */
  height?: number;
}

const MARGIN = { top: 56, right: 20, bottom: 44, left: 56 };

/**
 * Render the mix weights as one bar per layer, a dashed line at the uniform weight 1/L, and a vertical marker at the
 * center of gravity (the weighted mean layer). Returns a standalone SVG document.
 * @throws InvalidArgumentError when the weights are empty, negative or non-finite, or labels do not match.
 */
export function layerWeightsSvg(options: LayerWeightsPlotOptions): string {
  const weights = Array.from(options.weights);
  const count = weights.length;
  const indices = options.layerIndices ?? weights.map((_, i) => i);
  const labels = options.labels ?? indices.map(String);
  if (labels.length !== count) throw new InvalidArgumentError(`${count} weights but ${labels.length} labels`);
  const center = centerOfGravity(weights, indices);
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const title = options.title ?? 'Learned layer weights';

  const x = scaleBand<number>()
    .domain(weights.map((_, i) => i))
    .range([MARGIN.left, width - MARGIN.right])
    .padding(0.15);
  const y = scaleLinear()
    .domain([0, Math.max(...weights, 1 / count) * 1.08])
    .nice()
    .range([height - MARGIN.bottom, MARGIN.top]);
  const body: string[] = [];

  body.push('<g class="grid">');
  for (const tick of y.ticks(5)) {
    body.push(element('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick) }));
  }
  body.push('</g>', '<g class="axis">');
  for (const tick of y.ticks(5)) {
    body.push(text(MARGIN.left - 6, y(tick) + 4, y.tickFormat(5)(tick), { 'text-anchor': 'end' }));
  }
  const labelEvery = Math.ceil(count / 26);
  weights.forEach((_, i) => {
    if (i % labelEvery === 0) {
      body.push(text(x(i)! + x.bandwidth() / 2, height - MARGIN.bottom + 16, labels[i]!, { 'text-anchor': 'middle' }));
    }
  });
  body.push(element('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(0), y2: y(0) }), '</g>');

  body.push('<g class="bars">');
  weights.forEach((w, i) => {
    body.push(
      element(
        'rect',
        {
          x: x(i)!,
          y: y(w),
          width: x.bandwidth(),
          height: y(0) - y(w),
          fill: '#4C78A8',
          'data-layer': labels[i]!,
          'data-weight': w.toPrecision(6),
        },
        tooltip(`${labels[i]!}: ${w.toFixed(4)}`),
      ),
    );
  });
  body.push('</g>');

  const uniform = 1 / count;
  body.push(
    element('line', {
      class: 'uniform',
      x1: MARGIN.left,
      x2: width - MARGIN.right,
      y1: y(uniform),
      y2: y(uniform),
      stroke: '#999',
      'stroke-dasharray': '4 3',
    }),
    text(width - MARGIN.right, y(uniform) - 4, `uniform 1/${count}`, { class: 'label', 'text-anchor': 'end' }),
  );

  // Position of the center of gravity between the bars of the neighbouring layer indices.
  const lo = Math.max(
    0,
    indices.findLastIndex((v) => v <= center),
  );
  const hi = Math.min(count - 1, lo + 1);
  const span = indices[hi]! - indices[lo]!;
  const frac = span > 0 ? (center - indices[lo]!) / span : 0;
  const cx = x(lo)! + x.bandwidth() / 2 + frac * (x(hi)! - x(lo)!);
  body.push(
    element('line', {
      class: 'center-of-gravity',
      x1: cx,
      x2: cx,
      y1: MARGIN.top - 6,
      y2: y(0),
      stroke: '#E45756',
      'stroke-width': 2,
    }),
    text(cx + 4, MARGIN.top + 6, `center of gravity ${center.toFixed(2)}`, { class: 'label', fill: '#E45756' }),
  );

  const gamma = options.gamma === undefined ? '' : ` · γ = ${options.gamma.toFixed(4)}`;
  const subtitle = `${count} layers · weighted mean layer ${center.toFixed(2)}${gamma}`;
  body.push(
    text(MARGIN.left, 22, title, { class: 'title' }),
    text(MARGIN.left, 40, subtitle, { class: 'label' }),
    text((MARGIN.left + width - MARGIN.right) / 2, height - 8, 'layer', { class: 'label', 'text-anchor': 'middle' }),
    text(14, (MARGIN.top + height - MARGIN.bottom) / 2, 'softmax weight', {
      class: 'label',
      'text-anchor': 'middle',
      transform: `rotate(-90 14 ${(MARGIN.top + height - MARGIN.bottom) / 2})`,
    }),
  );
  return svgDocument(width, height, `${title}: ${subtitle}`, body);
}
