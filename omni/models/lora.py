"""LoRA on the LLM of an MLLM, through peft, while the connectors (and a project's own additions) train in full.

The adapters are injected into the LLM in place (`peft.inject_adapter_in_model`): parameter names keep their paths
(a wrapped layer's weight becomes `….q_proj.base_layer.weight`, its adapters `….q_proj.lora_A.default.weight`), so
the trainer, FSDP, checkpoints and trainable-set globs work unchanged. The LoRA settings live in the model config
(`OmniConfig.lora`): a saved model rebuilds its adapters before loading, so a LoRA run exports, reloads and resumes
like any other. `merge_lora` folds the adapters into the base weights and returns a plain model (the standalone
checkpoint LLaVA's users kept failing to produce: connectors, queries and plugins included).
"""

from __future__ import annotations

from typing import Any

from torch import nn

# what trains in a LoRA stage of any model: the adapters and, in full, every plugin's connector (into or out of the
# LLM); a project adds its own parts (DreamLLM: its dream queries)
LORA_TRAINABLE = ["*.lora_A.*", "*.lora_B.*", "plugins.*projector.*"]
DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def lora_settings(r: int = 8, alpha: int = 16, dropout: float = 0.0,
                  target_modules: list[str] | None = None) -> dict[str, Any]:
    return {"r": r, "alpha": alpha, "dropout": dropout, "target_modules": list(target_modules or DEFAULT_TARGETS)}


def inject_lora(llm: nn.Module, settings: dict[str, Any]) -> nn.Module:
    from peft import LoraConfig, inject_adapter_in_model

    config = LoraConfig(r=settings["r"], lora_alpha=settings["alpha"], lora_dropout=settings["dropout"],
                        target_modules=settings["target_modules"], bias="none")
    return inject_adapter_in_model(config, llm)


def apply_lora(model: nn.Module, **settings: Any) -> nn.Module:
    """Add LoRA adapters to `model.llm` (any Omni model) and record them in its config; the adapters start at zero, so the
    model computes exactly what it did."""
    if getattr(model.config, "lora", None):
        raise ValueError(f"the model already has LoRA adapters ({model.config.lora})")
    resolved = lora_settings(**settings)
    inject_lora(model.llm, resolved)
    model.config.lora = resolved
    return model


def merge_lora(model: nn.Module) -> nn.Module:
    """Fold every adapter into its base weight and put the plain layers back: a model without LoRA."""
    from peft.tuners.lora import LoraLayer

    if not getattr(model.config, "lora", None):
        raise ValueError("the model has no LoRA adapters to merge")
    for name, module in list(model.llm.named_modules()):
        if isinstance(module, LoraLayer):
            module.merge()
            parent, _, child = name.rpartition(".")
            setattr(model.llm.get_submodule(parent), child, module.get_base_layer())
    model.config.lora = None
    return model
