import { describe, expect, it } from 'vitest';
import { ProgressBar, formatDuration } from '../../src/cli/progress.js';

function fakeSink(isTTY: boolean) {
  const out: string[] = [];
  return { out, sink: { write: (t: string) => out.push(t), isTTY, columns: 100 } };
}

describe('ProgressBar', () => {
  it('formats durations', () => {
    expect(formatDuration(7.4)).toBe('7s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('--');
  });

  it('reports rate, ETA and loss from the clock', () => {
    let t = 0;
    const { out, sink } = fakeSink(true);
    const bar = new ProgressBar({ total: 10, label: 'epoch 1/2', sink, now: () => t });
    t = 2000;
    bar.update({ done: 4, examples: 256, loss: 0.5 });
    expect(out.at(-1)).toContain('4/10 · 128 ex/s · ETA 3s · loss 0.5000');
    expect(out.at(-1)!.startsWith('\repoch 1/2 ')).toBe(true);
    t = 5000;
    bar.update({ done: 10, examples: 384 });
    bar.finish();
    expect(out.at(-1)).toMatch(/10\/10 · 128 ex\/s · took 5s · loss 0\.5000\u001b\[K\n$/);
  });

  it('throttles redraws on a TTY and logs plain lines elsewhere', () => {
    let t = 0;
    const tty = fakeSink(true);
    const bar = new ProgressBar({ total: 100, sink: tty.sink, now: () => t, redrawEveryMs: 100 });
    for (let i = 1; i <= 50; i++) {
      t = i * 10;
      bar.update({ done: i });
    }
    expect(tty.out.length).toBe(5);
    const log = fakeSink(false);
    t = 0;
    const plain = new ProgressBar({ total: 100, sink: log.sink, now: () => t, logEveryMs: 1000 });
    for (let i = 1; i <= 50; i++) {
      t = i * 100;
      plain.update({ done: i });
    }
    expect(log.out.length).toBe(5);
    expect(log.out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });
});

describe('ProgressBar resumed part-way', () => {
  it('counts only the work done since it started for the ETA', () => {
    let t = 0;
    const out: string[] = [];
    const bar = new ProgressBar({
      total: 10,
      initial: 6,
      sink: { write: (s) => out.push(s), isTTY: false },
      now: () => t,
      logEveryMs: 0,
    });
    t = 1000;
    bar.update({ done: 8, examples: 20 });
    expect(out.at(-1)).toContain('8/10 · 20.0 ex/s · ETA 1s');
  });
});
