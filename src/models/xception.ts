/**
 * The seed's convolutional binary heads (seed §3.1 d–f): 2-D convolutions over the `(S, E)` "image" with the L
 * stacked layers as input channels, `(1, 3)` kernels sliding along the hidden axis, no conv biases, Keras-default
 * BatchNormalization (momentum 0.99, epsilon 1e-3), average pooling `(1, 3)` stride `(1, 2)` "same".
 * Layer names follow Keras' Xception (`block2_sepconv1`, `block2_sepconv1_bn`, ...), so weights map one to one.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../errors.js';

type Tensor = tf.SymbolicTensor;

function apply(layer: tf.layers.Layer, x: Tensor | Tensor[]): Tensor {
  return layer.apply(x) as Tensor;
}

function relu(x: Tensor, name: string): Tensor {
  return apply(tf.layers.activation({ activation: 'relu', name }), x);
}

function batchNorm(x: Tensor, name: string): Tensor {
  return apply(tf.layers.batchNormalization({ name }), x);
}

/** Conv2D (no bias) → BN → ReLU. */
function convBnRelu(x: Tensor, filters: number, strides: [number, number], name: string): Tensor {
  const conv = tf.layers.conv2d({ filters, kernelSize: [1, 3], strides, padding: 'valid', useBias: false, name });
  return relu(batchNorm(apply(conv, x), `${name}_bn`), `${name}_act`);
}

/** [ReLU →] SeparableConv2D (1,3) same, no bias → BN. */
function sepConvBn(x: Tensor, filters: number, name: string, reluBefore: boolean): Tensor {
  const input = reluBefore ? relu(x, `${name}_act`) : x;
  const conv = tf.layers.separableConv2d({ filters, kernelSize: [1, 3], padding: 'same', useBias: false, name });
  return batchNorm(apply(conv, input), `${name}_bn`);
}

/** The strided 1×1 projection of a downsampling block's shortcut, with BN. */
function residualProjection(x: Tensor, filters: number, name: string): Tensor {
  const conv = tf.layers.conv2d({ filters, kernelSize: 1, strides: [1, 2], padding: 'same', useBias: false, name });
  return batchNorm(apply(conv, x), `${name}_bn`);
}

function averagePool(x: Tensor, name: string): Tensor {
  return apply(tf.layers.averagePooling2d({ poolSize: [1, 3], strides: [1, 2], padding: 'same', name }), x);
}

function add(a: Tensor, b: Tensor, name: string): Tensor {
  return apply(tf.layers.add({ name }), [a, b]);
}

function checkWidth(hiddenSize: number, architecture: string): void {
  // Entry flow: (1,3) stride 3 valid, then (1,3) valid: needs at least one column left.
  if (Math.floor((hiddenSize - 3) / 3) + 1 - 2 < 1) {
    throw new ShapeError(
      `${architecture} needs a hidden size of at least 9 (two valid (1,3) convolutions); got ${hiddenSize}`,
    );
  }
}

/**
 * Features of Xception Abbreviated: entry convs 64 (stride 3) and 128, one downsampling block (separable 256 → 512,
 * average pool, strided 512 projection), global average pooling. Returns `[B, 512]`.
 */
export function xceptionAbbreviatedFeatures(input: Tensor): Tensor {
  checkWidth(input.shape[2] ?? 0, 'xception-abbreviated');
  const x = convBnRelu(input, 64, [1, 3], 'block1_conv1');
  const a = convBnRelu(x, 128, [1, 1], 'block1_conv2');
  const shortcut = residualProjection(a, 512, 'block2_residual');
  let y = relu(sepConvBn(a, 256, 'block2_sepconv1', false), 'block2_sepconv1_act');
  y = averagePool(sepConvBn(y, 512, 'block2_sepconv2', false), 'block2_pool');
  return apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), add(y, shortcut, 'block2_add'));
}

/**
 * Features of the full Xception with `(1, 3)` kernels (seed §3.1 f): entry flow (blocks 1–4), middle flow (8 identity
 * blocks of three separable 728 convolutions), exit flow (block 13, separable 1536 and 2048), global average pooling.
 * Returns `[B, 2048]`.
 */
export function xceptionFeatures(input: Tensor): Tensor {
  checkWidth(input.shape[2] ?? 0, 'xception');
  let x = convBnRelu(input, 32, [1, 3], 'block1_conv1');
  x = convBnRelu(x, 64, [1, 1], 'block1_conv2');
  for (const [block, filters] of [
    [2, 128],
    [3, 256],
    [4, 728],
  ] as const) {
    const shortcut = residualProjection(x, filters, `block${block}_residual`);
    let y = sepConvBn(x, filters, `block${block}_sepconv1`, block !== 2);
    y = sepConvBn(y, filters, `block${block}_sepconv2`, true);
    x = add(averagePool(y, `block${block}_pool`), shortcut, `block${block}_add`);
  }
  for (let block = 5; block <= 12; block++) {
    let y = x;
    for (const i of [1, 2, 3]) y = sepConvBn(y, 728, `block${block}_sepconv${i}`, true);
    x = add(y, x, `block${block}_add`);
  }
  const shortcut = residualProjection(x, 1024, 'block13_residual');
  let y = sepConvBn(x, 728, 'block13_sepconv1', true);
  y = sepConvBn(y, 1024, 'block13_sepconv2', true);
  x = add(averagePool(y, 'block13_pool'), shortcut, 'block13_add');
  x = relu(sepConvBn(x, 1536, 'block14_sepconv1', false), 'block14_sepconv1_act');
  x = relu(sepConvBn(x, 2048, 'block14_sepconv2', false), 'block14_sepconv2_act');
  return apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
}
