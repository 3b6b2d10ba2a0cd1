"""Q-Former (BLIP-2, Li et al. 2023): learned queries that self-attend and cross-attend to the image, then a projection.

The transformer is transformers' own `Blip2QFormerModel` (BERT-style layers, cross-attention to the image features
every `cross_attention_frequency` layers), so the parameters are BLIP-2's exactly; this class adds what
`Blip2ForConditionalGeneration` puts around it: the query tokens and the language projection.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import Blip2QFormerConfig, Blip2QFormerModel

from omni.models.connectors.base import Connector, register_connector


@register_connector
class QFormer(Connector):
    """`num_queries` tokens (BLIP-2: 32) whatever the number of input tokens; padded inputs are masked."""

    name = "qformer"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, num_queries: int = 32,
                 hidden_size: int = 768, num_layers: int = 12, num_heads: int = 12, intermediate_size: int = 3072,
                 cross_attention_frequency: int = 2):
        super().__init__(in_features, out_features, num_input_tokens)
        self.num_queries = num_queries
        config = Blip2QFormerConfig(hidden_size=hidden_size, num_hidden_layers=num_layers, num_attention_heads=num_heads,
                                    intermediate_size=intermediate_size, cross_attention_frequency=cross_attention_frequency,
                                    encoder_hidden_size=in_features)
        config._attn_implementation = "eager"  # the Q-Former's BERT layers have no SDPA path
        self.qformer = Blip2QFormerModel(config)
        self.query_tokens = nn.Parameter(torch.zeros(1, num_queries, hidden_size))
        nn.init.normal_(self.query_tokens, std=config.initializer_range)
        self.language_projection = nn.Linear(hidden_size, out_features)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        queries = self.query_tokens.to(features.dtype).expand(features.shape[0], -1, -1)
        if mask is None:
            mask = torch.ones(features.shape[:2], dtype=torch.long, device=features.device)
        states = self.qformer(query_embeds=queries, encoder_hidden_states=features,
                              encoder_attention_mask=mask.long()).last_hidden_state
        return self.language_projection(states)

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return self.num_queries

    def no_weight_decay(self) -> set[str]:
        return {"query_tokens"}
