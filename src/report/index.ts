/** Reports: SVG plots of learned layer weights and learning curves (browser-safe). */
export * from './layer-mixes.js';
export * from './layer-stats.js';
export * from './layer-weights-plot.js';
export * from './learning-curves-plot.js';
export { escapeXml } from './svg.js';
