"""DreamLLM inference from the command line.

  python -m projects.dreamllm.inference --model DIR --image some.png --prompt "Describe the image."
  python -m projects.dreamllm.inference --model DIR --generate "a red circle" --output red.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from PIL import Image

from omni.models.dreamllm.generation import DreamLLMGenerator
from projects.dreamllm.model_loading import build_model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="DreamLLM: describe an image, or create one from text.")
    parser.add_argument("--model", required=True, help="a trained DreamLLM folder (save_pretrained output)")
    parser.add_argument("--image", help="input image for comprehension")
    parser.add_argument("--prompt", default="Describe the image.")
    parser.add_argument("--max_new_tokens", type=int, default=32)
    parser.add_argument("--generate", help="text to create an image from")
    parser.add_argument("--negative_prompt", default="")
    parser.add_argument("--output", default="dream.png")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--scheduler", default="ddim")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not Path(args.model).is_dir():
        raise SystemExit(f"--model {args.model} is not a directory (train one first, see README)")
    torch.manual_seed(args.seed)
    model, tokenizer = build_model(None, None, args.model)
    generator = DreamLLMGenerator(model, tokenizer)
    if args.generate is None or args.image is not None:
        image = Image.open(args.image) if args.image else None
        print(generator.describe(image, args.prompt, args.max_new_tokens))
    if args.generate is not None:
        image = generator.create([args.generate], args.negative_prompt, args.steps, args.guidance, args.scheduler, args.seed)[0]
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        image.save(args.output)
        print(f"image written to {args.output}")


if __name__ == "__main__":
    main()
