"""The registered datasets (`DATASETS_INFO_TABLE`) and the `DataManager` that holds them.

Paths are relative to the data root ($OMNI_DATA_ROOT, default `data/`); add your own with
`DataManager.register(WebDatasetInfo(...))`.
"""

from omni.data.dataset_info import DatasetType, WebDatasetInfo
from omni.data.registry import DataRegistry

DATASETS_INFO_TABLE = [
    WebDatasetInfo(
        name="toyworld_pairs",
        description="Procedural toy world: 64x64 images of one coloured shape with a caption (python -m omni.data.toyworld).",
        dataset_type=DatasetType.ImageTextPair,
        approx_size="20K",
        shard_list_path="toyworld/pairs-train.json",
    ),
    WebDatasetInfo(
        name="toyworld_pairs_test",
        description="Held-out split of the toy world pairs.",
        dataset_type=DatasetType.ImageTextPair,
        approx_size="1K",
        shard_list_path="toyworld/pairs-test.json",
    ),
]

DataManager = DataRegistry("DataManager")
DataManager.register(DATASETS_INFO_TABLE)
