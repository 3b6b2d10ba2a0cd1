"""Stage III, supervised fine-tuning: VQA conversations, drawing instructions, instruction-following stories, chats
that mix the two (a question about an attached picture, then a drawing request: without them a drawing request that
follows a question is answered with a word), and the image–text pairs of stage I (captions and creation), so that what
stages I and II learnt is rehearsed, not forgotten."""

from .common import _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage2_igpt", loss_weights={"lm": 1.0, "vm": 10.0})
# without the pairs and at 3e-4 one seed's created images fell from 34.0% (all four) to 6.2% in this stage and its
# captions from 100% to 56.2%; with them at 1e-4 (after stage II at 1e-4) 57.0% and 100% (docs/toyworld.md, session 21)
data.update(datasets=["toyworld_vqa", "toyworld_instructions", "toyworld_interleaved", "toyworld_chats",
                      "toyworld_pairs"],
            weights=[2.0, 1.0, 1.0, 0.5, 1.0],
            mode="mixed", documents_as_instructions=True, batch_by_source=True)
training.update(output_dir=f"{_RUNS}/stage3_sft", run_name="toy_stage3_sft", max_steps=500, learning_rate=1e-4,
                trainable=stages["stage3_sft"])
