/**
 * Replacing the function of one of tfjs' gradient configs (the registry is global: every backend sees the
 * replacement), keeping its kernel name and saved inputs. Used by the native batch-norm and ReLU gradients and the
 * broadcast reduction gradients.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Registers `make(original)` as the gradient function of `kernelName`, once: a config already replaced under `mark`
 * is left alone. `make` gets tfjs' own config, to fall back to where the replacement does not apply.
 * @returns false when tfjs has no gradient for the kernel (nothing registered), true otherwise.
 */
export function replaceGradient(
  kernelName: string,
  mark: symbol,
  make: (original: tf.GradConfig) => tf.GradFunc,
): boolean {
  const original = tf.getGradient(kernelName);
  if (!original) return false;
  if ((original as unknown as Record<symbol, boolean>)[mark]) return true;
  const config = { ...original, gradFunc: make(original) } as tf.GradConfig;
  Object.defineProperty(config, mark, { value: true });
  tf.registerGradient(config);
  return true;
}
