"""What every ViT encoder plugin shares (CLIP, SigLIP): a transformers vision tower, frozen by default, the features of
one of its layers, and a connector from the connector zoo into the LLM's width.

A subclass names its transformers classes, its image processor and its normalisation, and says whether its tower has
a CLS token; the resolution, the padding to a square, any-resolution views, the layer, freezing and loading are written
once, here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch
from PIL import Image
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel

from omni.models.connectors import build_connector
from omni.models.feature_cache import FeatureCache, module_fingerprint
from omni.models.plugins.anyres import anyres_views, check_grids, num_views
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
    xGen-MM uses it); an integer indexes `hidden_states` (-2: the second-to-last layer, as LLaVA and DreamLLM).

    `anyres_grids` ([[rows, cols], …], xGen-MM's `[[1, 2], [2, 1], [2, 2], [3, 1], [1, 3]]`): each image becomes a
    global view and the crops of its best-fitting grid (`omni.models.plugins.anyres`), each encoded and passed through
    the connector on its own with its padding masked, so an image takes (1 + rows·cols) × the connector's tokens.
    `view_separator` appends one learned embedding after each view's tokens (LLaVA-NeXT's `image_newline` in spirit;
    xGen-MM uses none)."""

    config_class: ClassVar[type[PretrainedConfig]]
    model_class: ClassVar[type[PreTrainedModel]]
    has_cls_token: ClassVar[bool]

    def __init__(self, llm_hidden_size: int, model_name_or_path: str | None, vision_config: dict[str, Any] | None,
                 select_layer: int | None, drop_cls: bool, projector: str | dict[str, Any], image_mean: tuple[float, ...],
                 image_std: tuple[float, ...], freeze: bool, pad_to_square: bool, image_size: int | None,
                 anyres_grids: list[list[int]] | None = None, view_separator: bool = False):
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
        # a checkpoint's own resolution may overhang its patch grid (SigLIP so400m: 384 px, patch 14: 27×27 patches,
        # the last 6 px unseen, as the reference runs it); another resolution must fit the grid it is interpolated to
        if self.image_size != config.image_size and self.image_size % config.patch_size:
            raise ValueError(f"{self.name}: image_size {self.image_size} is not a multiple of the patch size "
                             f"{config.patch_size}")
        self.image_mean, self.image_std = tuple(image_mean), tuple(image_std)
        self.anyres_grids = check_grids(anyres_grids) if anyres_grids is not None else None
        if self.anyres_grids is not None and pad_to_square:
            raise ValueError(f"{self.name}: pad_to_square and anyres_grids exclude each other (any-resolution pads "
                             "each image into its grid's canvas and resizes the global view whole)")
        self.backbone = self.model_class(config)
        self.projector = build_connector(projector, config.hidden_size, llm_hidden_size, num_input_tokens=self.num_features)
        # LLaVA-NeXT initialises its `image_newline` at the scale of the LLM's embeddings
        self.separator = (nn.Parameter(torch.randn(llm_hidden_size) / llm_hidden_size ** 0.5) if view_separator
                          else None)
        if freeze:
            self.freeze_backbones()
        self.processor = self.make_processor(self.image_size, self.image_mean, self.image_std)
        self.feature_cache: FeatureCache | None = None  # use_feature_cache

    @staticmethod
    def make_processor(size: int, mean: tuple[float, ...], std: tuple[float, ...]) -> Any:
        """The tower's own image processor at `size` pixels (the toy zoo saves the same one with its weights)."""
        raise NotImplementedError

    @property
    def num_features(self) -> int:
        """Vision-tower features per image: the patches, and the CLS token if the tower has one and it is kept."""
        patches = (self.image_size // self.backbone.config.patch_size) ** 2
        return patches + (1 if self.has_cls_token and not self.drop_cls else 0)

    @property
    def tokens_per_view(self) -> int:
        """Slots one view takes: the connector's tokens, and the separator if there is one."""
        return self.projector.num_output_tokens(self.num_features) + (self.separator is not None)

    def num_image_tokens(self, image: Image.Image | None = None) -> int:
        """A single view per image: the same for every image. Any-resolution: one view per crop of the image's grid
        plus the global view (`None`: one view, the base resolution)."""
        views = 1 if self.anyres_grids is None or image is None else num_views(image, self.anyres_grids,
                                                                                 self.image_size)
        return views * self.tokens_per_view

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

    def preprocess(self, images: list[Image.Image]) -> dict[str, torch.Tensor]:
        images = [im.convert("RGB") for im in images]
        fill = tuple(round(255 * m) for m in self.image_mean)  # padding in the mean colour: zero once normalised
        if self.anyres_grids is None:
            if self.pad_to_square:
                images = [expand_to_square(im, fill) for im in images]
            return {"pixel_values": self.processor(images=images, return_tensors="pt").pixel_values}
        views, masks = [], []
        for image in images:
            image_views, image_masks = anyres_views(image, self.anyres_grids, self.image_size,
                                                    self.backbone.config.patch_size, fill)
            views += image_views
            masks.append(image_masks)
        mask = torch.cat(masks)
        if self.num_features > mask.shape[1]:  # a kept CLS token is always real
            mask = torch.cat((mask.new_ones(mask.shape[0], 1), mask), dim=1)
        return {"pixel_values": self.processor(images=views, return_tensors="pt").pixel_values,
                "image_patch_mask": mask}

    def use_feature_cache(self, root: str | Path) -> dict[str, FeatureCache]:
        if not self.freeze:
            return {}  # a tower that trains computes new features every step
        fingerprint = module_fingerprint(self.backbone, select_layer=self.select_layer, drop_cls=self.drop_cls,
                                         image_size=self.image_size)
        self.feature_cache = FeatureCache(root, f"{self.name}-features", fingerprint)
        return {"features": self.feature_cache}

    def features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Pixels [N, 3, H, W] → the chosen layer's features [N, num_features, vision width] (from the feature cache
        where one is in use and holds them)."""
        if self.feature_cache is not None and self.freeze:
            return self.feature_cache(pixel_values, self.tower_features)
        return self.tower_features(pixel_values)

    def tower_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """The tower's forward: pixels → the chosen layer's features."""
        dtype = next(self.backbone.parameters()).dtype
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            outputs = self.backbone(pixel_values=pixel_values.to(dtype), output_hidden_states=self.select_layer is not None,
                                    interpolate_pos_encoding=self.image_size != self.backbone.config.image_size)
            features = outputs.last_hidden_state if self.select_layer is None else outputs.hidden_states[self.select_layer]
            return features[:, 1:] if self.drop_cls else features

    def forward(self, pixel_values: torch.Tensor, image_patch_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Views [V, 3, H, W] → LLM-width embeddings [V, tokens_per_view, hidden], padding masked in the connector."""
        features = self.features(pixel_values)
        tokens = self.projector(features.to(next(self.projector.parameters()).dtype), image_patch_mask)
        if self.separator is None:
            return tokens
        return torch.cat((tokens, self.separator.to(tokens.dtype).expand(tokens.shape[0], 1, -1)), dim=1)

    def architecture(self) -> dict[str, Any]:
        vision_config = self.backbone.config.to_dict()
        return {"vision_config": {k: vision_config[k] for k in _ARCHITECTURE_KEYS if k in vision_config}}
