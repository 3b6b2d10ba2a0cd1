"""Stage III, supervised fine-tuning: VQA conversations, drawing instructions, instruction-following stories, and
chats that mix the two (a question about an attached picture, then a drawing request: without them a drawing request
that follows a question is answered with a word)."""

from .common import _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage2_igpt", loss_weights={"lm": 1.0, "vm": 10.0})
data.update(datasets=["toyworld_vqa", "toyworld_instructions", "toyworld_interleaved", "toyworld_chats"],
            weights=[2.0, 1.0, 1.0, 0.5],
            mode="mixed", documents_as_instructions=True, batch_by_source=True)
training.update(output_dir=f"{_RUNS}/stage3_sft", run_name="toy_stage3_sft", max_steps=500, learning_rate=3e-4,
                trainable=stages["stage3_sft"])
