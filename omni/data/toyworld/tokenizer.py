"""A BPE tokenizer for the toy world, trained with the `tokenizers` library and saved as a transformers tokenizer.

It plays the part of LLaMA's tokenizer: same special tokens (`<s>`=1, `</s>`=2, Metaspace pre-tokenisation), with
the multimodal tokens reserved up front so their ids are stable.
"""

from __future__ import annotations

from pathlib import Path

from omni.constants import SPECIAL_TOKENS

BASE_SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<unk>"]


def train_toy_tokenizer(texts: list[str], out_dir: str | Path, vocab_size: int = 512):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=BASE_SPECIAL_TOKENS + list(SPECIAL_TOKENS),
                                  show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        additional_special_tokens=list(SPECIAL_TOKENS), model_max_length=2048,
    )
    wrapped.save_pretrained(str(out_dir))
    return wrapped
