"""Stage III, supervised fine-tuning: LLaVA-1.5's 665K instruction mixture, 600K BLIP-LAION pairs (understood or
created) and InstructMMC4's 20,231 instruction-following documents, as the public SFT config draws them; the paper's
text names LLaVA-Instruct-80K and 20K Instruct-BLIP-LAION synthesis instructions instead (registered as
llava_instruct_80k and instruct_blip_laion: swap them in with data.datasets=... data.sizes=...). Everything but
CLIP, the VAE and the UNet trains, LM : diffusion 1 : 10, lr 4e-5."""

from .common import _MODEL, _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage2_igpt", expected_config=_MODEL, loss_weights={"lm": 1.0, "vm": 10.0})
data.update(datasets=["llava_v1_5_mix665k", "blip_laion", "instruct_mmc4"], sizes=["665298", "600K", "20231"],
            mode="mixed")
training.update(output_dir=f"{_RUNS}/stage3_sft", run_name="dreamllm_7b_stage3_sft", learning_rate=4e-5,
                trainable=stages["stage3_sft"])

__all__ = ["data", "model", "stages", "training"]
