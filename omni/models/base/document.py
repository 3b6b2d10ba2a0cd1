"""A generated interleaved document: ordered text and image parts, saved as Markdown, a self-contained HTML page
and JSON."""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image


@dataclass
class Document:
    parts: list[str | Image.Image] = field(default_factory=list)
    prompt: str = ""

    @property
    def images(self) -> list[Image.Image]:
        return [p for p in self.parts if isinstance(p, Image.Image)]

    @property
    def text(self) -> str:
        return " ".join(p.strip() for p in self.parts if isinstance(p, str) and p.strip())

    def add_text(self, text: str) -> None:
        if self.parts and isinstance(self.parts[-1], str):
            self.parts[-1] += text
        elif text:
            self.parts.append(text)

    def _names(self, name: str) -> list[str | None]:
        count, names = 0, []
        for part in self.parts:
            if isinstance(part, Image.Image):
                names.append(f"{name}_{count}.png")
                count += 1
            else:
                names.append(None)
        return names

    def to_markdown(self, name: str = "document") -> str:
        lines = [f"> {self.prompt}", ""] if self.prompt else []
        for part, file in zip(self.parts, self._names(name)):
            lines.append(f"![image]({file})" if file else part.strip())
            lines.append("")
        return "\n".join(lines)

    def html_body(self) -> str:
        body = [f"<p class='prompt'>{html.escape(self.prompt)}</p>"] if self.prompt else []
        for part in self.parts:
            if isinstance(part, Image.Image):
                buffer = io.BytesIO()
                part.save(buffer, format="PNG")
                data = base64.b64encode(buffer.getvalue()).decode()
                body.append(f"<img src='data:image/png;base64,{data}' width='{max(128, part.width)}' "
                            "style='image-rendering: pixelated'>")
            else:
                body.append(f"<p>{html.escape(part.strip())}</p>")
        return "".join(body)

    def to_html(self, title: str = "DreamLLM document") -> str:
        return _page(title, self.html_body())

    def to_json(self, name: str = "document") -> dict:
        return {"prompt": self.prompt, "parts": [{"image": file} if file else {"text": part}
                                                 for part, file in zip(self.parts, self._names(name))]}

    def save(self, folder: str | Path, name: str = "document") -> Path:
        """`<name>.md`, `<name>.html` (images embedded), `<name>.json` and `<name>_<i>.png` in `folder`."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for part, file in zip(self.parts, self._names(name)):
            if file:
                part.save(folder / file)
        (folder / f"{name}.md").write_text(self.to_markdown(name))
        (folder / f"{name}.html").write_text(self.to_html())
        (folder / f"{name}.json").write_text(json.dumps(self.to_json(name), indent=1))
        return folder / f"{name}.html"


_STYLE = ("body{font-family:sans-serif;max-width:40em;margin:2em auto}.prompt{color:#666;font-style:italic}"
          "article{border-bottom:1px solid #ddd;padding-bottom:1em}")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def documents_page(documents: list[Document], title: str = "Interleaved documents") -> str:
    """Several documents on one self-contained page (images embedded), one article each."""
    articles = "".join(f"<article>{d.html_body()}</article>" for d in documents)
    return _page(title, f"<h1>{html.escape(title)}</h1>{articles}")
