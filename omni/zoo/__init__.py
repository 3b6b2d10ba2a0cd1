"""Model zoos built by Omni itself: pretrained stand-ins for CLIP, Stable Diffusion and LLaMA at toy scale.

Each model is trained by the project's own scripts and saved with its library's own `save_pretrained`, so DreamLLM
loads it exactly as it loads real weights (through the model zoo table, from local directories).
"""
