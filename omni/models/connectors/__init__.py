"""Connectors: what joins one part's features to another's tokens (vision → LLM, LLM → UNet), one registry for all.

| name | what | reference |
|---|---|---|
| `linear`, `mlp` (`mlp2x_gelu`) | token for token | LLaVA-1.5 |
| `c_abstractor` | RegNet stages, adaptive pooling to √M×√M, MLP | Honeybee, MM1 |
| `perceiver` | learned latents, media+latent keys, feed-forward | Flamingo, xGen-MM |
| `qformer` | BERT-style queries, cross-attention every other layer | BLIP-2 |
| `avg_pool`, `attn_pool` | average pooling / one cross-attention to M tokens | MM1's ablation |
| `pixel_shuffle` | r×r patches folded into one wider token | Idefics3, SmolVLM |
"""

from omni.models.connectors import c_abstractor, mlp, perceiver, pixel_shuffle, pooling, qformer  # noqa: F401  (registration)
from omni.models.connectors.base import CONNECTOR_REGISTRY, Connector, build_connector, register_connector
from omni.models.connectors.projectors import build_projector

__all__ = ["CONNECTOR_REGISTRY", "Connector", "build_connector", "build_projector", "register_connector"]
