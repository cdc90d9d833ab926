"""Translate stage: matched Items → Translation per item. I/O (models on disk).

`Translator` is the seam the pipeline calls once per poll with every matched item, so a
backend can batch. `UnavailableTranslator` is the degraded path: items already in the target
language pass through; others get a note saying no translation route exists.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from monitor.model import Item, Translation


class Translator(Protocol):
    def translate_items(self, items: Sequence[Item], target: str) -> dict[str, Translation]:
        """Translations keyed by item key. Never raises for one bad item: it gets a note."""


class UnavailableTranslator:
    """No models: identity for the target language, a clear note for every other one."""

    def __init__(self, reason: str = "no translation model installed") -> None:
        self.reason = reason

    def translate_items(self, items: Sequence[Item], target: str) -> dict[str, Translation]:
        out = {}
        for item in items:
            if item.language == target:
                out[item.key] = Translation(item.language, target, item.title, item.summary,
                                            route="identity")
            else:
                out[item.key] = Translation(
                    item.language, target, route="",
                    note=f"translation unavailable: {self.reason} "
                         f"({item.language}→{target})")
        return out
