"""The seed's layers re-created in Keras 2 (tf_keras), as its TF 2.2 code defines them (bertvision-spec.md §1).
Shared by the golden generators layers.py and models.py."""
import math

import tensorflow as tf
import tf_keras as keras


def gelu_tanh(x):
    """The seed's TF GELU (tanh approximation)."""
    return 0.5 * x * (1.0 + tf.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * tf.pow(x, 3))))


class BertConcat(keras.layers.Layer):
    """Seed: w ~ random_normal (name 'weights'), t = ones (name 'probes'); out = tensordot(softmax(w), x, (0, -1)) * t."""

    def build(self, input_shape):
        self.w = self.add_weight(name="weights", shape=(int(input_shape[-1]),), initializer="random_normal")
        self.t = self.add_weight(name="probes", shape=(1,), initializer="ones")

    def call(self, inputs):
        return tf.tensordot(tf.nn.softmax(self.w), inputs, axes=(0, -1)) * self.t


class MeanConcat(keras.layers.Layer):
    """Seed: reduce_mean over the last (layer) axis."""

    def call(self, inputs):
        return tf.reduce_mean(inputs, axis=-1)


class AdapterPooler(keras.layers.Layer):
    """Seed: reshape (B*S, E, L) -> transpose (B*S, L, E) -> TimeDistributed(Dense) / LocallyConnected1D -> GELU ->
    transpose (B*S, A, L) -> reshape (B, S, A, L)."""

    def __init__(self, adapter_dim, shared_weights=True, activation=gelu_tanh, **kwargs):
        super().__init__(**kwargs)
        self.adapter_dim = adapter_dim
        self.shared_weights = shared_weights
        self.activation = activation
        init = keras.initializers.TruncatedNormal(stddev=1e-3)
        if shared_weights:
            self.pooler = keras.layers.TimeDistributed(keras.layers.Dense(adapter_dim, kernel_initializer=init))
        else:
            self.pooler = keras.layers.LocallyConnected1D(adapter_dim, 1, 1, kernel_initializer=init)

    def build(self, input_shape):
        _, self.seq, self.emb, self.n_layers = (int(d) if d is not None else None for d in input_shape)
        self.pooler.build((None, self.n_layers, self.emb))

    def call(self, inputs):
        x = tf.reshape(inputs, [-1, self.emb, self.n_layers])
        x = tf.transpose(x, [0, 2, 1])
        x = self.activation(self.pooler(x))
        x = tf.transpose(x, [0, 2, 1])
        return tf.reshape(x, [-1, self.seq, self.adapter_dim, self.n_layers])
