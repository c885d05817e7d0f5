"""The seed's Keras layers re-created for Keras 3 (`import keras`), to produce Keras 3 `.weights.h5` and `.keras` files
the way a seed user who moved to Keras 3 would. Same maths as seed_keras.py (tf-keras). Keras 3 has no
LocallyConnected1D, so only the shared AdapterPooler exists here."""
import math

import keras
from keras import ops


def gelu_tanh(x):
    """The seed's TF GELU (tanh approximation)."""
    return 0.5 * x * (1.0 + ops.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


class BertConcat(keras.layers.Layer):
    """out = tensordot(softmax(w), x, (0, -1)) * t; weights named 'weights' and 'probes' as the seed's."""

    def build(self, input_shape):
        self.w = self.add_weight(name="weights", shape=(int(input_shape[-1]),), initializer="random_normal")
        self.t = self.add_weight(name="probes", shape=(1,), initializer="ones")

    def call(self, inputs):
        return ops.tensordot(ops.softmax(self.w), inputs, axes=(0, -1)) * self.t


class MeanConcat(keras.layers.Layer):
    """reduce_mean over the last (layer) axis."""

    def call(self, inputs):
        return ops.mean(inputs, axis=-1)


class AdapterPooler(keras.layers.Layer):
    """TimeDistributed(Dense(A)) over the layer axis + tanh-GELU, (B, S, E, L) -> (B, S, A, L)."""

    def __init__(self, adapter_dim, **kwargs):
        super().__init__(**kwargs)
        self.adapter_dim = adapter_dim
        init = keras.initializers.TruncatedNormal(stddev=1e-3)
        self.pooler = keras.layers.TimeDistributed(keras.layers.Dense(adapter_dim, kernel_initializer=init))

    def build(self, input_shape):
        _, self.seq, self.emb, self.n_layers = input_shape
        self.pooler.build((None, self.n_layers, self.emb))

    def call(self, inputs):
        x = ops.reshape(inputs, [-1, self.emb, self.n_layers])
        x = ops.transpose(x, [0, 2, 1])
        x = gelu_tanh(self.pooler(x))
        x = ops.transpose(x, [0, 2, 1])
        return ops.reshape(x, [-1, self.seq, self.adapter_dim, self.n_layers])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.adapter_dim, input_shape[3])
