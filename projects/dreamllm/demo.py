"""A Gradio demo of DreamLLM: a chat that takes images and creates them where the model decides, and text-to-image.

  pip install -e ".[demo]"        # gradio is an optional extra
  python -m projects.dreamllm.demo --model work_dirs/toy/stage3_sft [--port 7860] [--share]

The conversation logic is `ChatSession` (the same as the terminal chat); this module only turns its answers into
chat messages, so everything but the widgets is tested without gradio.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from PIL import Image

from omni.models.dreamllm.generation import DreamLLMGenerator
from projects.dreamllm.chat import ChatSession, add_session_arguments, generator_and_options

Message = dict[str, Any]


def respond(session: ChatSession, history: list[Message], message: str, image: Image.Image | None = None) -> list[Message]:
    """One user turn: the history gains the user's message (and image) and the model's answer, each created image as
    its own message right where the model placed it."""
    history = list(history)
    if image is not None:
        session.out.mkdir(parents=True, exist_ok=True)
        path = session.out / f"upload_{len(history):03d}.png"
        image.save(path)
        history.append({"role": "user", "content": {"path": str(path)}})
    history.append({"role": "user", "content": message})
    for part in session.send(message, image):
        history.append({"role": "assistant", "content": {"path": str(part)} if isinstance(part, Path) else part})
    return history


def build_demo(generator: DreamLLMGenerator, out: str | Path = "demo_images", **generation: Any):
    import gradio as gr

    def new_session() -> ChatSession:
        return ChatSession(generator, out, **generation)

    def chat(message: str, image: Image.Image | None, history: list[Message], session: ChatSession | None):
        session = session or new_session()
        if not message.strip() and image is None:
            return history, session, "", None
        return respond(session, history, message.strip(), image), session, "", None

    def reset(session: ChatSession | None):
        if session is not None:
            session.reset()
        return [], session

    def create(prompt: str, steps: int, guidance: float, seed: int) -> Image.Image:
        return generator.create([prompt], num_inference_steps=int(steps), guidance_scale=guidance, seed=int(seed))[0]

    with gr.Blocks(title="DreamLLM") as demo:
        gr.Markdown("# DreamLLM\nAsk about an image, ask for a picture, or ask for a story with pictures.")
        session = gr.State(None)
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(label="conversation", height=520)
            with gr.Row():
                text = gr.Textbox(placeholder="Tell a short story about a small red circle at the top, with pictures.",
                                  scale=4, show_label=False)
                image = gr.Image(type="pil", label="attach an image", scale=1, height=120)
            with gr.Row():
                send = gr.Button("Send", variant="primary")
                clear = gr.Button("New conversation")
            send.click(chat, [text, image, chatbot, session], [chatbot, session, text, image])
            text.submit(chat, [text, image, chatbot, session], [chatbot, session, text, image])
            clear.click(reset, [session], [chatbot, session])
        with gr.Tab("Text to image"):
            prompt = gr.Textbox(label="prompt", value="a large blue square at the top left")
            with gr.Row():
                steps = gr.Slider(1, 100, value=25, step=1, label="steps")
                guidance = gr.Slider(1.0, 15.0, value=3.0, step=0.5, label="guidance scale")
                seed = gr.Number(value=0, precision=0, label="seed")
            draw = gr.Button("Create", variant="primary")
            result = gr.Image(label="created", type="pil", height=256)
            draw.click(create, [prompt, steps, guidance, seed], [result])
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Gradio demo of a trained DreamLLM")
    add_session_arguments(parser, "demo_images", max_new_tokens=96, max_images=4)
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--share", action="store_true")
    args = parser.parse_args(argv)
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise SystemExit('the demo needs gradio: pip install -e ".[demo]"') from None
    generator, options = generator_and_options(args)
    demo = build_demo(generator, args.out, **options)
    demo.launch(server_port=args.port, share=args.share)


if __name__ == "__main__":
    main()
