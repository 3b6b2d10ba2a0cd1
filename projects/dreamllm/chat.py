"""A multi-turn chat with DreamLLM in the terminal: type text, attach images with `/image PATH`, and see where the model
creates images (saved as PNG files and shown by path).

  python -m projects.dreamllm.chat --model work_dirs/toy/stage3_sft [--out chat_images]

Commands: `/image PATH` attaches an image to your next message (several `/image` lines attach several, in order),
`/reset` starts over, `/quit` leaves. The conversation is kept as one growing sequence in the Vicuna format the model
was fine-tuned on.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path

from PIL import Image

from omni.models.dreamllm.chat_session import ChatSession
from omni.models.dreamllm.generation import DreamLLMGenerator

__all__ = ["ChatSession", "add_session_arguments", "generator_and_options", "main", "run"]


def run(session: ChatSession, lines: Iterable[str], write: Callable[[str], None] = print) -> None:
    attached: list[Image.Image] = []  # every `/image` before a message goes with it, in order
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/reset":
            session.reset()
            write("(conversation reset)")
            continue
        if line.startswith("/image "):
            path = Path(line[7:].strip())
            if not path.is_file():
                write(f"(no such image: {path})")
                continue
            attached.append(Image.open(path).convert("RGB"))
            write(f"(attached {path})")
            continue
        for part in session.send(line, attached):
            write(f"[created image: {part}]" if isinstance(part, Path) else f"assistant: {part}")
        attached = []


def add_session_arguments(parser: argparse.ArgumentParser, out: str, max_new_tokens: int, max_images: int) -> None:
    """The options of a conversation front end (this chat, the Gradio demo): model, image folder, generation."""
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", default=out)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--guidance_rescale", type=float, default=0.0)
    parser.add_argument("--max_new_tokens", type=int, default=max_new_tokens)
    parser.add_argument("--max_images", type=int, default=max_images)


def generator_and_options(args: argparse.Namespace) -> tuple[DreamLLMGenerator, dict[str, object]]:
    """The generator of `--model` and the `generate_document` options the parsed arguments ask for."""
    from omni.models.loading import build_model

    model, tokenizer = build_model(None, None, args.model)
    options = {"num_inference_steps": args.steps, "guidance_scale": args.guidance, "guidance_rescale": args.guidance_rescale,
               "max_new_tokens": args.max_new_tokens, "max_images": args.max_images}
    return DreamLLMGenerator(model.eval(), tokenizer), options


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Chat with DreamLLM (text and images in, text and images out)")
    add_session_arguments(parser, "chat_images", max_new_tokens=64, max_images=2)
    args = parser.parse_args(argv)
    generator, options = generator_and_options(args)
    session = ChatSession(generator, args.out, **options)
    print("DreamLLM chat. /image PATH attaches an image, /reset starts over, /quit leaves.")

    def prompts():
        while True:
            try:
                yield input("you: ")
            except EOFError:
                return

    run(session, prompts())


if __name__ == "__main__":
    main()
