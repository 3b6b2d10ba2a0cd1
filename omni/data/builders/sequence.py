"""Token sequences for any model here, built from typed samples, with labels and the images each sequence needs.

What a sequence holds follows what the model has: an encoder (it reads images: [image] blocks), learnable queries
with a head (it creates images: [dream] blocks), both (DreamLLM), or neither (a text-only LM).
Layouts (label policy: learn text, `<dream>` and `<dream_start>`; ignore the other multimodal tokens and prompts):
  comprehension  <s> [image] {prompt} {caption} </s>
  creation       <s> {caption} [dream] </s>
  interleaved    creates images:  <s> {sentence} [dream][image] {sentence} [dream][image] … </s>  (image after its
                                  sentence: it is created from it, then seen)
                 reads only:      <s> [image] {sentence} {sentence} [image] {sentence} … </s>  (image before its matched
                                  sentence, as OpenFlamingo reads MMC4 and MM1 pretrains: the text is learnt given it)
                 neither:         <s> {sentence} {sentence} … </s>
  conversation   <s> {system} USER: [image] {question} ASSISTANT: {answer} </s> USER: …   (answers learned)
where [image] = <im_start> <im_patch>×N <im_end> and [dream] = <dream> <dream_start> <im_patch>×Q <dream_end>. N may
depend on the image (any-resolution encoders): the builder asks `image_tokens(image)`. An image a model that also
reads images creates is followed by its [image] block: what it drew, it then sees.

Truncation to `model_max_length` drops whole trailing blocks and cuts only trailing text: an image or dream block is
never cut in half and nothing before the cut is lost. Classifier-free guidance: caption dropout leaves exactly the
sequence that inference builds for the unconditional branch (`creation_prompt("")`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from omni.constants import DREAM, DREAM_END, DREAM_START, IGNORE_INDEX, IM_END, IM_PATCH, IM_START

DREAM_PLACEHOLDER = "<dream>"
IMAGE_PLACEHOLDER = "<image>"


@dataclass
class Sequence:
    input_ids: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    input_images: list[Any] = field(default_factory=list)  # in the order of the [image] blocks
    dream_images: list[Any] = field(default_factory=list)  # targets, in the order of the [dream] blocks

    def add(self, ids: list[int], learn: bool) -> Sequence:
        self.input_ids += ids
        self.labels += ids if learn else [IGNORE_INDEX] * len(ids)
        return self

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclass(frozen=True)
class ConversationTemplate:
    """A chat format, as the pieces around each turn (prompts are never learnt; answers and their `</s>` are).

    Vicuna v1.1 (the default; DreamLLM's):  `<s>SYSTEM USER: q1 ASSISTANT: a1</s> USER: q2 ASSISTANT: a2</s>`
    Llama-2 chat:  `<s>[INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nq1 [/INST] a1</s><s>[INST] q2 [/INST] a2</s>`
    """

    name: str = "vicuna_v1.1"
    system: str = "A chat between a user and an assistant."
    first_user: str = "{system} USER:"  # the opening of the first user turn, system prompt included
    user: str = " USER:"  # the opening of every later user turn
    user_end: str = ""  # what closes a user turn (Llama-2's `[/INST]`)
    assistant: str = " ASSISTANT:"
    bos_each_turn: bool = False  # Llama-2 opens every later user turn with `<s>`


TEMPLATES = {
    "vicuna_v1.1": ConversationTemplate(),
    # LLaVA-1.5's `conv_vicuna_v1`: the Vicuna v1.1 layout with LLaVA's system prompt
    "llava_v1": ConversationTemplate(name="llava_v1", system="A chat between a curious human and an artificial "
                                     "intelligence assistant. The assistant gives helpful, detailed, and polite answers "
                                     "to the human's questions."),
    "llama_2": ConversationTemplate(name="llama_2", system="You are a helpful assistant.",
                                    first_user="[INST] <<SYS>>\n{system}\n<</SYS>>\n\n", user="[INST]",
                                    user_end=" [/INST]", assistant="", bos_each_turn=True),
    # phi-3-instruct's (xGen-MM's LLM): `<|system|>\nSYSTEM<|end|>\n<|user|>\nq<|end|>\n<|assistant|>\na</s>`
    "phi3": ConversationTemplate(name="phi3", system="You are a helpful assistant.",
                                 first_user="<|system|>\n{system}<|end|>\n<|user|>\n", user="\n<|user|>\n",
                                 user_end="<|end|>\n", assistant="<|assistant|>\n"),
}


def conversation_template(name: str) -> ConversationTemplate:
    if name not in TEMPLATES:
        raise ValueError(f"unknown conversation template {name!r}; known: {sorted(TEMPLATES)}")
    return TEMPLATES[name]


class SequenceBuilder:
    """`image_tokens`: the slots an image takes, a number or a function of the image (0: the model reads no images);
    `num_dream_queries`: the slots of a created image (0: the model creates none)."""

    def __init__(self, tokenizer: Any, special_token_ids: dict[str, int], image_tokens: int | Callable[[Any], int],
                 num_dream_queries: int = 0, model_max_length: int = 2048,
                 template: ConversationTemplate | str | None = None):
        self.tokenizer, self.ids = tokenizer, special_token_ids
        self.image_tokens, self.num_dream_queries = image_tokens, num_dream_queries
        self.model_max_length = model_max_length
        self.template = conversation_template(template) if isinstance(template, str) else template or ConversationTemplate()

    @property
    def reads_images(self) -> bool:
        return callable(self.image_tokens) or self.image_tokens > 0

    @property
    def creates_images(self) -> bool:
        return self.num_dream_queries > 0

    # ---- pieces -------------------------------------------------------------------------------------------------
    def text_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False).input_ids if text else []

    def num_image_tokens(self, image: Any = None) -> int:
        return self.image_tokens(image) if callable(self.image_tokens) else self.image_tokens

    def image_block(self, image: Any = None) -> list[int]:
        return [self.ids[IM_START]] + [self.ids[IM_PATCH]] * self.num_image_tokens(image) + [self.ids[IM_END]]

    @property
    def dream_block_length(self) -> int:
        return 3 + self.num_dream_queries

    def add_dream(self, seq: Sequence) -> Sequence:
        seq.add([self.ids[DREAM], self.ids[DREAM_START]], learn=True)
        return seq.add([self.ids[IM_PATCH]] * self.num_dream_queries + [self.ids[DREAM_END]], learn=False)

    def start(self) -> Sequence:
        return Sequence().add([self.tokenizer.bos_token_id], learn=False)

    def room(self, seq: Sequence) -> int:
        """Tokens still free, keeping one for the closing `</s>`."""
        return self.model_max_length - len(seq) - 1

    def add_text(self, seq: Sequence, text: str, learn: bool) -> bool:
        """Append text, cut to the room left; False when it did not fit whole."""
        ids = self.text_ids(text)
        room = max(self.room(seq), 0)
        seq.add(ids[:room], learn)
        return len(ids) <= room

    def add_image(self, seq: Sequence, image: Any) -> bool:
        if not self.reads_images:
            raise ValueError("a sequence has an image to read but the model has no encoder")
        block = self.image_block(image)
        if self.room(seq) < len(block):
            return False
        seq.add(block, learn=False)
        seq.input_images.append(image)
        return True

    def add_created_image(self, seq: Sequence, image: Any) -> bool:
        """A [dream] block (learned `<dream>`, target `image`), then, if the model reads images, the [image] block of
        the same image."""
        if not self.creates_images:
            raise ValueError("a sequence has an image to create but the model has no image head")
        seen = len(self.image_block(image)) if self.reads_images else 0
        if self.room(seq) < self.dream_block_length + seen:
            return False
        self.add_dream(seq).dream_images.append(image)
        return self.add_image(seq, image) if self.reads_images else True

    def finish(self, seq: Sequence) -> Sequence:
        return seq.add([self.tokenizer.eos_token_id], learn=True)

    # ---- text-only documents (MM1's 10%: keeps the LLM's language ability while it learns images) --------------
    def text(self, text: str) -> Sequence:
        """`<s> text </s>`, all learnt; cut to `model_max_length` (a plain LM document has no block to keep whole)."""
        seq = self.start()
        self.add_text(seq, text, learn=True)
        return self.finish(seq)

    # ---- image–text pairs ---------------------------------------------------------------------------------------
    def comprehension_prompt(self, prompt: str, image: Any = None) -> Sequence:
        """The prefix a model continues with a caption or answer (also what inference feeds)."""
        seq = self.start()
        if not self.add_image(seq, image):
            raise ValueError(f"model_max_length {self.model_max_length} leaves no room for an image block")
        self.add_text(seq, prompt, learn=False)
        return seq

    def comprehension(self, caption: str, prompt: str, image: Any = None) -> Sequence:
        seq = self.comprehension_prompt(prompt, image)
        self.add_text(seq, " " + caption, learn=True)
        return self.finish(seq)

    def creation_prompt(self, caption: str, image: Any = None, learn_caption: bool = True) -> Sequence:
        """Caption then the dream block: the sequence whose dream-query states condition the image. The caption is
        learnt as DreamLLM's interleaved modelling learns all text; `learn_caption=False` makes the pair a purely
        conditional task (the caption a given), which matters only when the LLM trains beside the image loss."""
        seq = self.start()
        keep = self.model_max_length - 1 - self.dream_block_length - 1
        seq.add(self.text_ids(caption)[:max(keep, 0)], learn=learn_caption)
        self.add_dream(seq).dream_images.append(image)
        return seq

    def creation(self, caption: str, image: Any = None, learn_caption: bool = True) -> Sequence:
        return self.finish(self.creation_prompt(caption, image, learn_caption))

    # ---- interleaved documents ----------------------------------------------------------------------------------
    def interleaved(self, texts: list[str], images: list[Any], matched_text_index: list[int],
                    prefix: Sequence | None = None) -> Sequence:
        """MMC4-style document (`matched_text_index`: the sentence each image belongs to). A model that creates
        images creates each (and then sees it) right after its sentence; a model that only reads them sees each right
        before its sentence; a text-only model reads the sentences."""
        seq = prefix or self.start()
        at: dict[int, list[Any]] = {}
        if self.creates_images or self.reads_images:
            for image, index in sorted(zip(images, matched_text_index), key=lambda pair: pair[1]):
                at.setdefault(min(max(index, 0), len(texts) - 1), []).append(image)
        for i, text in enumerate(texts):
            if not self.creates_images and not all(self.add_image(seq, image) for image in at.get(i, [])):
                return self.finish(seq)
            if not self.add_text(seq, (" " if i else "") + text, learn=True):
                return self.finish(seq)
            if self.creates_images and not all(self.add_created_image(seq, image) for image in at.get(i, [])):
                return self.finish(seq)
        return self.finish(seq)

    # ---- conversations ------------------------------------------------------------------------------------------
    def conversation(self, turns: list[dict[str, str]], images: list[Any] = (), documents: list[dict[str, Any]] = ()) -> Sequence:
        """LLaVA-style turns (`from`: human/gpt, `value`). `<image>` (seen) and `<dream>` (created, then seen) take
        the next of `images` in order of appearance. An answer that is a whole interleaved document is written
        `<document>` and given in `documents` (text_list, images, matched_text_index)."""
        seq = self.start()
        images, documents = list(images), list(documents)
        for number, turn in enumerate(turns):
            user = turn["from"] in ("human", "user")
            if not (self.open_user_turn(seq, first=number == 0) if user else self.open_answer(seq)):
                break
            if not self._add_turn_value(seq, turn["value"], user, images, documents):
                break
            if user and not self.close_user_turn(seq):
                break
            if not user:
                self.finish(seq)
        if seq.labels[-1] == IGNORE_INDEX or seq.input_ids[-1] != self.tokenizer.eos_token_id:
            self.finish(seq)
        return seq

    def preference(self, prompt: str, images: Any, chosen: str, rejected: str) -> tuple[Sequence, Sequence]:
        """The chat prompt answered with the chosen answer, and with the rejected one (DPO): only answers are learnt."""
        pair = []
        for answer in (chosen, rejected):
            seq = self.chat_prompt(prompt, images)
            self.add_text(seq, " " + answer, learn=True)
            pair.append(self.finish(seq))
        return pair[0], pair[1]

    def chat_prompt(self, question: str, images: Any = None) -> Sequence:
        """`<s> SYSTEM USER: [image…] question ASSISTANT:`: the prefix a chat model answers (as trained in stage III)."""
        return self.user_turn(self.start(), question, images, first=True)

    def user_turn(self, seq: Sequence, question: str, images: Any = None, first: bool = False) -> Sequence:
        """A user turn and the opening of the answer, in the template. `images`: none, one, or a list; they go where
        the question has `<image>` placeholders, or else all before it (LLaVA's layout)."""
        images = [] if images is None else list(images) if isinstance(images, list | tuple) else [images]
        self.open_user_turn(seq, first)
        placed = question.count(IMAGE_PLACEHOLDER)
        if placed and placed != len(images):
            raise ValueError(f"the question has {placed} {IMAGE_PLACEHOLDER} placeholders but {len(images)} images")
        if not placed and not all(self.add_image(seq, image) for image in images):
            raise ValueError(f"model_max_length {self.model_max_length} leaves no room for {len(images)} image block(s)")
        if placed:
            if not self._add_turn_value(seq, question, True, images, []):
                raise ValueError(f"model_max_length {self.model_max_length} leaves no room for the question's images")
        else:
            self.add_text(seq, " " + question, learn=False)
        self.close_user_turn(seq)
        self.open_answer(seq)
        return seq

    def open_user_turn(self, seq: Sequence, first: bool) -> bool:
        template = self.template
        if not first and template.bos_each_turn:
            seq.add([self.tokenizer.bos_token_id], learn=False)
        return self.add_text(seq, template.first_user.format(system=template.system) if first else template.user, learn=False)

    def close_user_turn(self, seq: Sequence) -> bool:
        return self.add_text(seq, self.template.user_end, learn=False)

    def open_answer(self, seq: Sequence) -> bool:
        return self.add_text(seq, self.template.assistant, learn=False)

    def _add_turn_value(self, seq: Sequence, value: str, user: bool, images: list, documents: list) -> bool:
        if not user and value.strip() == "<document>":
            document = documents.pop(0)
            end = self.interleaved(document["text_list"], document["images"], document["matched_text_index"], prefix=seq)
            end.input_ids.pop(), end.labels.pop()  # the document's own </s>: the turn's is added by the caller
            return True
        for piece_index, piece in enumerate(_split_placeholders(value)):
            if piece == IMAGE_PLACEHOLDER:
                if not images or not self.add_image(seq, images.pop(0)):
                    return False
            elif piece == DREAM_PLACEHOLDER:
                if not images or not self.add_created_image(seq, images.pop(0)):
                    return False
            elif piece.strip():
                text = piece.strip()
                if not self.add_text(seq, " " + text if piece_index or not user else text, learn=not user):
                    return False
        return True


def _split_placeholders(value: str) -> list[str]:
    pieces, rest = [], value
    while rest:
        positions = [(rest.find(p), p) for p in (IMAGE_PLACEHOLDER, DREAM_PLACEHOLDER) if rest.find(p) >= 0]
        if not positions:
            pieces.append(rest)
            break
        at, placeholder = min(positions)
        if at:
            pieces.append(rest[:at])
        pieces.append(placeholder)
        rest = rest[at + len(placeholder):]
    return pieces
