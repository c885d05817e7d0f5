/**
 * Child process for the crash tests: trains the toy model with checkpoints, printing `STEP n` after every step and
 * writing the final weights as JSON. With `--stall-on-save K`, the K-th checkpoint write stops after its first chunk
 * (printing `WRITING`) so that the parent can SIGKILL it in the middle of the write.
 * Usage: node --import tsx train-child.ts <checkpointDir> <weightsOut.json> [--stall-on-save K]
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { useBackend } from '../../helpers/backends.js';
import { CheckpointDirectory } from '../../../src/jobs/checkpoint-directory.js';
import type { CheckpointKind, CheckpointStore } from '../../../src/train/checkpoint-store.js';
import { fit } from '../../../src/train/trainer.js';
import { ToyBatchSource, toyModel, weightValues } from '../toy.js';

const [dir, out, flag, value] = process.argv.slice(2);
const stallOn = flag === '--stall-on-save' ? Number(value) : -1;
const directory = new CheckpointDirectory(dir!);
let saves = 0;

async function* stallAfterFirst(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let first = true;
  for await (const chunk of chunks) {
    yield chunk;
    if (first) {
      first = false;
      process.stdout.write('WRITING\n');
      await sleep(60_000);
    }
  }
}

const store: CheckpointStore = {
  save: (kind: CheckpointKind, chunks) => {
    saves += 1;
    return directory.save(kind, saves === stallOn ? stallAfterFirst(chunks) : chunks);
  },
  load: (kind) => directory.load(kind),
};

await useBackend('cpu');
const model = toyModel();
const result = await fit(model, {
  train: new ToyBatchSource(),
  epochs: 3,
  checkpoints: store,
  checkpointEverySteps: 2,
  onProgress: (p) => process.stdout.write(`STEP ${p.step}\n`),
});
await sleep(0);
writeFileSync(
  out!,
  JSON.stringify({ weights: weightValues(model), resumedFrom: result.resumedFrom, steps: result.state.step }),
);
process.stdout.write('DONE\n');
