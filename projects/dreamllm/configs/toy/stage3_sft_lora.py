"""Stage III with LoRA on the LLM (rank 8 on every projection) while projectors and dream queries train in full.

  torchrun --nproc_per_node 2 -m projects.dreamllm.train --config_file projects/dreamllm/configs/toy/stage3_sft_lora.py
  python -m projects.dreamllm.merge_lora --model work_dirs/toy/stage3_sft_lora --out work_dirs/toy/stage3_sft_merged
"""

from .common import _RUNS, stages, training
from .stage3_sft import data, model

model.update(lora={"r": 8, "alpha": 16, "dropout": 0.0})
training.update(output_dir=f"{_RUNS}/stage3_sft_lora", run_name="toy_stage3_sft_lora", learning_rate=1e-3,
                trainable=stages["stage3_sft_lora"])

__all__ = ["data", "model", "training"]
