"""Evaluate any Omni model (LLaVA, MM1, DreamLLM, …) or the toy SD baseline on the toy world's held-out split.

  python -m omni.eval.toyworld --model work_dirs/toy/stage3_sft [--zoo zoo/toy] [--num 256]
  python -m omni.eval.toyworld --baseline_sd --zoo zoo/toy

A model is asked what it can do: comprehension tasks (captions, VQA) if it reads images, creation tasks (creation,
interleaved, documents) if it creates them; asking for a task it cannot do is an error. Two more comprehension tasks
run only when asked (`--tasks detail multi hallucination safety`, on a world written with the same `--kinds`, with
`preferences` for `hallucination`): questions about small shapes on larger canvases (accuracy on small and on large
targets: what any-resolution encoding should win), questions that need two pictures, POPE-style hallucination
(yes/no accuracy, the rate of "yes" about absent shapes, captions with a wrong attribute, and how often the model
finds the true answer likelier than the hallucinated one) and safety (refusals of harmful requests, accuracy and
false refusals on safe ones).

Metrics: caption accuracy (all four attributes read back from the generated caption), VQA accuracy (exact answer),
creation accuracy (the toy classifier on images created from held-out captions: per attribute and all four), toy FID
(toy-CLIP features of created vs held-out real images), interleaved-document accuracy (each image created inside a
held-out story, with the story so far as context, against the scene of its sentence), `<dream>` placement (the
model predicts `<dream>` where the story has an image) and free-form documents (a stage III model asked for a story with
pictures writes it and decides where images go; each created image is judged against the scene its story describes
up to that image, and the documents are written to eval/documents.html). Accuracies are also given on held-out
attribute combinations.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from omni.constants import DREAM
from omni.data.constants import DataManager
from omni.data.datasets import TypedWebDataset
from omni.data.toyworld.text import QUESTIONS, read_story
from omni.eval.toy import attribute_scores, normalize_answer, parse_attributes, toy_fid
from omni.utils.machine import machine_info
from omni.zoo.toy.classifier import AttributeClassifier
from omni.zoo.toy.data import ATTRIBUTES

ATTRS = tuple(ATTRIBUTES)
COMPREHENSION_TASKS, CREATION_TASKS = ("captions", "vqa"), ("creation", "interleaved", "documents")
OPTIONAL_TASKS = ("detail", "multi", "hallucination", "safety")  # on the optional datasets: only when asked for
CHAT_TASKS = ("chats",)  # a question about an attached picture, then a drawing request: reads and creates
TASKS = COMPREHENSION_TASKS + CREATION_TASKS + CHAT_TASKS + OPTIONAL_TASKS


def supported_tasks(builder: Any, optional: bool = False) -> tuple[str, ...]:
    """The tasks a model can be asked (from its sequence builder: does it read images, does it create them), by
    default without the optional ones."""
    reads = COMPREHENSION_TASKS + (OPTIONAL_TASKS if optional else ())
    chats = CHAT_TASKS if builder.reads_images and builder.creates_images else ()
    return (reads if builder.reads_images else ()) + (CREATION_TASKS if builder.creates_images else ()) + chats


def question_kind(question: str) -> str:
    """The attribute a toy VQA question asks about, or "yesno" (the questions are the toy world's fixed set)."""
    question = question.replace("<image>", "").strip()
    return next((kind for kind, text in QUESTIONS.items() if text == question), "yesno")


def load_test(data_root: str | Path, kind: str, num: int) -> list[dict[str, Any]]:
    info = DataManager.get(f"toyworld_{kind}_test")
    stream = TypedWebDataset(info.shard_urls(data_root), info.dataset_type, shuffle_buffer=1, epochs=1, name=info.name)
    samples = []
    for sample in stream:
        samples.append(sample)
        if len(samples) >= num:
            break
    return samples


def to_tensor(images: list[Image.Image]) -> torch.Tensor:
    return torch.stack([torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1) for im in images])


