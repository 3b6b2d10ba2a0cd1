"""Stage I, creation alignment: caption → image on LAION-400M, LAION-COCO and BLIP-LAION (20M each); only the dream
queries and the condition projector train (the diffusion loss through the frozen SD 2.1 UNet), lr 2e-3."""

from .common import _RUNS, data, model, stages, training

model.update(loss_weights={"lm": 0.0, "vm": 1.0})
data.update(datasets=["laion400m", "laion_coco", "blip_laion"], sizes=["20M", "20M", "20M"], mode="creation")
training.update(output_dir=f"{_RUNS}/stage1_creation", run_name="dreamllm_7b_stage1_creation", learning_rate=2e-3,
                trainable=stages["stage1_creation"])

__all__ = ["data", "model", "stages", "training"]
