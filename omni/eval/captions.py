"""Caption metrics (BLEU-1…4, ROUGE-L, CIDEr-D) with pycocoevalcap's own scorers, as the COCO caption server scores.

Tokenisation: the COCO evaluation tokenises with Stanford's PTBTokenizer, a Java program that pycocoevalcap bundles.
When `java` is on the PATH we use it (`tokenizer="ptb"`, the official scores); otherwise `tokenizer="python"` applies
the same rules in Python (lower-case, split off punctuation, drop the punctuation tokens PTBTokenizer drops). The two
agree on plain captions; they can differ on rare constructions (contractions, abbreviations), so the tokenizer used
is recorded with the scores, and only "ptb" scores are comparable with published numbers.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

# what pycocoevalcap's PTBTokenizer removes after tokenising
_PTB_PUNCTUATION = {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...",
                    ";"}
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|\.\.\.|--|[^\sa-z0-9]")


def python_ptb_tokenize(text: str) -> str:
    tokens = _TOKEN.findall(text.lower().replace("\n", " "))
    return " ".join(t for t in tokens if t not in _PTB_PUNCTUATION)


def _tokenize(captions: Mapping[Any, Sequence[str]], tokenizer: str) -> dict[Any, list[str]]:
    if tokenizer == "python":
        return {key: [python_ptb_tokenize(c) for c in values] for key, values in captions.items()}
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    return PTBTokenizer().tokenize({key: [{"caption": c} for c in values] for key, values in captions.items()})


def caption_scores(predictions: Mapping[Any, str], references: Mapping[Any, Sequence[str]],
                   tokenizer: str = "auto") -> dict[str, Any]:
    """Corpus-level BLEU-1…4, ROUGE-L and CIDEr-D of one predicted caption per image against its references."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    if set(predictions) != set(references):
        raise ValueError(f"{len(set(predictions) ^ set(references))} images have a prediction or references, not both")
    if tokenizer == "auto":
        tokenizer = "ptb" if shutil.which("java") else "python"
    if tokenizer not in ("ptb", "python"):
        raise ValueError(f"tokenizer must be 'auto', 'ptb' or 'python', got {tokenizer!r}")
    res = _tokenize({k: [v] for k, v in predictions.items()}, tokenizer)
    gts = _tokenize(references, tokenizer)
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, _ = Rouge().compute_score(gts, res)
    cider, _ = Cider().compute_score(gts, res)
    return {**{f"bleu_{n + 1}": float(b) for n, b in enumerate(bleu)}, "rouge_l": float(rouge), "cider": float(cider),
            "tokenizer": tokenizer}
