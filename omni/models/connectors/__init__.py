"""Connectors: small modules that map one module's feature width into another's (vision → LLM, LLM → UNet)."""

from omni.models.connectors.projectors import build_projector

__all__ = ["build_projector"]
