"""CLIP vision encoder plugin: frozen `CLIPVisionModel`, features of a chosen layer, a projector into the LLM.

As in DreamLLM and LLaVA, features come from the second-to-last layer with the CLS token dropped, so an image
becomes (image_size / patch_size)^2 features (256 for ViT-L/14 at 224 px); the connector (`projector`: any registered
connector, e.g. LLaVA's `"mlp2x_gelu"` or MM1's `{"type": "c_abstractor", "num_queries": 144}`) decides how many LLM
tokens they become.
"""

from __future__ import annotations

from typing import Any

from transformers import CLIPVisionConfig, CLIPVisionModel

from omni.models.plugins.base import register_plugin
from omni.models.plugins.vision_tower import VisionTowerPlugin, pil_image_processor_class

OPENAI_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@register_plugin
class CLIPVisionEmbedding(VisionTowerPlugin):
    name = "clip_vision_embedding"
    config_class, model_class, has_cls_token = CLIPVisionConfig, CLIPVisionModel, True

    def __init__(
        self,
        llm_hidden_size: int,
        model_name_or_path: str | None = None,
        vision_config: dict[str, Any] | None = None,
        select_layer: int | None = -2,
        drop_cls: bool = True,
        projector: str | dict[str, Any] = "linear",
        image_mean: tuple[float, ...] = OPENAI_CLIP_MEAN,
        image_std: tuple[float, ...] = OPENAI_CLIP_STD,
        freeze: bool = True,
        pad_to_square: bool = False,
        image_size: int | None = None,
        anyres_grids: list[list[int]] | None = None,
        view_separator: bool = False,
    ):
        super().__init__(llm_hidden_size, model_name_or_path, vision_config, select_layer, drop_cls, projector,
                         image_mean, image_std, freeze, pad_to_square, image_size,
                         anyres_grids=anyres_grids, view_separator=view_separator)

    @staticmethod
    def make_processor(size: int, mean: tuple[float, ...], std: tuple[float, ...]) -> Any:
        """CLIP's: shortest edge to `size`, centre crop."""
        return pil_image_processor_class("clip", "CLIP")(size={"shortest_edge": size}, crop_size={"height": size, "width": size},
                                                         image_mean=list(mean), image_std=list(std))
