"""Language stage: (title, summary, hint) → (language, confidence). Pure given the seed.

Backbone version: langdetect (seeded, so deterministic) restricted to the configured languages,
plus orthographic evidence for Belarusian and Ukrainian, which langdetect lacks or confuses.
Returns "und" for text with no letters.
"""

from __future__ import annotations

import re
import threading
from typing import Sequence

_LETTER = re.compile(r"[^\W\d_]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_BE_ONLY = re.compile(r"[ўЎ]")
_UK_ONLY = re.compile(r"[їЇєЄґҐ]")
_I_UKR_BEL = re.compile(r"[іІ]")
_RU_ONLY = re.compile(r"[ыЫэЭъЪ]")
_RU_I = re.compile(r"[иИщЩ]")

_lock = threading.Lock()
_factory_ready = False


def _langdetect_probabilities(text: str) -> dict[str, float]:
    global _factory_ready
    from langdetect import DetectorFactory, detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:
        if not _factory_ready:
            DetectorFactory.seed = 0
            detector_factory.init_factory()
            _factory_ready = True
    try:
        detector = detector_factory._factory.create()
        detector.append(text)
        return {p.lang: p.prob for p in detector.get_probabilities()}
    except LangDetectException:
        return {}


def detect(title: str, summary: str = "", hint: str | None = None,
           languages: Sequence[str] = ("en", "ru", "be", "uk")) -> tuple[str, float]:
    """The most likely language of an item among `languages`, and a confidence in [0, 1]."""
    text = f"{title}\n{summary}".strip()
    if not _LETTER.search(text):
        return "und", 0.0
    allowed = set(languages)
    if _CYRILLIC.search(text):
        ortho = _orthography(text, allowed)
        if ortho is not None:
            return ortho
    probs = {k: v for k, v in _langdetect_probabilities(text).items() if k in allowed}
    if hint in allowed:
        probs[hint] = probs.get(hint, 0.0) + 0.15  # the feed's word counts, but evidence wins
    if not probs:
        return (hint, 0.3) if hint in allowed else ("und", 0.0)
    best = max(sorted(probs), key=probs.__getitem__)
    return best, round(min(1.0, probs[best]), 3)


def _orthography(text: str, allowed: set[str]) -> tuple[str, float] | None:
    be, uk = len(_BE_ONLY.findall(text)), len(_UK_ONLY.findall(text))
    i_count = len(_I_UKR_BEL.findall(text))
    ru = len(_RU_ONLY.findall(text))
    ru_i = len(_RU_I.findall(text))
    if "be" in allowed and be and not uk:
        return "be", 0.95
    if "uk" in allowed and uk and not be:
        return "uk", 0.95
    if i_count and not ru_i:
        # і without и: Belarusian (which also has ы, э) or Ukrainian (which has и, not ы).
        if "be" in allowed and ru:
            return "be", 0.8
        if "uk" in allowed and not ru:
            return "uk", 0.6
    return None
