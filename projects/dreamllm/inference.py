"""DreamLLM inference from the command line.

  python -m projects.dreamllm.inference --model DIR --image some.png --prompt "Describe the image."
  python -m projects.dreamllm.inference --model DIR --chat --image some.png --prompt "What color is the shape?"
  python -m projects.dreamllm.inference --model DIR --generate "a red circle" --output red.png
  python -m projects.dreamllm.inference --model DIR --document "Tell a short story about a red circle, with pictures." \
      --output story/   # an interleaved document: story/document.html, .md, .json and the images
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from PIL import Image

from omni.models.dreamllm.generation import DreamLLMGenerator
from omni.models.loading import build_model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="DreamLLM: describe an image, or create one from text.")
    parser.add_argument("--model", required=True, help="a trained DreamLLM folder (save_pretrained output)")
    parser.add_argument("--image", help="input image for comprehension")
    parser.add_argument("--prompt", default="Describe the image.")
    parser.add_argument("--max_new_tokens", type=int, default=32)
    parser.add_argument("--chat", action="store_true", help="answer in the chat format of a stage III model")
    parser.add_argument("--generate", help="text to create an image from")
    parser.add_argument("--document", help="a request answered with an interleaved text-and-image document")
    parser.add_argument("--max_images", type=int, default=4)
    parser.add_argument("--sample", action="store_true", help="sample text instead of greedy decoding")
    parser.add_argument("--negative_prompt", default="")
    parser.add_argument("--output", default="dream.png")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--guidance_rescale", type=float, default=0.0, help="0 to 1; 0.7 is the paper's suggestion")
    parser.add_argument("--scheduler", default="ddim")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not Path(args.model).is_dir():
        raise SystemExit(f"--model {args.model} is not a directory (train one first, see README)")
    torch.manual_seed(args.seed)
    model, tokenizer = build_model(None, None, args.model)
    generator = DreamLLMGenerator(model, tokenizer)
    if args.document is not None:
        prefix = generator.builder.chat_prompt(args.document)
        document = generator.generate_document(prefix, max_new_tokens=max(args.max_new_tokens, 64), max_images=args.max_images,
                                               do_sample=args.sample, negative_prompt=args.negative_prompt,
                                               num_inference_steps=args.steps, guidance_scale=args.guidance,
                                               scheduler=args.scheduler, seed=args.seed, prompt=args.document,
                                               guidance_rescale=args.guidance_rescale)
        page = document.save(args.output if args.output != "dream.png" else "document")
        print(document.text)
        print(f"{len(document.images)} image(s); document written to {page}")
        return
    if args.generate is None or args.image is not None:
        image = Image.open(args.image) if args.image else None
        if args.chat:
            print(generator.answer([image], [args.prompt], args.max_new_tokens)[0])
        else:
            print(generator.describe(image, args.prompt, args.max_new_tokens))
    if args.generate is not None:
        image = generator.create([args.generate], args.negative_prompt, args.steps, args.guidance, args.scheduler, args.seed,
                                 args.guidance_rescale)[0]
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        image.save(args.output)
        print(f"image written to {args.output}")


if __name__ == "__main__":
    main()
