"""Stage II, interleaved generative pretraining (I-GPT): MMC4-core documents (7M) and BLIP-LAION pairs (10M, as
captions or as images to create); everything but CLIP, the VAE and the UNet trains, LM : diffusion loss 1 : 10,
lr 2e-5. Starts from stage I comprehension with what stage I creation trained merged in."""

from .common import _MODEL, _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage1_comprehension", merge_from=[f"{_RUNS}/stage1_creation"],
             expected_config=_MODEL, loss_weights={"lm": 1.0, "vm": 10.0})
data.update(datasets=["mmc4_core", "blip_laion"], sizes=["7M", "10M"], mode="mixed")
training.update(output_dir=f"{_RUNS}/stage2_igpt", run_name="dreamllm_7b_stage2_igpt", learning_rate=2e-5,
                trainable=stages["stage2_igpt"])

__all__ = ["data", "model", "stages", "training"]
