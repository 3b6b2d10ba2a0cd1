"""Names shared across Omni: the multimodal special tokens, the label value that the losses ignore, batch keys."""

IGNORE_INDEX = -100

IM_START = "<im_start>"
IM_PATCH = "<im_patch>"
IM_END = "<im_end>"
DREAM = "<dream>"
DREAM_START = "<dream_start>"
DREAM_END = "<dream_end>"

# Order matters: new tokens are appended to a pretrained vocabulary in this order.
SPECIAL_TOKENS = (IM_START, IM_PATCH, IM_END, DREAM, DREAM_START, DREAM_END)

# a preference pair's precomputed reference log-probabilities (one number per pair), as batch keys
REFERENCE_KEYS = ("reference_chosen_logps", "reference_rejected_logps")
