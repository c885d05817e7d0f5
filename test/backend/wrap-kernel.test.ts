/**
 * The kernel-wrapping helper (src/backend/kernels/wrap-kernel.ts), on a kernel of its own on the cpu backend: the
 * three outcomes, the fallback to the replaced kernel, no stacking on a second call, and the config it registers.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KernelRoute, wrapKernel } from '../../src/backend/kernels/wrap-kernel.js';
import { useBackend } from '../helpers/backends.js';

const KERNEL = 'BertvisionWrapKernelTest';
const MARK = Symbol.for('bertvision.wrapKernelTest');

type Info = tf.TensorInfo;

/** The cpu backend's methods the routes below use. */
interface CpuBackend {
  readSync(dataId: object): Float32Array;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): Info;
  disposeData(dataId: object): void;
}

/** The test kernel: the input, shared (its reference count raised). */
const identity: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: Info };
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

const run = (values: number[]): number[] =>
  tf.tidy(() => Array.from((tf.engine().runKernel(KERNEL, { x: tf.tensor1d(values) }) as tf.Tensor).dataSync()));

/** Doubles inputs whose first value is positive; leaves the others to the replaced kernel. */
let routed = 0;
const doubling: KernelRoute = ({ inputs, backend }) => {
  const { x } = inputs as { x: Info };
  const cpu = backend as unknown as CpuBackend;
  const values = cpu.readSync(x.dataId);
  if (!(values[0]! > 0)) return undefined;
  routed++;
  return cpu.makeTensorInfo(
    [...x.shape],
    'float32',
    values.map((v) => 2 * v),
  );
};

describe('wrapKernel', () => {
  beforeEach(async () => {
    await useBackend('cpu');
    routed = 0;
  });
  afterEach(() => {
    if (tf.getKernel(KERNEL, 'cpu')) tf.unregisterKernel(KERNEL, 'cpu');
  });

  it('registers nothing for a kernel the backend does not have', () => {
    expect(wrapKernel(KERNEL, 'cpu', MARK, doubling)).toBe('absent');
    expect(tf.getKernel(KERNEL, 'cpu')).toBeUndefined();
  });

  it('routes the kernel once, falling back to the replaced one where the route gives undefined', () => {
    const setupFunc = (): void => {};
    tf.registerKernel({ kernelName: KERNEL, backendName: 'cpu', kernelFunc: identity, setupFunc });
    expect(wrapKernel(KERNEL, 'cpu', MARK, doubling)).toBe('wrapped');
    expect(wrapKernel(KERNEL, 'cpu', MARK, doubling)).toBe('already-wrapped');
    expect(run([1, 2])).toEqual([2, 4]); // doubled once: the second call did not stack a wrapper
    expect(run([-1, 2])).toEqual([-1, 2]); // the replaced kernel
    expect(routed).toBe(1);

    const config = tf.getKernel(KERNEL, 'cpu')!;
    expect(config.setupFunc).toBe(setupFunc);
    expect((config as unknown as Record<symbol, boolean>)[MARK]).toBe(true);
    expect(Object.getOwnPropertyDescriptor(config, MARK)?.enumerable).toBe(false);
  });

  it('hands the route the replaced config, to call with other arguments', () => {
    tf.registerKernel({ kernelName: KERNEL, backendName: 'cpu', kernelFunc: identity });
    const other = Symbol.for('bertvision.wrapKernelTest.other');
    wrapKernel(KERNEL, 'cpu', MARK, doubling);
    expect(
      wrapKernel(KERNEL, 'cpu', other, (args, previous) => {
        const { x } = args.inputs as { x: Info };
        const cpu = args.backend as unknown as CpuBackend;
        const negated = cpu.makeTensorInfo(
          [...x.shape],
          'float32',
          cpu.readSync(x.dataId).map((v) => -v),
        );
        try {
          return previous.kernelFunc({ ...args, inputs: { x: negated } });
        } finally {
          cpu.disposeData(negated.dataId);
        }
      }),
    ).toBe('wrapped');
    expect(run([-3, 1])).toEqual([6, -2]); // negated, then doubled by the first wrapper
  });
});
