"""CLIP vision encoder plugin: frozen `CLIPVisionModel`, features of a chosen layer, a projector into the LLM.

As in DreamLLM and LLaVA, features come from the second-to-last layer with the CLS token dropped, so an image
becomes (image_size / patch_size)^2 features (256 for ViT-L/14 at 224 px); the connector (`projector`: any registered
connector, e.g. LLaVA's `"mlp2x_gelu"` or MM1's `{"type": "c_abstractor", "num_queries": 144}`) decides how many LLM
tokens they become.
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image
from transformers import CLIPVisionConfig, CLIPVisionModel

from omni.models.connectors import build_connector
from omni.models.plugins.base import EncoderPlugin, register_plugin
from omni.models.zoo import resolve_model_path
from omni.utils.logging import quiet_transformers

OPENAI_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def _image_processor_class():
    try:  # the PIL backend needs no torchvision (which we do not install on CPU)
        from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

        return CLIPImageProcessorPil
    except ImportError:  # pragma: no cover - older transformers
        from transformers import CLIPImageProcessor

        return CLIPImageProcessor


def expand_to_square(image: Image.Image, fill: tuple[int, ...]) -> Image.Image:
    """`image` centred on a square canvas of colour `fill` (LLaVA's `expand2square`)."""
    width, height = image.size
    if width == height:
        return image
    side = max(width, height)
    canvas = Image.new(image.mode, (side, side), fill)
    canvas.paste(image, ((side - width) // 2, (side - height) // 2))
    return canvas


@register_plugin
class CLIPVisionEmbedding(EncoderPlugin):
    name = "clip_vision_embedding"

    def __init__(
        self,
        llm_hidden_size: int,
        model_name_or_path: str | None = None,
        vision_config: dict[str, Any] | None = None,
        select_layer: int = -2,
        drop_cls: bool = True,
        projector: str | dict[str, Any] = "linear",
        image_mean: tuple[float, ...] = OPENAI_CLIP_MEAN,
        image_std: tuple[float, ...] = OPENAI_CLIP_STD,
        freeze: bool = True,
        pad_to_square: bool = False,
        image_size: int | None = None,
    ):
        super().__init__()
        if vision_config is None:
            if model_name_or_path is None:
                raise ValueError("clip_vision_embedding needs `model_name_or_path` or an inline `vision_config`")
            config = CLIPVisionConfig.from_pretrained(resolve_model_path(model_name_or_path))
        else:
            config = CLIPVisionConfig(**{k: v for k, v in vision_config.items() if k != "model_type"})
        self.model_name_or_path = model_name_or_path
        self.select_layer, self.drop_cls, self.freeze = select_layer, drop_cls, freeze
        # LLaVA-1.5's `image_aspect_ratio="pad"`: a non-square image is padded to a square of the mean colour before
        # the resize, so the centre crop cuts nothing off
        self.pad_to_square = pad_to_square
        # the resolution images are encoded at: the tower's own by default; another one (MM1's resolution ablation,
        # a 224-px checkpoint run at 336 px) interpolates its position embeddings to the new patch grid
        self.image_size = image_size or config.image_size
        if self.image_size % config.patch_size:
            raise ValueError(f"clip_vision_embedding: image_size {self.image_size} is not a multiple of the patch "
                             f"size {config.patch_size}")
        self.image_mean, self.image_std = tuple(image_mean), tuple(image_std)
        self.backbone = CLIPVisionModel(config)
        self.projector = build_connector(projector, config.hidden_size, llm_hidden_size, num_input_tokens=self.num_features)
        if freeze:
            self.freeze_backbones()
        size = self.image_size
        self.processor = _image_processor_class()(
            size={"shortest_edge": size},
            crop_size={"height": size, "width": size},
            image_mean=list(self.image_mean),
            image_std=list(self.image_std),
        )

    @property
    def num_features(self) -> int:
        """Vision-tower features per image: the patches, and the CLS token unless dropped."""
        config = self.backbone.config
        return (self.image_size // config.patch_size) ** 2 + (0 if self.drop_cls else 1)

    def num_image_tokens(self, image: Image.Image | None = None) -> int:
        """Every image is resized to one resolution, so every image takes the same number of slots."""
        return self.projector.num_output_tokens(self.num_features)

    @property
    def num_tokens(self) -> int:
        return self.num_image_tokens()

    def frozen_modules(self) -> dict[str, torch.nn.Module]:
        return {"backbone": self.backbone} if self.freeze else {}

    def load_pretrained(self) -> None:
        if self.model_name_or_path is None:
            return
        with quiet_transformers():
            pretrained = CLIPVisionModel.from_pretrained(resolve_model_path(self.model_name_or_path))
        self.backbone.load_state_dict(pretrained.state_dict())

    def preprocess(self, images: list[Image.Image]) -> torch.Tensor:
        images = [im.convert("RGB") for im in images]
        if self.pad_to_square:
            images = [expand_to_square(im, tuple(round(255 * m) for m in self.image_mean)) for im in images]
        return self.processor(images=images, return_tensors="pt").pixel_values

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Pixels [N, 3, H, W] → LLM-width embeddings [N, tokens, hidden]."""
        dtype = next(self.backbone.parameters()).dtype
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            outputs = self.backbone(pixel_values=pixel_values.to(dtype), output_hidden_states=True,
                                    interpolate_pos_encoding=self.image_size != self.backbone.config.image_size)
            features = outputs.hidden_states[self.select_layer]
            if self.drop_cls:
                features = features[:, 1:]
        projector_dtype = next(self.projector.parameters()).dtype
        return self.projector(features.to(projector_dtype))

    def architecture(self) -> dict[str, Any]:
        vision_config = self.backbone.config.to_dict()
        keep = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "image_size",
                "patch_size", "projection_dim", "hidden_act", "layer_norm_eps", "num_channels")
        return {"vision_config": {k: vision_config[k] for k in keep if k in vision_config}}
