"""Optional stronger sentiment model: MiniLM fine-tuned end to end on labelled sentences.

Trained by ``insight train-sentiment --finetune`` with three classes (negative / neutral /
positive) on a seeded sample of the public mix (and a user's labels); on 2 CPU cores it learns
about 25 sentences/s, so the default 12,000 rows × 1 epoch take ~8 minutes. Saved with
``safetensors`` only; loading refuses pickle weights. Not shipped (≈90 MB): select it with
``[sentiment] component = "insight.finetuned.v1"`` and ``head_path = "<folder>"``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from insight.errors import ModelPackageError
from insight.models.bundled import minilm_dir
from insight.models.sentiment import LABELS, expected_polarity
from insight.registry import register


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass
class FineTunedSentiment:
    folder: Path
    batch_size: int = 64
    _model: Any = field(default=None, init=False, repr=False)
    _tokenizer: Any = field(default=None, init=False, repr=False)

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            _offline()
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            if not (self.folder / "model.safetensors").exists():
                raise ModelPackageError(
                    f"no fine-tuned model (model.safetensors) in {self.folder}; "
                    "run `insight train-sentiment --finetune`"
                )
            self._tokenizer = AutoTokenizer.from_pretrained(self.folder, local_files_only=True)
            self._model = AutoModelForSequenceClassification.from_pretrained(
                self.folder, local_files_only=True, use_safetensors=True
            ).eval()
            if self._model.config.num_labels != len(LABELS):
                raise ModelPackageError(
                    f"{self.folder} holds a 2-class model of an older release; "
                    "retrain it with `insight train-sentiment --finetune`"
                )
        return self._model, self._tokenizer

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """(negative, neutral, positive) probabilities per text."""
        import torch

        model, tokenizer = self._load()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = tokenizer(
                    list(texts[start : start + self.batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=128,
                    return_tensors="pt",
                )
                out.append(torch.softmax(model(**batch).logits, dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, len(LABELS)))

    def predict(
        self, embeddings: np.ndarray | None, texts: Sequence[str]
    ) -> tuple[list[str], np.ndarray]:
        p = self.proba(texts)
        return [LABELS[i] for i in p.argmax(axis=1)], expected_polarity(p)


def finetune(
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    out: Path,
    epochs: int = 1,
    lr: float = 3e-5,
    batch_size: int = 32,
    seed: int = 42,
    progress: bool = False,
) -> Path:
    """Fine-tune the bundled MiniLM with a 3-class head (labels 0/1/2 = negative/neutral/
    positive); write safetensors + tokenizer."""
    _offline()
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the new classifier layer is expected, not news
    torch.manual_seed(seed)
    base = minilm_dir()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), local_files_only=True, use_safetensors=True
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(texts), generator=generator)
        batches = range(0, len(texts), batch_size)
        for start in tqdm(batches, desc=f"fine-tune epoch {epoch + 1}", disable=not progress):
            idx = order[start : start + batch_size]
            batch = tokenizer(
                [texts[i] for i in idx.tolist()],
                padding=True,
                truncation=True,
                max_length=128,
                return_tensors="pt",
            )
            loss = model(**batch, labels=y[idx]).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


@register("sentiment", "insight.finetuned.v1")
def finetuned_sentiment(head_path: str | None = None) -> FineTunedSentiment:
    if head_path is None:
        raise ModelPackageError("insight.finetuned.v1 needs [sentiment] head_path = '<folder>'")
    return FineTunedSentiment(Path(head_path))
