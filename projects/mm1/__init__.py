"""MM1 (McKinney et al. 2024, "MM1: Methods, Analysis & Insights from Multimodal LLM Pre-training") as an Omni
recipe: a CLIP-style ViT, the C-Abstractor connector, pretraining on a 45:45:10 caption : interleaved : text mixture
(images inside interleaved documents are inputs), then SFT. A plain `OmniConfig`: no model code of its own."""
