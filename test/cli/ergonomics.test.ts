/**
 * The CLI's conventions (docs/cli.md): negative numbers are values, numbers are decimal, unknown flags get a one-line
 * "did you mean", every usage error exits 2 before the backend starts, and the commands say what they did.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { closestNames } from '../../src/cli/command-line.js';
import { trainHead } from '../../src/jobs/train.js';
import { architectures } from '../../src/models/index.js';
import { cli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spanStore = join(root, 'data/minilm/span-eval-6q-finetuned.safetensors');
const clsTrain = join(root, 'data/minilm/cls-train-300q.h5');
const squad = join(root, 'data/squad/dev-v2.0.json');
const work = mkdtempSync(join(tmpdir(), 'bv-ergonomics-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const STARTED = /using backend/;

describe('flag values', () => {
  it('takes a negative number as the value of any number flag', async () => {
    const out = join(work, 'negative');
    const r = await cli([
      'ensemble',
      spanStore,
      '--squad',
      squad,
      '--out',
      out,
      '--bert',
      '--null-score-diff-threshold',
      '-0.55',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(out, 'predictions.json'))).toBe(true);
    // a negative where a positive is needed is refused for what it is, not as "ambiguous"
    const lr = await cli(['train', clsTrain, '--arch', 'tenney-small', '--out', join(work, 'x'), '--lr', '-1']);
    expect(lr.code).toBe(2);
    expect(lr.err).toMatch(/--lr: -1 must be greater than 0/);
  });

  it.each([
    [['--lr', '0x10'], /--lr: '0x10' is not a decimal number/],
    [['--lr', '1_000'], /--lr: '1_000' is not a decimal number/],
    [['--lr', 'Infinity'], /--lr: 'Infinity' is not a decimal number/],
    [['--epochs', '0x3'], /--epochs: '0x3' is not a positive integer/],
    [['--epochs', ' 3'], /--epochs: ' 3' is not a positive integer/],
    [['--lrr', '0.1'], /unknown flag --lrr \(did you mean --lr\?\)/],
    [['--epoch', '2'], /unknown flag --epoch \(did you mean --epochs\?\)/],
    [['--frobnicate'], /unknown flag --frobnicate \(see 'bertvision train --help'\)/],
    [['--json=yes'], /--json is a switch and takes no value/],
    [['--seed'], /--seed needs a value/],
    [['--seed', '--json'], /--seed needs a value/],
    [['--arch', 'tenney-smol'], /--arch: 'tenney-smol' is not one of/],
  ])('train %j: usage error, exit 2, before the backend starts', async (extra, message) => {
    const r = await cli(['train', clsTrain, '--out', join(work, 'never'), '--arch', 'tenney-small', ...extra]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect((r.err.match(/'/g) ?? []).length % 2, 'balanced quotes').toBe(0);
    expect(r.err).not.toMatch(STARTED);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it.each([
    ['predict', [spanStore, '--model', 'm', '--out', join(work, 'p'), '--batch-size', '0']],
    ['predict', [spanStore, '--model', 'm', '--out', join(work, 'p'), '--decoder', 'beam']],
    ['ensemble', [spanStore, '--squad', squad, '--out', join(work, 'e'), '--bert', '--model', 'm', '--weights', '1,2']],
    [
      'ensemble',
      [
        spanStore,
        '--squad',
        squad,
        '--out',
        join(work, 'e'),
        '--bert',
        '--gate',
        'g',
        '--gate-store',
        's',
        '--gate-weight',
        '2',
      ],
    ],
    ['ensemble', [spanStore, '--squad', squad, '--out', join(work, 'e'), '--bert', '--n-best-size', '0x4']],
    ['extract', ['--model', 'm.onnx', '--squad', squad, '-o', join(work, 'x.safetensors'), '--batch-size', '-2']],
    ['extract', ['--model', 'm.onnx', '--squad', squad, '-o', join(work, 'x.safetensors'), '--split-file', 'f.json']],
    ['convert', [spanStore, join(work, 'c'), '--architecture', 'nope']],
    ['convert', [spanStore, join(work, 'c.keras')]],
    ['architectures', ['--input-shape', '1,2']],
    ['evaluate', [squad, 'p.json', '--bogus']],
  ])('%s %j: usage error, exit 2, before any work', async (command, args) => {
    const r = await cli([command, ...args]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(new RegExp(`^bertvision ${command}: .*\\(see 'bertvision ${command} --help'\\)\\n$`));
    expect(r.err).not.toMatch(STARTED);
  });

  it('refuses a device as the SQuAD or split file of extract before reading from it', async () => {
    const tokenizer = join(root, 'data/minilm/tokenizer.json');
    const out = join(work, 'dev-zero.safetensors');
    const base = ['extract', '--model', 'm.onnx', '--tokenizer', tokenizer, '-o', out];
    const squadZero = await cli([...base, '--squad', '/dev/zero']);
    expect(squadZero.code).toBe(1);
    expect(squadZero.err).toMatch(/^bertvision extract: \/dev\/zero: is a character device, expected a regular file/);
    const splitZero = await cli([...base, '--squad', squad, '--split-file', '/dev/zero', '--split-part', 'eval']);
    expect(splitZero.err).toMatch(/\/dev\/zero: is a character device/);
    expect(existsSync(out)).toBe(false);
  });

  it('suggests the closest names, and nothing when nothing is close', () => {
    expect(closestNames('out-dir', ['out', 'output', 'dev'])).toEqual([]);
    expect(closestNames('ot', ['out', 'dev'])).toEqual(['out']);
    expect(closestNames('gate-stor', ['gate', 'gate-store', 'gate-mode'])).toEqual(['gate-store']);
  });
});

describe('top level', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`bertvision ${version}\n`);
  });

  it('help <command> is <command> --help; an unknown command gets a suggestion', async () => {
    expect((await cli(['help', 'train'])).out).toBe((await cli(['train', '--help'])).out);
    const r = await cli(['trian']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'trian' \(did you mean 'train'\?\)/);
  });

  it('architectures lists every head with the seed counts at the stated shape', async () => {
    const r = await cli(['architectures', '--json']);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as Array<{ name: string; parameters: number; inputShape: number[] }>;
    expect(rows.map((x) => x.name)).toEqual(Object.keys(architectures));
    for (const row of rows)
      expect(row.parameters).toBe(architectures[row.name as keyof typeof architectures].seedParameterCount);
    const text = await cli(['architectures']);
    expect(text.out).toMatch(/^binary heads, input shape 1,1024,26 \(S,E,L\):\n {2}tenney-small +2,077\n/);
    expect(text.out).toMatch(/\nspan heads, input shape 386,1024,25 \(S,E,L\):\n/);
  });

  it('architectures --input-shape builds and counts at that shape (tenney-small on MiniLM: 779)', async () => {
    const r = await cli(['architectures', '--input-shape', '1,384,8', '--arch', 'tenney-small', '--json']);
    expect(r.code, r.err).toBe(0);
    const [row] = JSON.parse(r.out) as Array<{ parameters: number; inputShape: number[] }>;
    expect(row).toMatchObject({ parameters: 779, inputShape: [1, 384, 8] });
  });
});

describe('saying what happened', () => {
  it('train --resume says which checkpoint it resumed from, or that there was none', async () => {
    const out = join(work, 'resume');
    const args = ['train', clsTrain, '--arch', 'tenney-small', '--out', out, '--batch-size', '64'];
    const first = await cli([...args, '--epochs', '1', '--resume']);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/--resume: no checkpoint in .*resume; starting from the beginning/);
    const again = await cli([...args, '--epochs', '2', '--resume']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(`resuming from ${join(out, 'checkpoints', 'last.ckpt')}: epoch 2, batch 0`);
  });

  it('train --overwrite replaces an earlier run in --out and says so; the library refuses without it', async () => {
    const out = join(work, 'overwrite');
    const args = ['train', clsTrain, '--arch', 'tenney-small', '--out', out, '--epochs', '1', '--batch-size', '64'];
    expect((await cli(args)).code).toBe(0);
    const replaced = await cli([...args, '--overwrite', '--json']);
    expect(replaced.code, replaced.err).toBe(0);
    expect(replaced.err).toContain(`--overwrite: replacing the run in ${out}`);
    expect(JSON.parse(replaced.out).state.history).toHaveLength(1);
    await expect(
      trainHead({ trainStore: clsTrain, architecture: 'tenney-small', outDir: out, epochs: 1, quiet: true }),
    ).rejects.toThrow(/overwrite \(--overwrite\) to replace it/);
    const again = await trainHead({
      trainStore: clsTrain,
      architecture: 'tenney-small',
      outDir: out,
      epochs: 1,
      overwrite: true,
      quiet: true,
    });
    expect(again.resumedFrom).toBeNull();
    expect((await cli([...args, '--overwrite', '--resume'])).code).toBe(2);
  });

  it('inspect takes a model.json for its directory and calls any other JSON file what it is', async () => {
    const model = await cli(['inspect', join(work, 'resume', 'model', 'model.json')]);
    expect(model.code, model.err).toBe(0);
    expect(model.out).toMatch(/^model /);
    const json = await cli(['inspect', squad]);
    expect(json.code).toBe(2);
    expect(json.err).toMatch(
      /dev-v2\.0\.json: not a store or a model; expected an HDF5 \(\.h5\), \.npy or \.safetensors store/,
    );
  });

  it('inspect --plot names the file it wrote', async () => {
    const model = join(work, 'resume', 'model');
    const plot = join(work, 'weights.svg');
    const r = await cli(['inspect', model, '--plot', plot]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`wrote ${plot}`);
    expect(existsSync(plot)).toBe(true);
  });

  it('predict refuses an --out holding earlier outputs; --overwrite clears them and says so', async () => {
    const out = join(work, 'older');
    mkdirSync(out);
    writeFileSync(join(out, 'null_odds.json'), '{}');
    const model = join(work, 'resume', 'model');
    const args = ['predict', clsTrain, '--model', model, '--out', out];
    const refused = await cli(args);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/already holds the outputs of an earlier run \(null_odds\.json\); pass --overwrite/);
    expect(refused.err).not.toMatch(STARTED);
    const replaced = await cli([...args, '--overwrite']);
    expect(replaced.code, replaced.err).toBe(0);
    expect(replaced.err).toMatch(/--overwrite: removed the earlier outputs in .*older \(null_odds\.json\)/);
    expect(existsSync(join(out, 'null_odds.json'))).toBe(false);
    expect(existsSync(join(out, 'no_answer_probability.json'))).toBe(true);
  });
});
