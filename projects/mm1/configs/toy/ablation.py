"""One cell of MM1's connector ablation on the toy world (`python -m projects.mm1.ablation` runs the grid): from the
toy zoo, the connector and the LLM train together on VQA chats and captions (3 : 1) for a fixed budget; the ViT stays
frozen. The grid overrides `model.config.projector` (type and token count) and `model.config.image_size`."""

from .common import _RUNS, data, model, stages, training

model["config"].update(projector={"type": "c_abstractor", "num_queries": 16, "hidden_size": 128, "depth": 2},
                       image_size=64)
data.update(datasets=["toyworld_vqa", "toyworld_pairs"], weights=[3.0, 1.0], mode="comprehension",
            batch_by_source=True)
training.update(output_dir=f"{_RUNS}/ablation", run_name="mm1_toy_ablation", max_steps=400,
                per_device_train_batch_size=16, learning_rate=3e-4,
                learning_rates={"plugins.vision_encoder.projector.*": 2e-3}, save_steps=0, report_to=[],
                trainable=stages["stage1_pretrain"])
