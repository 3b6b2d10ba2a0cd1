"""Stage I, comprehension alignment: image → text on LLaVA-Pretrain, LAION-400M, LAION-COCO, BLIP-LAION and GQA
(558K + 3 × 20M + 13.5M samples); only the vision projector trains (LM loss), lr 2e-3."""

from .common import _RUNS, data, model, stages, training

model.update(loss_weights={"lm": 1.0, "vm": 0.0})
data.update(datasets=["llava_pretrain_558k", "laion400m", "laion_coco", "blip_laion", "gqa"],
            sizes=["558K", "20M", "20M", "20M", "13532530"], mode="comprehension")
training.update(output_dir=f"{_RUNS}/stage1_comprehension", run_name="dreamllm_7b_stage1_comprehension",
                learning_rate=2e-3, trainable=stages["stage1_comprehension"])

__all__ = ["data", "model", "stages", "training"]
