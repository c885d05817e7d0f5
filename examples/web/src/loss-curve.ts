/** A live loss curve: one point per training step, epoch boundaries marked. Fixed size (no layout shift). */

const WIDTH = 640;
const HEIGHT = 300;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/** Renders the losses (step order) as an SVG string; `epochEnds` are step counts where epochs ended. */
export function lossCurveSvg(losses: readonly number[], epochEnds: readonly number[]): string {
  const w = WIDTH - PAD.left - PAD.right;
  const hgt = HEIGHT - PAD.top - PAD.bottom;
  const max = Math.max(1e-6, ...losses);
  const steps = Math.max(2, losses.length);
  const x = (i: number): number => PAD.left + (i / (steps - 1)) * w;
  const y = (v: number): number => PAD.top + hgt - (v / max) * hgt;
  const points = losses.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const ticks = [0, max / 2, max].map(
    (v) =>
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text><line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
  );
  const marks = epochEnds.map(
    (s) => `<line x1="${x(s - 1)}" x2="${x(s - 1)}" y1="${PAD.top}" y2="${PAD.top + hgt}" class="epoch"/>`,
  );
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Training loss per step" class="chart">
  ${ticks.join('')}${marks.join('')}
  <polyline points="${points}" class="loss"/>
  <text x="${PAD.left + w / 2}" y="${HEIGHT - 6}" text-anchor="middle">step (${losses.length})</text>
</svg>`;
}
