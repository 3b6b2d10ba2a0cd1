"""What every ViT encoder plugin shares (CLIP, SigLIP): a transformers vision tower, frozen by default, the features of
one of its layers, and a connector from the connector zoo into the LLM's width.

A subclass names its transformers classes, its image processor and its normalisation, and says whether its tower has
a CLS token; the resolution, the padding to a square, the layer, freezing and loading are written once, here.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from PIL import Image
from transformers import PretrainedConfig, PreTrainedModel

from omni.models.connectors import build_connector
from omni.models.plugins.base import EncoderPlugin
from omni.models.zoo import resolve_model_path
from omni.utils.logging import quiet_transformers

# the architecture entries a saved spec pins inline, so an export rebuilds the tower without its folder
_ARCHITECTURE_KEYS = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "image_size",
                      "patch_size", "projection_dim", "hidden_act", "layer_norm_eps", "num_channels", "vision_use_head")


def pil_image_processor_class(family: str, prefix: str) -> type:
    """transformers' PIL image processor of a model family (it needs no torchvision, which we do not install on CPU),
    or the family's default one on a transformers without PIL processors."""
    import importlib

    try:
        return getattr(importlib.import_module(f"transformers.models.{family}.image_processing_pil_{family}"),
                       f"{prefix}ImageProcessorPil")
    except (ImportError, AttributeError):  # pragma: no cover - older transformers
        import transformers

        return getattr(transformers, f"{prefix}ImageProcessor")


def expand_to_square(image: Image.Image, fill: tuple[int, ...]) -> Image.Image:
    """`image` centred on a square canvas of colour `fill` (LLaVA's `expand2square`)."""
    width, height = image.size
    if width == height:
        return image
    side = max(width, height)
    canvas = Image.new(image.mode, (side, side), fill)
    canvas.paste(image, ((side - width) // 2, (side - height) // 2))
    return canvas


class VisionTowerPlugin(EncoderPlugin):
    """A ViT + connector. `select_layer=None` takes the tower's `last_hidden_state` (after its final norm: SigLIP as
    xGen-MM uses it); an integer indexes `hidden_states` (-2: the second-to-last layer, as LLaVA and DreamLLM)."""

    config_class: ClassVar[type[PretrainedConfig]]
    model_class: ClassVar[type[PreTrainedModel]]
    has_cls_token: ClassVar[bool]

    def __init__(self, llm_hidden_size: int, model_name_or_path: str | None, vision_config: dict[str, Any] | None,
                 select_layer: int | None, drop_cls: bool, projector: str | dict[str, Any], image_mean: tuple[float, ...],
                 image_std: tuple[float, ...], freeze: bool, pad_to_square: bool, image_size: int | None):
        super().__init__()
        if vision_config is None:
            if model_name_or_path is None:
                raise ValueError(f"{self.name} needs `model_name_or_path` or an inline `vision_config`")
            config = self.config_class.from_pretrained(resolve_model_path(model_name_or_path))
        else:
            config = self.config_class(**{k: v for k, v in vision_config.items() if k != "model_type"})
        self.model_name_or_path = model_name_or_path
        self.select_layer, self.drop_cls, self.freeze = select_layer, drop_cls and self.has_cls_token, freeze
        # LLaVA-1.5's `image_aspect_ratio="pad"`: a non-square image is padded to a square of the mean colour before
        # the resize, so nothing is cut off or stretched
        self.pad_to_square = pad_to_square
        # the resolution images are encoded at: the tower's own by default; another one (MM1's resolution ablation,
        # a 224-px checkpoint run at 336 px) interpolates its position embeddings to the new patch grid
        self.image_size = image_size or config.image_size
        if self.image_size % config.patch_size:
            raise ValueError(f"{self.name}: image_size {self.image_size} is not a multiple of the patch size "
                             f"{config.patch_size}")
        self.image_mean, self.image_std = tuple(image_mean), tuple(image_std)
        self.backbone = self.model_class(config)
        self.projector = build_connector(projector, config.hidden_size, llm_hidden_size, num_input_tokens=self.num_features)
        if freeze:
            self.freeze_backbones()
        self.processor = self.make_processor(self.image_size, self.image_mean, self.image_std)

    @staticmethod
    def make_processor(size: int, mean: tuple[float, ...], std: tuple[float, ...]) -> Any:
        """The tower's own image processor at `size` pixels (the toy zoo saves the same one with its weights)."""
        raise NotImplementedError

    @property
    def num_features(self) -> int:
        """Vision-tower features per image: the patches, and the CLS token if the tower has one and it is kept."""
        patches = (self.image_size // self.backbone.config.patch_size) ** 2
        return patches + (1 if self.has_cls_token and not self.drop_cls else 0)

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
            pretrained = self.model_class.from_pretrained(resolve_model_path(self.model_name_or_path))
        self.backbone.load_state_dict(pretrained.state_dict())

    def preprocess(self, images: list[Image.Image]) -> torch.Tensor:
        images = [im.convert("RGB") for im in images]
        if self.pad_to_square:
            images = [expand_to_square(im, tuple(round(255 * m) for m in self.image_mean)) for im in images]
        return self.processor(images=images, return_tensors="pt").pixel_values

    def features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Pixels [N, 3, H, W] → the chosen layer's features [N, num_features, vision width]."""
        dtype = next(self.backbone.parameters()).dtype
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            outputs = self.backbone(pixel_values=pixel_values.to(dtype), output_hidden_states=self.select_layer is not None,
                                    interpolate_pos_encoding=self.image_size != self.backbone.config.image_size)
            features = outputs.last_hidden_state if self.select_layer is None else outputs.hidden_states[self.select_layer]
            return features[:, 1:] if self.drop_cls else features

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Pixels [N, 3, H, W] → LLM-width embeddings [N, tokens, hidden]."""
        features = self.features(pixel_values)
        return self.projector(features.to(next(self.projector.parameters()).dtype))

    def architecture(self) -> dict[str, Any]:
        vision_config = self.backbone.config.to_dict()
        return {"vision_config": {k: vision_config[k] for k in _ARCHITECTURE_KEYS if k in vision_config}}
