/**
 * A terminal progress bar for long work: bar, done/total, examples/s, ETA and the latest loss.
 * On a TTY it redraws one line in place (throttled); elsewhere (CI logs, pipes) it prints a plain line at most every
 * `logEveryMs`, so logs stay readable. Writes to stderr by default, keeping stdout for results and `--json`.
 */

/** Where the bar writes and how it tells time; injectable for tests. */
export interface ProgressSink {
  write: (text: string) => void;
  /** True when the sink is an interactive terminal (in-place redraw). */
  isTTY: boolean;
  /** Terminal width in columns. Default 80. */
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Total units of work (steps, examples…). */
  total: number;
  /** Units already done when the bar starts (e.g. a resumed epoch); excluded from the rate. Default 0. */
  initial?: number;
  /** Label in front of the bar, e.g. `'epoch 1/3'`. Default `''`. */
  label?: string;
  /** Output. Default: `process.stderr`. */
  sink?: ProgressSink;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Minimum time between TTY redraws. Default 100 ms. */
  redrawEveryMs?: number;
  /** Minimum time between plain log lines when not a TTY. Default 10 000 ms. */
  logEveryMs?: number;
}

/** Format seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

function defaultSink(): ProgressSink {
  const stream = process.stderr;
  return { write: (t) => stream.write(t), isTTY: Boolean(stream.isTTY), columns: stream.columns ?? 80 };
}

/** See the module description. Call {@link update} as work progresses and {@link finish} at the end. */
export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly sink: ProgressSink;
  private readonly now: () => number;
  private readonly redrawEveryMs: number;
  private readonly logEveryMs: number;
  private readonly started: number;
  private lastDraw = -Infinity;
  private done: number;
  private readonly initial: number;
  private examples = 0;
  private loss: number | undefined;

  constructor(options: ProgressBarOptions) {
    this.total = Math.max(0, options.total);
    this.label = options.label ?? '';
    this.sink = options.sink ?? defaultSink();
    this.now = options.now ?? Date.now;
    this.redrawEveryMs = options.redrawEveryMs ?? 100;
    this.logEveryMs = options.logEveryMs ?? 10_000;
    this.started = this.now();
    this.initial = Math.min(Math.max(0, options.initial ?? 0), this.total);
    this.done = this.initial;
  }

  /** Record progress: `done` units finished so far, `examples` processed in this update, the latest `loss`. */
  update(progress: { done: number; examples?: number; loss?: number }): void {
    this.done = Math.min(progress.done, this.total);
    this.examples += progress.examples ?? 0;
    if (progress.loss !== undefined) this.loss = progress.loss;
    const t = this.now();
    if (t - this.lastDraw >= (this.sink.isTTY ? this.redrawEveryMs : this.logEveryMs)) this.draw(t, false);
  }

  /** Draw the final state and end the line. */
  finish(): void {
    this.draw(this.now(), true);
  }

  /** The status text without the bar: `12/40 · 850 ex/s · ETA 3s · loss 0.4123`. */
  status(t = this.now()): string {
    const elapsed = Math.max(1e-9, (t - this.started) / 1000);
    const rate = this.examples / elapsed;
    const progressed = this.done - this.initial;
    const eta = progressed > 0 ? (elapsed / progressed) * (this.total - this.done) : Number.NaN;
    const parts = [`${this.done}/${this.total}`];
    if (this.examples > 0) parts.push(`${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} ex/s`);
    parts.push(this.done >= this.total ? `took ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`);
    if (this.loss !== undefined) parts.push(`loss ${this.loss.toFixed(4)}`);
    return parts.join(' · ');
  }

  private draw(t: number, final: boolean): void {
    this.lastDraw = t;
    const status = this.status(t);
    const label = this.label ? `${this.label} ` : '';
    if (!this.sink.isTTY) {
      this.sink.write(`${label}${status}\n`);
      return;
    }
    const width = Math.max(10, Math.min(40, (this.sink.columns ?? 80) - label.length - status.length - 4));
    const filled = this.total > 0 ? Math.round((this.done / this.total) * width) : width;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.sink.write(`\r${label}${bar} ${status}\u001b[K${final ? '\n' : ''}`);
  }
}
