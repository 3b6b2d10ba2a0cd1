"""The registered datasets (`DATASETS_INFO_TABLE`) and the `DataManager` that holds them.

Paths are relative to the data root ($OMNI_DATA_ROOT, default `data/`); add your own with
`DataManager.register(WebDatasetInfo(...))` or a registry file. The public datasets of the paper recipes are the
repository's `configs/datasets/*.yaml`, and `$OMNI_DATASET_REGISTRY` (files or folders, separated by `:`) adds more:
both are read the first time a dataset is looked up, not at import.
"""

import os
from pathlib import Path

from omni.data.dataset_info import DatasetType, WebDatasetInfo
from omni.data.registry import DataRegistry

_TOY_TYPES = {
    "pairs": (DatasetType.ImageTextPair, "64x64 images of one coloured shape with a caption"),
    "vqa": (DatasetType.Conversation, "one question about an image and its answer (LLaVA-style conversation)"),
    "instructions": (DatasetType.Conversation, "a drawing instruction answered with an image (<dream>)"),
    "interleaved": (DatasetType.InterleavedImageText, "MMC4-style stories: sentences, images, matched text indices"),
    "text": (DatasetType.TextOnly, "text-only stories (the text share of MM1-style mixtures)"),
    "detail": (DatasetType.Conversation, "larger canvases with small shapes and a question about one (--kinds detail)"),
    "multi": (DatasetType.Conversation, "two pictures and a question that needs both (--kinds multi)"),
    "preferences": (DatasetType.Preference, "DPO pairs: the true caption or yes/no against a hallucinated one "
                    "(--kinds preferences)"),
    "safety": (DatasetType.Conversation, "requests to refuse beside ordinary questions (--kinds safety)"),
    "chats": (DatasetType.Conversation, "a question about a picture, then a request to draw another"),
}
_TOY_SIZES = {"pairs": ("20K", "1K"), "vqa": ("20K", "1K"), "instructions": ("10K", "500"), "interleaved": ("5K", "250"),
              "text": ("5K", "250"), "detail": ("10K", "500"), "multi": ("10K", "500"),
              "preferences": ("5K", "500"), "safety": ("5K", "500"), "chats": ("5K", "250")}

DATASETS_INFO_TABLE = [
    WebDatasetInfo(
        name=f"toyworld_{kind}" + ("" if split == "train" else "_test"),
        description=f"Procedural toy world ({split}): {text} (python -m omni.data.toyworld).",
        dataset_type=dataset_type,
        approx_size=_TOY_SIZES[kind][split != "train"],
        shard_list_path=f"toyworld/{kind}-{split}.json",
    )
    for kind, (dataset_type, text) in _TOY_TYPES.items()
    for split in ("train", "test")
] + [
    WebDatasetInfo(  # the stories again, as answers to their requests ("Tell a story that begins with ...")
        name="toyworld_story_instructions" + ("" if split == "train" else "_test"),
        description=f"Procedural toy world ({split}): the stories as instruction-following documents.",
        dataset_type=DatasetType.InstructionInterleaved,
        approx_size=_TOY_SIZES["interleaved"][split != "train"],
        shard_list_path=f"toyworld/interleaved-{split}.json",
    )
    for split in ("train", "test")
]

PUBLIC_REGISTRY = Path(__file__).resolve().parents[2] / "configs" / "datasets"  # absent in a wheel install

DataManager = DataRegistry("DataManager")
DataManager.register(DATASETS_INFO_TABLE)
DataManager.register_files_lazily([PUBLIC_REGISTRY] if PUBLIC_REGISTRY.is_dir() else [])
DataManager.register_files_lazily(p for p in os.environ.get("OMNI_DATASET_REGISTRY", "").split(os.pathsep) if p)
