"""What the model is asked for each benchmark item: the benchmark's template filled in, one request per item (one
per circular pass for MMBench). The templates are recorded with the results, since scores move with them."""

from __future__ import annotations

from dataclasses import dataclass

from omni.eval.benchmarks import Benchmark
from omni.eval.mmbench import CircularPass, circular_passes
from omni.eval.readers import EvalItem


@dataclass
class Request:
    item: EvalItem
    prompt: str
    circular: CircularPass | None = None  # MMBench: the pass this request asks

    @property
    def key(self) -> str:
        return self.item.id if self.circular is None else f"{self.item.id}#{self.circular.rotation}"


def requests(benchmark: Benchmark, items: list[EvalItem], template: str | None = None) -> list[Request]:
    template = template or benchmark.prompt
    if benchmark.task != "mmbench":
        return [Request(item, template.format(question=item.question)) for item in items]
    out = []
    for item in items:
        letters = list(item.meta["options"])
        answer = letters.index(item.answers[0]) if item.answers else 0  # the test split has no answer: pass 0 only
        passes = circular_passes(int(item.id), [item.meta["options"][k] for k in letters], answer)
        for circular in passes if item.answers else passes[:1]:
            options = "\n".join(f"{letter}. {text}" for letter, text in circular.options.items())
            hint = f"{item.meta['hint']}\n" if item.meta.get("hint") else ""
            out.append(Request(item, template.format(hint=hint, question=item.question, options=options), circular))
    return out
