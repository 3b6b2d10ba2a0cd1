"""Omni: a framework for multimodal LLMs that understand and create."""
__version__ = "0.1.0"
