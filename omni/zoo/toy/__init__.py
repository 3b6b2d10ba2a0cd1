"""The toy zoo: CLIP, VAE, Stable Diffusion (UNet + pipeline), LLaMA and an attribute classifier for the toy world."""
