"""Turn raw data into the webdataset shards the registry reads, reporting every problem on the way.

- MMC4/OBELICS-style JSONL (one document per line: `text_list`, `image_info: [{image_name, matched_text_index}]`)
  plus an image folder → interleaved shards (`KEY.json` + `KEY.0.jpg`, `KEY.1.png`, …).
- An image folder with a caption beside each image (`cat.jpg` + `cat.txt`), or a CSV of `image,caption` rows →
  image–text pair shards (`KEY.jpg` + `KEY.txt`).

Both write `shards.json` (`{"shards": [...]}`) beside the tars: the `shard_list_path` a `WebDatasetInfo` names.
Problems never stop a conversion: a document whose line is not JSON, has no text, or has no image left is skipped;
an image that is missing or does not decode is dropped from its document (MMC4 loses images to dead links as a rule;
`strict=True` skips the whole document instead). Every problem is listed in the returned report.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import webdataset as wds
from PIL import Image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass
class ConversionReport:
    written: int = 0
    skipped: int = 0
    images: int = 0
    dropped_images: int = 0
    problems: list[str] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def summary(self) -> str:
        kinds = Counter(p.split(": ", 1)[1].split(" (")[0] for p in self.problems)
        lines = [f"{self.written} samples written in {len(self.shards)} shard(s), {self.skipped} skipped, "
                 f"{self.images} images kept, {self.dropped_images} dropped"]
        lines += [f"  {count} × {kind}" for kind, count in kinds.most_common()]
        return "\n".join(lines)


def add_output_arguments(parser: Any) -> None:
    """The output options every converter script takes."""
    parser.add_argument("--out", type=Path, help="output folder (not needed with --validate)")
    parser.add_argument("--shard_size", type=int, default=1000)
    parser.add_argument("--validate", action="store_true", help="check everything, write nothing")


def output_folder(parser: Any, args: Any) -> Path | None:
    """Where to write (None: only validate); an error when neither `--out` nor `--validate` was given."""
    if not args.validate and args.out is None:
        parser.error("give --out, or --validate to only check")
    return None if args.validate else args.out


def print_report(report: ConversionReport) -> int:
    """Every problem, then the summary; the exit status: 1 if anything was reported."""
    for problem in report.problems:
        print(problem)
    print(report.summary())
    return 1 if report.problems else 0


def read_image(path: Path) -> tuple[bytes, str]:
    """The file's bytes and webdataset extension, after checking that it decodes (a truncated JPEG raises here)."""
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
    suffix = path.suffix.lower().lstrip(".")
    return data, "jpg" if suffix == "jpeg" else suffix


def _writer(out: Path, prefix: str, shard_size: int) -> wds.ShardWriter:
    out.mkdir(parents=True, exist_ok=True)
    return wds.ShardWriter(str(out / f"{prefix}-%06d.tar"), maxcount=shard_size, verbose=0)


def _finish(writer: wds.ShardWriter | None, out: Path, prefix: str, report: ConversionReport) -> ConversionReport:
    if writer is not None:
        writer.close()
        report.shards = sorted(p.name for p in out.glob(f"{prefix}-*.tar"))
        (out / "shards.json").write_text(json.dumps({"shards": report.shards}, indent=1))
    return report


def _document(line: str, where: str, image_root: Path, report: ConversionReport, strict: bool) -> dict[str, Any] | None:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as error:
        report.problem(where, f"not JSON ({error.msg})")
        return None
    texts = doc.get("text_list") if isinstance(doc, dict) else None
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        report.problem(where, "no text_list of strings")
        return None
    files, info = {}, []
    for entry in doc.get("image_info") or []:
        name, index = entry.get("image_name"), entry.get("matched_text_index")
        if not isinstance(index, int) or not 0 <= index < len(texts):
            report.problem(where, f"image matched to a missing sentence ({name}, index {index})")
        elif not name or not (image_root / name).is_file():
            report.problem(where, f"image listed but absent ({name})")
        else:
            try:
                data, ext = read_image(image_root / name)
            except Exception as error:  # noqa: BLE001 - any decoder failure means the same: drop the image
                report.problem(where, f"undecodable image ({name}: {type(error).__name__})")
            else:
                key = f"{len(info)}.{ext}"
                files[key] = data
                info.append({"image_name": key, "matched_text_index": index, "source_name": name})
                continue
        report.dropped_images += 1
        if strict:
            return None
    if not info:
        report.problem(where, "no usable image")
        return None
    report.images += len(info)
    meta = {k: v for k, v in doc.items() if k not in ("text_list", "image_info", "similarity_matrix")}
    return {"json": {"text_list": texts, "image_info": info, **meta}, **files}


