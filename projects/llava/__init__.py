"""LLaVA-1.5 (Liu et al. 2023, "Improved Baselines with Visual Instruction Tuning") as an Omni recipe: a plain
`OmniConfig` (LLM + CLIP plugin with an MLP connector), no model code of its own."""
