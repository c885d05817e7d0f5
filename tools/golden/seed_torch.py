"""The seed's torch AdapterPooler SQuAD head (cbenge509/BERTVision code/torch/utils/compress_utils.py, before commit
c1ca3b8, as bertvision-spec.md §1.4 and §3.3 describe it), re-created with the same module names so that its
state_dict keys are the seed's:

  AP1.pooler_layer.module.weight  [S, E]   the shared E -> A projection (nn.Linear; A = S, the sequence length)
  AP1.pooler_layer.module.bias    [S]
  linear1.weight                  [2, S*L] the position-wise start/end head over the flattened (A, L) features
  linear1.bias                    [2]
  linear2.weight, linear2.bias    [2, S], [2]  defined by the seed but never used in forward

Input [L, B, S, E] (the seed's collate layout); GELU is the exact erf form (torch.nn.GELU()).
"""
import torch


class TimeDistributed(torch.nn.Module):
    def __init__(self, n_tokens, n_features):
        super().__init__()
        self.module = torch.nn.Linear(n_features, n_tokens)

    def forward(self, x):
        y = self.module(x.contiguous().view(-1, x.size(-1)))
        return y.contiguous().view(x.size(0), -1, y.size(-1))


class AdapterPooler(torch.nn.Module):
    def __init__(self, layers, batch_sz, tokens, features):
        super().__init__()
        self.gelu = torch.nn.GELU()
        self.n_layers, self.n_tokens, self.n_features = layers, tokens, features
        self.pooler_layer = TimeDistributed(tokens, features)

    def forward(self, x):
        x = x.permute(1, 2, 3, 0)                                # [B, S, E, L]
        x = x.reshape(-1, self.n_features, self.n_layers)        # [B*S, E, L]
        x = self.gelu(self.pooler_layer(x.permute(0, 2, 1)))     # [B*S, L, A]
        x = x.permute(0, 2, 1)                                   # [B*S, A, L]
        return torch.reshape(x, (-1, self.n_tokens, self.n_tokens, self.n_layers))


class APSquad(torch.nn.Module):
    def __init__(self, n_layers, n_batch_sz, n_tokens, n_features):
        super().__init__()
        self.n_layers, self.n_tokens = n_layers, n_tokens
        self.linear1 = torch.nn.Linear(n_tokens * n_layers, 2)
        self.linear2 = torch.nn.Linear(n_tokens, 2)
        self.AP1 = AdapterPooler(n_layers, n_batch_sz, n_tokens, n_features)

    def forward(self, x):
        x = self.AP1(x)
        x = torch.reshape(x, (-1, self.n_tokens, self.n_tokens * self.n_layers))
        start, end = torch.split(self.linear1(x), 1, dim=-1)
        return start.squeeze(-1), end.squeeze(-1)