def mmc4_to_shards(jsonl: str | Path, image_root: str | Path, out: str | Path | None, shard_size: int = 1000,
                   strict: bool = False, prefix: str = "interleaved") -> ConversionReport:
    """MMC4-style JSONL + image folder → interleaved webdataset shards; `out=None` only validates."""
    report, out, image_root = ConversionReport(), Path(out) if out else None, Path(image_root)
    writer = _writer(out, prefix, shard_size) if out else None
    with open(jsonl, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            sample = _document(line, f"line {number}", image_root, report, strict)
            if sample is None:
                report.skipped += 1
                continue
            if writer is not None:
                writer.write({"__key__": f"{number:09d}", **sample})
            report.written += 1
    return _finish(writer, out, prefix, report) if out else report


def _caption_rows(source: Path, caption_column: str, image_column: str) -> list[tuple[str, Path, str | None]]:
    """(where, image path, caption) from a CSV (paths relative to the CSV's folder) or an image folder with `.txt`
    sidecars."""
    if source.is_file():
        with open(source, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {image_column, caption_column} - set(reader.fieldnames or [])
            if missing:
                raise ValueError(f"{source}: no column(s) {sorted(missing)}; found {reader.fieldnames}")
            return [(f"row {i}", source.parent / row[image_column], row[caption_column])
                    for i, row in enumerate(reader, 2)]
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: neither a CSV file nor an image folder")
    rows = []
    for image in sorted(p for p in source.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        sidecar = image.with_suffix(".txt")
        rows.append((str(image.relative_to(source)), image, sidecar.read_text(encoding="utf-8") if sidecar.is_file() else None))
    return rows


def pairs_to_shards(source: str | Path, out: str | Path | None, shard_size: int = 1000, caption_column: str = "caption",
                    image_column: str = "image", prefix: str = "pairs") -> ConversionReport:
    """An image folder with `.txt` captions, or a CSV of image paths and captions → pair shards; `out=None` only
    validates."""
    report, out = ConversionReport(), Path(out) if out else None
    writer = _writer(out, prefix, shard_size) if out else None
    for number, (where, image, caption) in enumerate(_caption_rows(Path(source), caption_column, image_column)):
        if not caption or not caption.strip():
            report.problem(where, "missing caption")
        elif not image.is_file():
            report.problem(where, f"image listed but absent ({image})")
        else:
            try:
                data, ext = read_image(image)
            except Exception as error:  # noqa: BLE001
                report.problem(where, f"undecodable image ({image.name}: {type(error).__name__})")
            else:
                if writer is not None:
                    writer.write({"__key__": f"{number:09d}", ext: data, "txt": caption.strip(),
                                  "json": {"source": str(image)}})
                report.written += 1
                report.images += 1
                continue
        report.skipped += 1
    return _finish(writer, out, prefix, report) if out else report


GQA_PROMPT = "Answer the question using a single word or phrase."  # LLaVA-1.5's short-answer instruction


def gqa_to_conversations(question_files: list[str | Path], image_root: str | Path, out: str | Path | None,
                         check_images: bool = True) -> ConversionReport:
    """GQA question files (`{question_id: {imageId, question, answer, ...}}`, e.g. the ten
    `train_all_questions_N.json`) → one LLaVA-style JSON list of one-turn conversations (`{id, image: IMAGEID.jpg,
    conversations}`), the question followed by LLaVA-1.5's short-answer instruction; `out=None` only validates.
    Questions without an answer or whose image is absent (`check_images`) are skipped."""
    report, image_root, entries = ConversionReport(), Path(image_root), []
    for file in map(Path, question_files):
        try:
            questions = json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            report.problem(str(file), f"not JSON ({error.msg})")
            continue
        if not isinstance(questions, dict):
            report.problem(str(file), "not a GQA question file (expected {question_id: {...}})")
            continue
        for qid, q in questions.items():
            where = f"{file.name}:{qid}"
            if not isinstance(q, dict) or not all(isinstance(q.get(k), str) and q[k] for k in ("imageId", "question", "answer")):
                report.problem(where, "no imageId, question or answer")
            elif check_images and not (image_root / f"{q['imageId']}.jpg").is_file():
                report.problem(where, f"image listed but absent ({q['imageId']}.jpg)")
            else:
                entries.append({"id": str(qid), "image": f"{q['imageId']}.jpg", "conversations": [
                    {"from": "human", "value": f"<image>\n{q['question']}\n{GQA_PROMPT}"},
                    {"from": "gpt", "value": q["answer"]}]})
                report.written += 1
                continue
            report.skipped += 1
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(entries), encoding="utf-8")
    return report
