"""`DreamLLMConfig`: an `OmniConfig` with dream tokens and the weight of the diffusion (VM) loss."""

from __future__ import annotations

from typing import ClassVar

from omni.constants import SPECIAL_TOKENS
from omni.models.base.configuration_omni import OmniConfig


class DreamLLMConfig(OmniConfig):
    model_type = "dreamllm"
    # images to read, and `<dream> <dream_start> <im_patch>×Q <dream_end>` blocks where an image is created
    special_tokens: ClassVar[tuple[str, ...]] = SPECIAL_TOKENS

    loss_weight_vm: float = 10.0
