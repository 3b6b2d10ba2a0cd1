"""Generation benchmarks, as ratios against baselines run in the same process.

1. Image synthesis: DreamLLM's path (LLM forward for the dream-query condition and the null condition, then
   diffusers sampling) against a bare `StableDiffusionPipeline` call with the same UNet, VAE, scheduler and steps
   fed ready-made embeddings. Goal: ratio <= 1.03.
2. Text decoding: tokens/s of greedy decoding with the KV cache against recomputing the whole prefix each token.

  python scripts/bench_generation.py [--model DIR] [--steps 25] [--repeats 5] [--tokens 64]
Without --model a tiny random DreamLLM is used (the ratios, not the absolute times, are the point).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def timed(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a DreamLLM folder (default: tiny random model)")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256, help="LLM width of the random model")
    parser.add_argument("--layers", type=int, default=4, help="LLM depth of the random model")
    args = parser.parse_args()
    torch.manual_seed(0)
    from omni.models.dreamllm import DreamLLMForCausalLM
    from omni.models.dreamllm.generation import DreamLLMGenerator

    if args.model:
        from omni.models.loading import load_tokenizer

        model, tokenizer = DreamLLMForCausalLM.from_pretrained(args.model), load_tokenizer(args.model)
    else:
        from tokenizers import Tokenizer, models, pre_tokenizers
        from transformers import PreTrainedTokenizerFast

        from omni.models.dreamllm.presets import tiny_dreamllm_config

        vocab = {f"w{i}": i for i in range(500)} | {"<pad>": 500, "<s>": 501, "</s>": 502, "<unk>": 503}
        backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
        backend.pre_tokenizer = pre_tokenizers.Whitespace()
        tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                            unk_token="<unk>")
        config = tiny_dreamllm_config(vocab_size=len(tokenizer), hidden_size=args.hidden, num_layers=args.layers, num_queries=64,
                                      vision_hidden_size=128, cross_attention_dim=128)
        config.attach_tokenizer(tokenizer)
        model = DreamLLMForCausalLM.build(config)
    model.eval()
    gen = DreamLLMGenerator(model, tokenizer)
    head = model.diffusion_head
    prompts = ["w1 w2 w3 w4 w5 w6 w7 w8"] * args.batch

    # 1. synthesis
    condition = gen.dream_conditions(prompts)
    null = gen.dream_conditions([""] * args.batch)
    pipe = head.pipeline("ddim")

    def bare():
        pipe(prompt_embeds=condition, negative_prompt_embeds=null, guidance_scale=3.0, num_inference_steps=args.steps,
             height=head.resolution, width=head.resolution, generator=torch.Generator().manual_seed(0), output_type="pil")

    def dreamllm():
        gen.create(prompts, num_inference_steps=args.steps, guidance_scale=3.0, seed=0)

    with torch.no_grad():
        # interleave the two so that drift in machine speed hits both alike
        base, ours = [], []
        for _ in range(args.repeats):
            base += timed(bare, 1)
            ours += timed(dreamllm, 1)
    b, o = statistics.median(base), statistics.median(ours)
    print(f"synthesis ({args.batch} images, {args.steps} DDIM steps, guidance 3): bare pipeline {b:.3f} s, "
          f"DreamLLM {o:.3f} s, ratio {o / b:.3f}")

    # 2. decoding
    # a comprehension prefix: an image block and a prompt, as when a model describes an image
    from PIL import Image

    seq = gen.builder.comprehension_prompt("w1 w2 w3 w4 w5 w6 w7 w8", Image.new("RGB", (64, 64), "red"))
    ids = torch.tensor([seq.input_ids])
    pixel_values = model.vision_encoder.preprocess(seq.input_images)["pixel_values"]

    def decode(use_cache: bool):
        embeds = model.embed_inputs(ids, pixel_values)
        model.llm.generate(inputs_embeds=embeds, attention_mask=torch.ones_like(ids), max_new_tokens=args.tokens,
                           min_new_tokens=args.tokens, do_sample=False, use_cache=use_cache, pad_token_id=tokenizer.pad_token_id)

    with torch.no_grad():
        cached = statistics.median(timed(lambda: decode(True), args.repeats))
        uncached = statistics.median(timed(lambda: decode(False), args.repeats))
    print(f"decoding {args.tokens} tokens after a {ids.shape[1]}-token prefix: with cache {args.tokens / cached:.0f} tok/s, without {args.tokens / uncached:.0f} tok/s, "
          f"speed-up {uncached / cached:.2f}x")


if __name__ == "__main__":
    main()
