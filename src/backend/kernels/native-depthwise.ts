/**
 * The wasm backend's depthwise convolution gradients (depthwise-gradients.ts) on bertvision's native kernels
 * (native/src/depthwise_gradients.cc, Node only): every core, vectorised over the channel axis, instead of TypeScript
 * loops at about 8 ns per multiply-add (570 ms of each per xception training step at batch 64). Float32 sums in a
 * different order than the loops' float64 ones, so results differ in the last bits.
 */
import { nativeAddon } from '../../platform/native.js';
import { useNativeDepthwise } from './depthwise-gradients.js';

/**
 * Hands the depthwise gradients to the native kernels. Idempotent; the gradient kernels themselves are registered by
 * `installConvGradients` (the Node entry calls both).
 * @returns true when the native kernels are in use; false when the addon is unavailable or predates them.
 */
export function installNativeDepthwise(): boolean {
  const addon = nativeAddon();
  if (!addon?.depthwiseFilterGradient || !addon.depthwiseInputGradient) return false;
  useNativeDepthwise({
    depthwiseFilterGradient: addon.depthwiseFilterGradient.bind(addon),
    depthwiseInputGradient: addon.depthwiseInputGradient.bind(addon),
  });
  return true;
}
