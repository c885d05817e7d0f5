/**
 * Training memory: tfjs' `engine.gradients` keeps every tensor of the backward pass until the pass ends, the gradient
 * of each intermediate tensor (`dy`) and the tensors each kernel saved for its gradient, although a kernel's `dy` and
 * saved tensors are dead once its gradient has run (the tape is walked in reverse order, so every `dy` is complete when
 * its kernel is reached and no later step reads it). A training step's peak memory is then about twice what it needs:
 * full Xception at batch 64 on `[1, 384, 7]` grew the wasm heap to 1.9 GB, against PyTorch's 1.2 GB resident set for
 * the same step, and BERT-large sizes did not fit the wasm heap's 4 GiB at all. Fresh heap memory is not free either:
 * each first touch of a page is a fault, and the first step of a run paid seconds for them.
 *
 * {@link installEarlyGradientRelease} wraps `engine.gradients` so that, while the backward pass walks the tape, each
 * kernel's `dy` and saved tensors are disposed as soon as the next kernel's gradient starts. The gradients are the same
 * tensors computed by the same functions in the same order; only the moment memory is given back changes. Kept as
 * they were: a `dy` passed by the caller, higher-order gradients (a gradient computed while another is being taped),
 * any tensor a gradient function handed back as a result (such a tensor may now be the gradient of an input), and a
 * `dy` handed back for two inputs. Guarded by test/backend/early-gradient-release.test.ts (the same gradients as tfjs'
 * own, tensors and bytes after a step, nested gradients, the peak of a training step).
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of a tfjs tape node this module touches (tfjs-core's `TapeNode`, not exported by the package). */
interface TapeNode {
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}

/** The parts of tfjs' engine this module touches (its `Engine`, whose internals the package does not export). */
interface GradientEngine {
  gradients: Gradients;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
}

type Gradients = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

const MARK = Symbol.for('bertvision.earlyGradientRelease');

type Marked = Gradients & { [MARK]?: Gradients };

/**
 * The bookkeeping of one backward pass: the tensors of the kernel whose gradient ran last, disposed when the next one
 * starts, and how often each tensor was handed back by a gradient function.
 */
class ReleaseSchedule {
  private last: { dys: Array<tf.Tensor | null>; saved: tf.Tensor[]; own: Set<tf.Tensor> } | undefined;
  private readonly handedBack = new Map<tf.Tensor, number>();

  /** Wraps a tape node's gradient function so that it releases the previous node's tensors and schedules its own. */
  wrap(node: TapeNode): void {
    const gradient = node.gradient;
    if (!gradient) return;
    node.gradient = (dys) => {
      this.release();
      const own = new Set<tf.Tensor>();
      const wrapped: Record<string, () => tf.Tensor> = {};
      for (const [name, thunk] of Object.entries(gradient(dys))) {
        wrapped[name] = () => {
          const dx = thunk();
          own.add(dx);
          this.handedBack.set(dx, (this.handedBack.get(dx) ?? 0) + 1);
          return dx;
        };
      }
      // The engine runs the thunks before the next node's gradient, so `own` is complete when `release` reads it.
      this.last = { dys, saved: node.saved ?? [], own };
      return wrapped;
    };
  }

  /** Disposes the last node's dy and saved tensors, except what a gradient function handed back. */
  release(): void {
    if (!this.last) return;
    const { dys, saved, own } = this.last;
    this.last = undefined;
    for (const dy of dys) if (dy && !own.has(dy) && (this.handedBack.get(dy) ?? 0) <= 1) dy.dispose();
    for (const t of saved) if (!this.handedBack.has(t)) t.dispose();
  }
}

/**
 * Makes tfjs' `engine.gradients` (behind `optimizer.minimize`, `model.trainOnBatch`, `fit`, `tf.grads` and
 * `tf.variableGrads`) give back each kernel's gradient input and saved tensors as soon as the backward pass is past
 * them, instead of at its end. Same gradients; about half the peak memory of a training step. Works on every backend;
 * idempotent; `initBackend` installs it.
 * @returns a function that restores tfjs' own `gradients` (for tests and benchmarks).
 * @example
 * ```ts
 * const restore = installEarlyGradientRelease();
 * await model.trainOnBatch(xs, ys); // same result, a smaller peak
 * restore();
 * ```
 */
export function installEarlyGradientRelease(): () => void {
  const engine = tf.engine() as unknown as GradientEngine;
  const current = engine.gradients as Marked;
  if (current[MARK]) return () => uninstall(engine);
  const original = current;
  const gradients: Marked = function (this: GradientEngine, f, xs, dy, allowNoGradients) {
    // A caller's dy is the caller's to dispose; a nested call's tape belongs to the outer gradient.
    if (dy != null || this.state.gradientDepth > 0) return original.call(this, f, xs, dy, allowNoGradients);
    const schedule = new ReleaseSchedule();
    const taped = (): tf.Tensor => {
      const y = f();
      for (const node of this.state.activeTape ?? []) schedule.wrap(node);
      return y;
    };
    return original.call(this, taped, xs, dy, allowNoGradients);
  };
  gradients[MARK] = original;
  engine.gradients = gradients;
  return () => uninstall(engine);
}

function uninstall(engine: GradientEngine): void {
  const original = (engine.gradients as Marked)[MARK];
  if (original) engine.gradients = original;
}
