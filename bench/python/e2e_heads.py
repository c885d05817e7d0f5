"""The seed's heads in PyTorch, with bertvision's structure (src/models/, src/layers/), so that each has the same
parameter count as `bertvision architectures --input-shape S,E,L` at the same shape (BatchNorm running statistics
counted, as Keras and tfjs count their moving mean/variance). Input: activations [B, S, E, L] float32.

    build(name, (S, E, L)) -> (module, task)      parameter_count(module) -> int
Binary modules return logits [B, 2]; span modules return [B, S, 2] (start, end on the last axis).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

BINARY = ("tenney-small", "adapter-pooler-tenney", "adapter-pooler-mean", "xception-abbreviated",
          "xception-abbreviated-cls", "xception")
# span name -> (pooling, adapter (dim, shared) or None, skip)
SPAN = {
    "learned-pooling": ("learned", None, False),
    "average-pooling": ("mean", None, False),
    **{f"adapter-{a}{u}{s}": (None, (a, u == ""), s == "-skip")
       for a in (386, 64) for u in ("", "-unshared") for s in ("", "-skip")},
    "learned-pooling-adapter-386": ("learned", (386, True), False),
    "learned-pooling-adapter-386-skip": ("learned", (386, True), True),
}


def dense(n_in: int, n_out: int) -> nn.Linear:
    """Keras Dense defaults: glorot-uniform kernel, zero bias."""
    layer = nn.Linear(n_in, n_out)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class BertConcat(nn.Module):
    """γ · Σ_l softmax(w)_l · x[..., l]: [B, S, E, L] -> [B, S, E] (L + 1 parameters)."""

    def __init__(self, layers: int) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(layers) * 0.05)
        self.gamma = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(x, torch.softmax(self.w, 0)) * self.gamma


def pool(kind: str, layers: int) -> nn.Module:
    return BertConcat(layers) if kind == "learned" else MeanConcat()


class MeanConcat(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(-1)


class AdapterPooler(nn.Module):
    """Dense E→A per layer + tanh-GELU, shared or one per layer: [B, S, E, L] -> [B, S, A·L] (L innermost)."""

    def __init__(self, e: int, a: int, layers: int, shared: bool) -> None:
        super().__init__()
        self.shared = shared
        self.kernel = nn.Parameter(nn.init.trunc_normal_(torch.empty((e, a) if shared else (layers, e, a)), std=1e-3))
        self.bias = nn.Parameter(torch.zeros(a if shared else (layers, a)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s, _e, layers = x.shape
        xt = x.transpose(2, 3)  # [B, S, L, E]
        if self.shared:
            y = torch.matmul(xt, self.kernel) + self.bias  # [B, S, L, A]
        else:
            y = torch.einsum("bsle,lea->bsla", xt, self.kernel) + self.bias
        y = F.gelu(y, approximate="tanh")
        return y.transpose(2, 3).reshape(b, s, -1)  # (A, L) flattened with L innermost


class SpanHead(nn.Module):
    def __init__(self, name: str, shape: tuple[int, int, int]) -> None:
        super().__init__()
        _s, e, layers = shape
        pooling, adapter, self.skip = SPAN[name]
        self.pool = pool(pooling, layers) if pooling else None
        width = e if pooling else e * layers
        self.adapter = None
        if adapter:
            a, shared = adapter
            self.adapter = AdapterPooler(e, a, 1 if pooling else layers, shared)
            width = a * (1 if pooling else layers)
        self.head = dense(width + (e if self.skip else 0), 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(x) if self.pool is not None else x
        if self.adapter is not None:
            h = self.adapter(h.unsqueeze(-1) if self.pool is not None else h)
        if self.skip:
            h = torch.cat([h, x[..., -1]], -1)
        return self.head(h)


class AdapterPoolerBinary(nn.Module):
    """Layer pooling → AdapterPooler(A=386) on the pooled one-layer stack → concat x[..., -1] → flatten → Dense(2)."""

    def __init__(self, pooling: str, shape: tuple[int, int, int]) -> None:
        super().__init__()
        s, e, layers = shape
        self.pool = pool(pooling, layers)
        self.adapter = AdapterPooler(e, 386, 1, True)
        self.head = dense(s * (386 + e), 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.adapter(self.pool(x).unsqueeze(-1)), x[..., -1]], -1)
        return self.head(h.flatten(1))


def bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)  # Keras defaults: momentum 0.99, epsilon 1e-3


class ConvBnRelu(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__(nn.Conv2d(c_in, c_out, (1, 3), stride=(1, stride), bias=False), bn(c_out), nn.ReLU())


class SepConvBn(nn.Sequential):
    """[ReLU →] SeparableConv2D (1, 3) 'same', no bias (depthwise + pointwise) → BN."""

    def __init__(self, c_in: int, c_out: int, relu_before: bool) -> None:
        layers: list[nn.Module] = [nn.ReLU()] if relu_before else []
        layers += [nn.Conv2d(c_in, c_in, (1, 3), padding=(0, 1), groups=c_in, bias=False),
                   nn.Conv2d(c_in, c_out, 1, bias=False), bn(c_out)]
        super().__init__(*layers)


class Projection(nn.Sequential):
    """Strided 1×1 conv (stride (1, 2), 'same' = no padding for a 1×1 kernel) → BN."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__(nn.Conv2d(c_in, c_out, 1, stride=(1, 2), bias=False), bn(c_out))


