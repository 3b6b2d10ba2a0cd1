"""Names shared across Omni: the multimodal special tokens and the label value that the losses ignore."""

IGNORE_INDEX = -100

IM_START = "<im_start>"
IM_PATCH = "<im_patch>"
IM_END = "<im_end>"
DREAM = "<dream>"
DREAM_START = "<dream_start>"
DREAM_END = "<dream_end>"

# Order matters: new tokens are appended to a pretrained vocabulary in this order.
SPECIAL_TOKENS = (IM_START, IM_PATCH, IM_END, DREAM, DREAM_START, DREAM_END)
