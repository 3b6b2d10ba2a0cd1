"""One multi-turn conversation with DreamLLM, text and images in and out: what the terminal chat, the demo and the
toy evaluation's mixed-chat task all hold, so that the model is judged on the conversation a user would have."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from omni.data.builders import Sequence
from omni.models.dreamllm.generation import DreamLLMGenerator


class ChatSession:
    """The state of one conversation: the sequence so far (with its images) and where created images go (`out`;
    None keeps them in memory: the answer's parts are then the images themselves)."""

    def __init__(self, generator: DreamLLMGenerator, out: str | Path | None = "chat_images", **generation: object):
        self.generator, self.out, self.generation = generator, Path(out) if out is not None else None, generation
        self.reset()

    def reset(self) -> None:
        self.sequence: Sequence = self.generator.builder.start()
        self.created = 0

    def send(self, message: str, images: Image.Image | list[Image.Image] | None = None) -> list[str | Path | Image.Image]:
        """Add a user turn (with its image or images), let the model answer (text and created images); returns the
        answer's parts: text, and each created image as its saved path (or the image, with `out=None`)."""
        builder = self.generator.builder
        builder.user_turn(self.sequence, message, images, first=len(self.sequence) <= 1)
        document = self.generator.generate_document(self.sequence, **self.generation)
        parts: list[str | Path | Image.Image] = []
        for part in document.parts:
            if isinstance(part, str):
                builder.add_text(self.sequence, " " + part.strip(), learn=True)
                parts.append(part.strip())
                continue
            builder.add_dream(self.sequence).dream_images.append(part)
            builder.add_image(self.sequence, part)
            self.created += 1
            if self.out is None:
                parts.append(part)
                continue
            self.out.mkdir(parents=True, exist_ok=True)
            path = self.out / f"image_{self.created - 1:03d}.png"
            part.save(path)
            parts.append(path)
        builder.finish(self.sequence)
        return parts
