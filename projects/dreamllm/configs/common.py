"""Parts shared by all DreamLLM configs: the stage table, and the toy defaults of data and training
(`projects/toy_defaults.py`, which every project's toy configs start from) that the tiny, toy and 7B configs update."""

from projects.dreamllm.stages import STAGES as _STAGES
from projects.toy_defaults import toy_data, toy_training

stages = dict(_STAGES)
data = toy_data()
training = toy_training("work_dirs/toy", learning_rate=2e-3)
