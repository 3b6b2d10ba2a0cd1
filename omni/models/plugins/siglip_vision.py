"""SigLIP vision encoder plugin (xGen-MM/BLIP-3's encoder): frozen `SiglipVisionModel`, its last hidden state.

SigLIP has no CLS token, so every patch is a feature (729 for so400m/14 at 384 px); xGen-MM takes the
`last_hidden_state` (after the tower's final LayerNorm), normalises pixels with mean and std 0.5 and resizes to a
square without cropping, and hands the features to a Perceiver resampler (`projector={"type": "perceiver", ...}`).
"""

from __future__ import annotations

from typing import Any

from transformers import SiglipVisionConfig, SiglipVisionModel

from omni.models.plugins.base import register_plugin
from omni.models.plugins.vision_tower import VisionTowerPlugin, pil_image_processor_class

SIGLIP_MEAN = SIGLIP_STD = (0.5, 0.5, 0.5)


@register_plugin
class SiglipVisionEmbedding(VisionTowerPlugin):
    name = "siglip_vision_embedding"
    config_class, model_class, has_cls_token = SiglipVisionConfig, SiglipVisionModel, False

    def __init__(
        self,
        llm_hidden_size: int,
        model_name_or_path: str | None = None,
        vision_config: dict[str, Any] | None = None,
        select_layer: int | None = None,
        projector: str | dict[str, Any] = "perceiver",
        image_mean: tuple[float, ...] = SIGLIP_MEAN,
        image_std: tuple[float, ...] = SIGLIP_STD,
        freeze: bool = True,
        pad_to_square: bool = False,
        image_size: int | None = None,
        anyres_grids: list[list[int]] | None = None,
        view_separator: bool = False,
    ):
        super().__init__(llm_hidden_size, model_name_or_path, vision_config, select_layer, False, projector,
                         image_mean, image_std, freeze, pad_to_square, image_size,
                         anyres_grids=anyres_grids, view_separator=view_separator)

    @staticmethod
    def make_processor(size: int, mean: tuple[float, ...], std: tuple[float, ...]) -> Any:
        """SigLIP's: resize to `size` × `size` (no crop), rescale, normalise."""
        return pil_image_processor_class("siglip", "Siglip")(size={"height": size, "width": size}, image_mean=list(mean),
                                                             image_std=list(std))
