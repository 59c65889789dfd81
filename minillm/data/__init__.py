"""Data for the book: real corpora (downloaded, verified, cached), splits, batches, synthetic dialogues."""

from minillm.data.batching import RandomWindows, train_val_split
from minillm.data.corpus import (
    CORPORA,
    CorpusError,
    CorpusSpec,
    corpus_available,
    corpus_path,
    data_dir,
    load_corpus,
    load_text,
)

__all__ = [
    "CORPORA",
    "CorpusError",
    "CorpusSpec",
    "RandomWindows",
    "corpus_available",
    "corpus_path",
    "data_dir",
    "load_corpus",
    "load_text",
    "train_val_split",
]