def average_pool(x: torch.Tensor) -> torch.Tensor:
    """AveragePooling2D (1, 3) stride (1, 2) 'same' as TF: asymmetric padding, padded cells not averaged."""
    w = x.shape[-1]
    total = max((-(-w // 2) - 1) * 2 + 3 - w, 0)
    left, right = total // 2, total - total // 2
    sums = F.avg_pool2d(F.pad(x, (left, right)), (1, 3), stride=(1, 2), divisor_override=1)
    ones = F.pad(torch.ones(1, 1, 1, w, dtype=x.dtype), (left, right))
    return sums / F.avg_pool2d(ones, (1, 3), stride=(1, 2), divisor_override=1)


class Xception(nn.Module):
    """src/models/xception.ts in torch: NCHW with the L layers as channels over the (S, E) image."""

    def __init__(self, shape: tuple[int, int, int], abbreviated: bool, cls: bool) -> None:
        super().__init__()
        s, e, layers = shape
        self.abbreviated, self.cls = abbreviated, cls
        if abbreviated:
            self.entry = nn.Sequential(ConvBnRelu(layers, 64, 3), ConvBnRelu(64, 128, 1))
            self.blocks = nn.ModuleList([nn.ModuleList([
                Projection(128, 512),
                nn.Sequential(SepConvBn(128, 256, False), nn.ReLU(), SepConvBn(256, 512, False)),
            ])])
            width = 512 + (s * e if cls else 0)
        else:
            self.entry = nn.Sequential(ConvBnRelu(layers, 32, 3), ConvBnRelu(32, 64, 1))
            blocks, c = [], 64
            for block, filters in ((2, 128), (3, 256), (4, 728)):
                blocks.append(nn.ModuleList([Projection(c, filters), nn.Sequential(
                    SepConvBn(c, filters, block != 2), SepConvBn(filters, filters, True))]))
                c = filters
            self.blocks = nn.ModuleList(blocks)
            self.middle = nn.ModuleList(
                [nn.Sequential(*(SepConvBn(728, 728, True) for _ in range(3))) for _ in range(8)])
            self.exit_projection = Projection(728, 1024)
            self.exit_main = nn.Sequential(SepConvBn(728, 728, True), SepConvBn(728, 1024, True))
            self.exit_tail = nn.Sequential(SepConvBn(1024, 1536, False), nn.ReLU(), SepConvBn(1536, 2048, False),
                                           nn.ReLU())
            width = 2048
        self.head = dense(width, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.entry(x.permute(0, 3, 1, 2))  # [B, L, S, E]
        for projection, main in self.blocks:
            h = average_pool(main(h)) + projection(h)
        if not self.abbreviated:
            for block in self.middle:
                h = block(h) + h
            h = average_pool(self.exit_main(h)) + self.exit_projection(h)
            h = self.exit_tail(h)
        h = h.mean((2, 3))
        if self.cls:
            h = torch.cat([h, x[..., -1].flatten(1)], -1)
        return self.head(h)


class TenneySmall(nn.Module):
    def __init__(self, shape: tuple[int, int, int]) -> None:
        super().__init__()
        s, e, layers = shape
        self.pool = BertConcat(layers)
        self.head = dense(s * e, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(x).flatten(1))


def build(name: str, shape: tuple[int, int, int]) -> tuple[nn.Module, str]:
    if name in SPAN:
        return SpanHead(name, shape), "span"
    if name == "tenney-small":
        return TenneySmall(shape), "binary"
    if name.startswith("adapter-pooler-"):
        return AdapterPoolerBinary("learned" if name.endswith("tenney") else "mean", shape), "binary"
    if name.startswith("xception"):
        return Xception(shape, name != "xception", name.endswith("-cls")), "binary"
    raise SystemExit(f"unknown head {name!r}; expected one of {', '.join((*BINARY, *SPAN))}")


def parameter_count(model: nn.Module) -> int:
    stats = sum(m.running_mean.numel() + m.running_var.numel()
                for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    return sum(p.numel() for p in model.parameters()) + stats
