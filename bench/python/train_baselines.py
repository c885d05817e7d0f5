"""Training-throughput baselines for bertvision's benchmarks: the seed's heads in Keras (tf_keras on TensorFlow CPU,
as the seed's authors ran them) and in PyTorch CPU, on the same synthetic data, batch size and step count as the
TypeScript side (bench/train.bench.ts), measured in the same run.

Prints one JSON object per line: {"framework", "model", "batch", "threads", "steps", "step_ms_median",
"step_ms_min", "examples_per_s"}. Every step feeds a freshly generated batch (as real training would), and the
batch generation is excluded from the timing.

Usage: python bench/python/train_baselines.py --framework keras --model binary-tenney-small --batch 64 --steps 20
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

# Input shapes of the seed's models (bertvision-spec.md §3): binary [1, 1024, 26], span [386, 1024, 25].
MODELS = {
    "binary-tenney-small": {"shape": (1, 1024, 26), "task": "binary", "adapter": None},
    "span-learned-pooling": {"shape": (386, 1024, 25), "task": "span", "adapter": None},
    "span-adapter-386": {"shape": (386, 1024, 25), "task": "span", "adapter": 386},
}


def make_batches(shape, task, batch, count, seed):
    """`count` distinct (x, y) batches; y are integer class ids (binary) or (start, end) token ids (span)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(count):
        x = rng.standard_normal((batch, *shape), dtype=np.float32)
        if task == "binary":
            y = rng.integers(0, 2, size=(batch,))
        else:
            y = rng.integers(0, shape[0], size=(2, batch))
        batches.append((x, y))
    return batches


def time_steps(step, batches, warmup):
    for x, y in batches[:warmup]:
        step(x, y)
    times = []
    for x, y in batches[warmup:]:
        t0 = time.perf_counter()
        step(x, y)
        times.append((time.perf_counter() - t0) * 1000.0)
    return times


def keras_step_fn(spec, threads):
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    import tf_keras as keras

    class BertConcat(keras.layers.Layer):
        """The seed's learned layer mix: t * tensordot(softmax(w), x, axes=(0, -1))."""

        def build(self, input_shape):
            self.w = self.add_weight(name="weights", shape=(input_shape[-1],), initializer="random_normal")
            self.t = self.add_weight(name="probes", shape=(1,), initializer="ones")

        def call(self, inputs):
            return tf.tensordot(tf.nn.softmax(self.w), inputs, axes=(0, -1)) * self.t

    shape, task, adapter = spec["shape"], spec["task"], spec["adapter"]
    inp = keras.Input(shape=shape)
    if adapter is None:
        h = BertConcat()(inp)  # binary (B,1,1024), span (B,386,1024)
    else:
        s, e, l = shape
        h = keras.layers.Reshape((s, e, l))(inp)
        h = keras.layers.Permute((1, 3, 2))(h)  # (B, S, L, E)
        h = keras.layers.Dense(
            adapter, kernel_initializer=keras.initializers.TruncatedNormal(stddev=1e-3)
        )(h)
        h = keras.layers.Activation(lambda v: 0.5 * v * (1 + tf.tanh(0.7978845608028654 * (v + 0.044715 * v**3))))(h)
        h = keras.layers.Permute((1, 3, 2))(h)  # (B, S, A, L)
        h = keras.layers.Reshape((s, adapter * l))(h)
    if task == "binary":
        out = keras.layers.Dense(2)(keras.layers.Reshape((shape[1],))(h))
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model = keras.Model(inp, out)
        model.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-8), loss=loss)
        return lambda x, y: model.train_on_batch(x, y)
    logits = keras.layers.Dense(2)(h)
    start = keras.layers.Lambda(lambda v: v[..., 0], name="start")(logits)
    end = keras.layers.Lambda(lambda v: v[..., 1], name="end")(logits)
    model = keras.Model(inp, [start, end])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-8), loss=[loss, loss])
    return lambda x, y: model.train_on_batch(x, [y[0], y[1]])


def torch_step_fn(spec, threads):
    import torch

    torch.set_num_threads(threads)
    shape, task, adapter = spec["shape"], spec["task"], spec["adapter"]

    class Head(torch.nn.Module):
        def __init__(self):
            super().__init__()
            s, e, l = shape
            self.adapter = None
            if adapter is None:
                self.w = torch.nn.Parameter(torch.randn(l) * 0.05)
                self.t = torch.nn.Parameter(torch.ones(1))
                width = e
            else:
                self.adapter = torch.nn.Linear(e, adapter)
                torch.nn.init.trunc_normal_(self.adapter.weight, std=1e-3)
                torch.nn.init.zeros_(self.adapter.bias)
                width = adapter * l
            self.head = torch.nn.Linear(width, 2)

        def forward(self, x):  # x: (B, S, E, L)
            if self.adapter is None:
                h = torch.matmul(x, torch.softmax(self.w, 0)) * self.t  # (B, S, E)
            else:
                b, s, e, l = x.shape
                h = torch.nn.functional.gelu(self.adapter(x.transpose(2, 3)), approximate="tanh")  # (B,S,L,A)
                h = h.transpose(2, 3).reshape(b, s, -1)  # (B, S, A*L), L innermost
            return self.head(h)

    model = Head()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    ce = torch.nn.CrossEntropyLoss()

    def step(x, y):
        xt = torch.from_numpy(x)
        opt.zero_grad(set_to_none=True)
        logits = model(xt)
        if task == "binary":
            loss = ce(logits[:, 0, :], torch.from_numpy(y))
        else:
            loss = ce(logits[..., 0], torch.from_numpy(y[0])) + ce(logits[..., 1], torch.from_numpy(y[1]))
        loss.backward()
        opt.step()

    return step


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=["keras", "torch"], required=True)
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--steps", type=int, default=10, help="timed steps (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads (default: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    spec = MODELS[args.model]
    step = (keras_step_fn if args.framework == "keras" else torch_step_fn)(spec, args.threads)
    # Distinct batches, generated before timing; reused cyclically when there are many steps.
    distinct = min(args.warmup + args.steps, 4)
    pool = make_batches(spec["shape"], spec["task"], args.batch, distinct, args.seed)
    batches = [pool[i % distinct] for i in range(args.warmup + args.steps)]
    times = time_steps(step, batches, args.warmup)
    median = statistics.median(times)
    print(json.dumps({
        "framework": args.framework, "model": args.model, "batch": args.batch, "threads": args.threads,
        "steps": args.steps, "step_ms_median": round(median, 3), "step_ms_min": round(min(times), 3),
        "examples_per_s": round(args.batch * 1000.0 / median, 2),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
