"""Plugins: encoders into the LLM, heads out of it, and learnable queries, composed by name from a config."""

from omni.models.plugins.base import (
    PLUGIN_REGISTRY,
    EncoderPlugin,
    HeadPlugin,
    Plugin,
    QueriesPlugin,
    build_plugin,
    register_plugin,
)
from omni.models.plugins.clip_vision import CLIPVisionEmbedding
from omni.models.plugins.dream_queries import DreamQueries
from omni.models.plugins.siglip_vision import SiglipVisionEmbedding
from omni.models.plugins.stable_diffusion import StableDiffusionHead

__all__ = ["PLUGIN_REGISTRY", "EncoderPlugin", "HeadPlugin", "Plugin", "QueriesPlugin", "build_plugin", "register_plugin", "CLIPVisionEmbedding", "DreamQueries",
           "SiglipVisionEmbedding", "StableDiffusionHead"]
