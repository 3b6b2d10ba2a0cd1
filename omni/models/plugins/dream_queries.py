"""Dream queries: learnable embeddings placed after `<dream_start>`, whose LLM hidden states condition the image head.

They gather what the model means to draw from the whole preceding context (DreamLLM uses 64).
"""

from __future__ import annotations

import torch
from torch import nn

from omni.models.plugins.base import QueriesPlugin, register_plugin


@register_plugin
class DreamQueries(QueriesPlugin):
    name = "dream_queries"

    def __init__(self, llm_hidden_size: int, num_queries: int = 64, init_std: float = 0.02):
        super().__init__()
        self.init_std = init_std
        self.embeddings = nn.Parameter(torch.empty(num_queries, llm_hidden_size))
        nn.init.normal_(self.embeddings, std=init_std)

    @property
    def num_queries(self) -> int:
        return self.embeddings.shape[0]

    def forward(self) -> torch.Tensor:
        return self.embeddings