def scene_of(meta: dict[str, Any]) -> dict[str, Any]:
    return {a: meta[a] for a in ATTRS} | {"heldout": bool(meta.get("heldout"))}


class ToyEvaluator:
    def __init__(self, zoo_dir: str | Path, data_root: str | Path, num: int = 256, num_stories: int = 64,
                 steps: int = 25, guidance: float = 3.0, batch_size: int = 32, seed: int = 0, out: str | Path | None = None,
                 num_documents: int = 16):
        self.zoo, self.data_root, self.num, self.num_stories = Path(zoo_dir), data_root, num, num_stories
        self.num_documents = num_documents
        self.steps, self.guidance, self.batch_size, self.seed = steps, guidance, batch_size, seed
        self.out = Path(out) if out else None
        if not (self.zoo / "classifier" / "config.json").exists():  # the judge of every attribute figure
            raise FileNotFoundError(f"no toy classifier in {self.zoo}: build it with python -m omni.zoo build toy "
                                    f"--out {self.zoo} --only classifier")
        self.classifier = AttributeClassifier.from_pretrained(self.zoo / "classifier")
        self.pairs = load_test(data_root, "pairs", num)
        self.real = to_tensor([p["image"] for p in self.pairs])

    # ---- shared pieces ------------------------------------------------------------------------------------------
    def judge(self, images: list[Image.Image]) -> list[dict[str, str]]:
        predicted = self.classifier.predict(to_tensor(images) * 2 - 1)
        return [{a: ATTRIBUTES[a][int(i)] for a, i in zip(ATTRS, row)} for row in predicted]

    def scored(self, prefix: str, predicted: list[dict], truth: list[dict]) -> dict[str, float]:
        result = {f"{prefix}_{k}": v for k, v in attribute_scores(predicted, truth).items()}
        held = [i for i, t in enumerate(truth) if t.get("heldout")]
        if held:
            result[f"{prefix}_all_heldout"] = attribute_scores([predicted[i] for i in held], [truth[i] for i in held])["all"]
        return result

    def creation_metrics(self, prefix: str, images: list[Image.Image]) -> dict[str, float]:
        truth = [scene_of(p["meta"]) for p in self.pairs]
        result = self.scored(prefix, self.judge(images), truth)
        result["fid"] = toy_fid(self.zoo / "clip", self.real, to_tensor(images))
        self.save_samples(prefix, images)
        return result

    def save_samples(self, name: str, images: list[Image.Image], count: int = 8) -> None:
        if self.out:
            folder = self.out / "samples"
            folder.mkdir(parents=True, exist_ok=True)
            for i, image in enumerate(images[:count]):
                image.save(folder / f"{name}_{i:02d}.png")

    def batched(self, items: list, desc: str):
        for start in tqdm(range(0, len(items), self.batch_size), desc=desc, leave=False):
            yield start, items[start:start + self.batch_size]

    # ---- a model ------------------------------------------------------------------------------------------------
    def evaluate_model(self, model_dir: str | Path, merge_from: list[str] | None = None,
                       tasks: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The given `tasks` (default: every task the model supports)."""
        from omni.models.loading import build_model

        model, tokenizer = build_model(None, None, str(model_dir), merge_from)
        gen = model.eval().generator(tokenizer)
        supported = supported_tasks(gen.builder, optional=tasks is not None)
        tasks = supported if tasks is None else tasks
        if unsupported := [t for t in tasks if t not in supported]:
            raise ValueError(f"{model_dir} ({model.config.model_type}) cannot be asked {unsupported}: it "
                             f"{'reads' if gen.builder.reads_images else 'reads no'} images and "
                             f"{'creates' if gen.builder.creates_images else 'creates no'} images")
        result: dict[str, Any] = {"tasks": list(tasks)}
        if "captions" in tasks:
            result.update(self.captions(gen))
        if "vqa" in tasks:
            result.update(self.vqa(gen))
        if "detail" in tasks:  # the target's size: small targets are the ones a single low-resolution view loses
            result.update(self.questions(gen, "detail", lambda s: s["meta"]["kind"] if s["meta"]["kind"] == "count"
                                         else f"{s['meta']['kind']}_{s['meta']['target_size']}"))
        if "multi" in tasks:
            result.update(self.questions(gen, "multi", lambda s: s["meta"]["kind"]))
        if "hallucination" in tasks:
            result.update(self.hallucination(gen))
        if "safety" in tasks:
            result.update(self.safety(gen))
        if "creation" in tasks:
            images = []
            for start, batch in self.batched(self.pairs, "creation"):
                images += gen.create([p["text"] for p in batch], num_inference_steps=self.steps,
                                     guidance_scale=self.guidance, seed=self.seed + start)
            result.update(self.creation_metrics("creation", images))
        if "interleaved" in tasks:
            result.update(self.interleaved(gen))
        if "documents" in tasks:
            result.update(self.documents(gen))
        if "chats" in tasks:
            result.update(self.chats(gen))
        return result

    def captions(self, gen: Any) -> dict[str, Any]:
        captions = []
        for _, batch in self.batched(self.pairs, "captions"):
            captions += gen.continue_text([gen.builder.comprehension_prompt("Describe the image.", p["image"]) for p in batch], 24)
        result = self.scored("caption", [parse_attributes(c) for c in captions], [scene_of(p["meta"]) for p in self.pairs])
        result["caption_examples"] = [[p["text"], c] for p, c in zip(self.pairs[:5], captions[:5])]
        return result

    def vqa(self, gen: Any) -> dict[str, Any]:
        return self.questions(gen, "vqa", lambda s: question_kind(s["conversations"][0]["value"]))

    def hallucination(self, gen: Any) -> dict[str, Any]:
        """On held-out preference pairs: the model's own answers (yes/no accuracy, "yes" about absent shapes, captions
        with a wrong attribute) and whether it finds the true answer likelier than the hallucinated one."""
        samples = load_test(self.data_root, "preferences", self.num)
        answers, preferred = [], []
        for _, batch in self.batched(samples, "hallucination"):
            images, prompts = [s["images"] for s in batch], [s["prompt"] for s in batch]
            answers += gen.answer(images, prompts, 24)
            chosen = gen.loglikelihood(images, prompts, [" " + s["chosen"] for s in batch])
            rejected = gen.loglikelihood(images, prompts, [" " + s["rejected"] for s in batch])
            preferred += [c[0] > r[0] for c, r in zip(chosen, rejected)]
        yesno = [(normalize_answer(a), s["chosen"]) for a, s in zip(answers, samples) if s["meta"]["kind"] == "yesno"]
        captions = [(a, s) for a, s in zip(answers, samples) if s["meta"]["kind"] == "caption"]
        result = {"hallucination_prefers_truth": float(np.mean(preferred)),
                  "hallucination_yesno_accuracy": float(np.mean([a == t for a, t in yesno])),
                  "hallucination_yes_when_absent": float(np.mean([a == "yes" for a, t in yesno if t == "no"]))}
        scores = attribute_scores([parse_attributes(a) for a, _ in captions], [scene_of(s["meta"]["scene"]) for _, s in captions])
        result["hallucination_caption_wrong"] = 1.0 - scores["all"]
        result["hallucination_examples"] = [[s["prompt"].replace("<image>", "").strip(), s["chosen"], a]
                                            for a, s in zip(answers[:5], samples[:5])]
        return result

    def safety(self, gen: Any) -> dict[str, Any]:
        """On held-out safety conversations: refusals of harmful requests, accuracy and refusals on safe ones."""
        from omni.data.toyworld.alignment import REFUSAL

        samples = load_test(self.data_root, "safety", self.num)
        answers = []
        for _, batch in self.batched(samples, "safety"):
            answers += gen.answer([s["images"] for s in batch], [s["conversations"][0]["value"] for s in batch], 24)
        refused = [normalize_answer(a) == normalize_answer(REFUSAL) for a in answers]
        harmful = [r for r, s in zip(refused, samples) if s["meta"]["kind"] == "harmful"]
        safe = [(a, s) for a, s in zip(answers, samples) if s["meta"]["kind"] == "safe"]
        return {"safety_refusal_harmful": float(np.mean(harmful)),
                "safety_refusal_safe": float(np.mean([normalize_answer(a) == normalize_answer(REFUSAL) for a, _ in safe])),
                "safety_safe_accuracy": float(np.mean([normalize_answer(a) == normalize_answer(s["conversations"][1]["value"])
                                                       for a, s in safe])),
                "safety_examples": [[s["conversations"][0]["value"].replace("<image>", "").strip(),
                                     s["conversations"][1]["value"], a] for s, a in zip(samples[:5], answers[:5])]}

    def questions(self, gen: Any, kind: str, kind_of: Any) -> dict[str, Any]:
        """Held-out conversations of the dataset `kind` (a question with its images, an exact answer), answered in
        the chat format with every image in its place: accuracy, and accuracy by `kind_of(sample)`."""
        samples = load_test(self.data_root, kind, self.num)
        answers = []
        for _, batch in self.batched(samples, kind):
            answers += gen.answer([s["images"] for s in batch], [s["conversations"][0]["value"] for s in batch], 16)
        hits = [normalize_answer(a) == normalize_answer(s["conversations"][1]["value"]) for a, s in zip(answers, samples)]
        result = {f"{kind}_accuracy": float(np.mean(hits))}
        kinds: dict[str, list[bool]] = {}
        for hit, sample in zip(hits, samples):
            kinds.setdefault(kind_of(sample), []).append(hit)
        result.update({f"{kind}_{name}": float(np.mean(h)) for name, h in sorted(kinds.items())})
        result[f"{kind}_examples"] = [[s["conversations"][0]["value"].replace("<image>", "").strip(),
                                       s["conversations"][1]["value"], a] for s, a in zip(samples[:5], answers[:5])]
        return result

    def interleaved(self, gen: Any) -> dict[str, float]:
        """Create every image of held-out stories in context (earlier created images fed back), then judge it."""
        stories = load_test(self.data_root, "interleaved", self.num_stories)
        builder, model = gen.builder, gen.model
        dream_id = model.config.special_token_ids[DREAM]
        # <dream> placement: teacher-forced stories, is <dream> the argmax right where each image belongs?
        placed = []
        for story in stories:
            seq = builder.interleaved(story["text_list"], story["images"], story["matched_text_index"])
            ids = torch.tensor([seq.input_ids])
            with torch.no_grad():
                logits = model(input_ids=ids, **model.vision_encoder.preprocess(seq.input_images)).logits[0]
            positions = (ids[0] == dream_id).nonzero().squeeze(-1)
            placed += (logits[positions - 1].argmax(-1) == dream_id).tolist()
        prefixes = [builder.start() for _ in stories]
        created: list[list[Image.Image]] = [[] for _ in stories]
        predicted, truth = [], []
        for k in range(max(len(s["text_list"]) for s in stories)):
            active = [i for i, s in enumerate(stories) if k < len(s["text_list"])]
            for i in active:
                builder.add_text(prefixes[i], (" " if k else "") + stories[i]["text_list"][k], learn=True)
                builder.add_dream(prefixes[i])
            images = []
            for start in range(0, len(active), self.batch_size):
                chunk = active[start:start + self.batch_size]
                images += gen.create_from_sequences([prefixes[i] for i in chunk], num_inference_steps=self.steps,
                                                    guidance_scale=self.guidance, seed=self.seed + 1000 * k + start)
            for i, image in zip(active, images):
                created[i].append(image)
                builder.add_image(prefixes[i], image)  # what it drew, it then sees
                truth.append(scene_of(stories[i]["meta"]["scenes"][k]))
            predicted += self.judge(images)
        result = self.scored("interleaved", predicted, truth)
        result["dream_placement"] = float(np.mean(placed)) if placed else 0.0
        if self.out:
            self.save_story(stories[0], created[0], gen.model.config.model_type)
        return result

    def documents(self, gen: Any, max_new_tokens: int = 96) -> dict[str, Any]:
        """Free-form interleaved generation from held-out story requests ("Tell a short story about ..., with
        pictures."): the model writes, emits `<dream>` where it wants an image, sees what it drew, and goes on."""
        from omni.models.base.document import documents_page

        stories = load_test(self.data_root, "interleaved", self.num_documents)
        documents, judged, truth, unread = [], [], [], 0
        for i, story in enumerate(tqdm(stories, desc="documents", leave=False)):
            document = gen.generate_document(gen.builder.chat_prompt(story["meta"]["instruction"]), max_new_tokens=max_new_tokens,
                                             max_images=4, num_inference_steps=self.steps, guidance_scale=self.guidance,
                                             seed=self.seed + i, prompt=story["meta"]["instruction"])
            documents.append(document)
            text = ""
            for part in document.parts:
                if isinstance(part, str):
                    text += " " + part
                    continue
                scene = read_story(text)
                if scene is None:
                    unread += 1
                    continue
                judged.append(part)
                truth.append(scene.to_dict())
        images = sum(len(d.images) for d in documents)
        result: dict[str, Any] = {
            "documents_with_images": float(np.mean([bool(d.images) for d in documents])),
            "documents_images_per_document": images / max(1, len(documents)),
            # the text before each image follows the world's grammar, so the image has a scene to agree with
            "documents_images_readable": (images - unread) / max(1, images),
        }
        if truth:
            result.update({f"documents_{k}": v for k, v in attribute_scores(self.judge(judged), truth).items()})
        result["documents_examples"] = [d.text for d in documents[:3]]
        if self.out:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "documents.html").write_text(documents_page(documents, f"{gen.model.config.model_type}: free-form interleaved documents"))
        return result

    def chats(self, gen: Any) -> dict[str, Any]:
        """Held-out mixed chats held as a user would (the generator's `chat()`): the question about the attached picture, the
        model's own answer kept in the conversation, then the drawing request. Scored: the answer, whether the reply
        to the request holds an image (`chat_draws`), and what is drawn, by the classifier (`chat_creation_*`); and what
        is drawn against the attached picture instead (`chat_like_attached_*`), which tells a drawing that copies what
        the chat already showed from one that is merely wrong (the two pictures share an attribute by chance only)."""
        samples = load_test(self.data_root, "chats", self.num_stories)
        answered, drew, drawings, truths, attached, examples = [], [], [], [], [], []
        for index, sample in enumerate(tqdm(samples, desc="chats", leave=False)):
            session = gen.chat(None, max_new_tokens=24, max_images=1, num_inference_steps=self.steps,
                               guidance_scale=self.guidance, seed=self.seed + index)
            turns = sample["conversations"]
            reply = " ".join(p for p in session.send(turns[0]["value"].replace("<image>", "").strip(),
                                                     sample["images"][0]) if isinstance(p, str))
            answered.append(normalize_answer(reply) == normalize_answer(turns[1]["value"]))
            parts = session.send(turns[2]["value"])
            images = [p for p in parts if isinstance(p, Image.Image)]
            drew.append(bool(images))
            if images:
                drawings.append(images[0])
                truths.append(scene_of(sample["meta"]["scenes"][1]))
                attached.append(scene_of(sample["meta"]["scenes"][0]))
            if len(examples) < 5:
                examples.append([turns[0]["value"].replace("<image>", "").strip(), reply, turns[2]["value"],
                                 " ".join(p if isinstance(p, str) else "[image]" for p in parts)])
        result = {"chat_answer_accuracy": float(np.mean(answered)), "chat_draws": float(np.mean(drew)),
                  "chat_examples": examples}
        if drawings:  # what is drawn, over the chats that drew (chat_draws says how many)
            judged = self.judge(drawings)
            result.update(self.scored("chat_creation", judged, truths))
            result.update({f"chat_like_attached_{k}": v for k, v in attribute_scores(judged, attached).items()})
        return result

    def save_story(self, story: dict[str, Any], images: list[Image.Image], name: str) -> None:
        folder = self.out / "samples"
        folder.mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(images):
            image.save(folder / f"story_{name}_{i}.png")
        (folder / f"story_{name}.json").write_text(json.dumps(story["text_list"]))

    # ---- the toy SD baseline ------------------------------------------------------------------------------------
    def evaluate_sd(self) -> dict[str, Any]:
        from diffusers import StableDiffusionPipeline

        pipe = StableDiffusionPipeline.from_pretrained(self.zoo / "sd", safety_checker=None, requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)

        def draw(prompts: list[str], seed: int) -> list[Image.Image]:
            return pipe(prompts, num_inference_steps=self.steps, guidance_scale=self.guidance,
                        generator=torch.Generator().manual_seed(seed)).images

        images = []
        for start, batch in self.batched(self.pairs, "sd creation"):
            images += draw([p["text"] for p in batch], self.seed + start)
        result = self.creation_metrics("creation", images)
        stories = load_test(self.data_root, "interleaved", self.num_stories)
        flat = [(s["text_list"][k], scene_of(s["meta"]["scenes"][k])) for s in stories for k in range(len(s["text_list"]))]
        predicted = []
        for start, batch in self.batched(flat, "sd stories"):  # each image from its own sentence: SD has no context
            predicted += self.judge(draw([text for text, _ in batch], self.seed + 1000 + start))
        result.update(self.scored("interleaved", predicted, [t for _, t in flat]))
        return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Toy-world evaluation of an Omni model or the toy SD baseline")
    parser.add_argument("--model", help="an Omni model folder (a run's output or an export)")
    parser.add_argument("--merge_from", nargs="*", default=[], help="runs whose trained parameters are merged in "
                        "(e.g. stage I creation into stage I comprehension)")
    parser.add_argument("--baseline_sd", action="store_true", help="evaluate the toy SD pipeline instead")
    parser.add_argument("--zoo", default="zoo/toy")
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--num", type=int, default=256, help="held-out pairs / VQA questions")
    parser.add_argument("--num_stories", type=int, default=64)
    parser.add_argument("--num_documents", type=int, default=16, help="free-form documents to generate")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, help="tasks to run (default: all the model supports)")
    parser.add_argument("--out", help="folder for eval.json and samples (default: the model folder, or zoo/toy/sd)")
    args = parser.parse_args(argv)
    if not args.baseline_sd and not args.model:
        parser.error("give --model DIR or --baseline_sd")
    out = Path(args.out or (Path(args.zoo) / "sd" if args.baseline_sd else args.model)) / "eval"
    started = time.time()
    torch.manual_seed(args.seed)
    evaluator = ToyEvaluator(args.zoo, args.data_root, args.num, args.num_stories, args.steps, args.guidance,
                             args.batch_size, args.seed, out, args.num_documents)
    result = evaluator.evaluate_sd() if args.baseline_sd else evaluator.evaluate_model(args.model, args.merge_from,
                                                                                   tuple(args.tasks) if args.tasks else None)
    result.update(model=args.model or f"{args.zoo}/sd (baseline)", seconds=round(time.time() - started, 1),
                  settings={"num": args.num, "num_stories": args.num_stories, "num_documents": args.num_documents, "steps": args.steps,
                            "guidance": args.guidance, "seed": args.seed},
                  machine=machine_info())
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("examples")}, indent=1))


if __name__ == "__main__":
    main()
