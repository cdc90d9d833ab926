"""Translate stage: matched Items → Translation per item. I/O (models on disk, Apertium).

`Translator` is the seam the pipeline calls once per poll with every matched item, so a
backend can batch. `build_translator` returns the real one (`engine.ModelTranslator`: Argos
packages run by CTranslate2, Apertium for Belarusian) or, with translation disabled,
`UnavailableTranslator`, the degraded path: items already in the target language pass
through; others get a note saying no translation route exists. Nothing here uses the
network; only `index.install_from_index` does, for `monitor models install FROM TO`.
Heavy libraries (argostranslate, ctranslate2) are imported on first translation only.

Submodules: sentences (splitter), packages (install/list/remove), index (download from the
Argos index), routes (which chain), argos (CTranslate2 runner), apertium (subprocess), engine
(batching, cache).
"""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

from monitor.config import FeedConfig, TranslationConfig
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
                                            route="identity",
                                            article=item.article.lead if item.article else None)
            else:
                out[item.key] = Translation(
                    item.language, target, route="",
                    note=f"translation unavailable: {self.reason} "
                         f"({item.language}→{target})")
        return out


def build_translator(settings: TranslationConfig, *, cache=None) -> Translator:
    """The translator a run uses. `cache` is a `engine.TranslationCache` (the store)."""
    if not settings.enabled:
        return UnavailableTranslator("translation is disabled in the config")
    from monitor.translate.engine import ModelTranslator

    return ModelTranslator(settings, cache=cache)


def missing_routes(settings: TranslationConfig, feeds: Iterable[FeedConfig],
                   target: str) -> list[str]:
    """One warning per configured feed language that has no route to `target`.

    For `monitor check`: reads package metadata and asks `apertium -l`; loads no model.
    """
    if not settings.enabled:
        return []
    from monitor.translate import apertium
    from monitor.translate.packages import installed_packages
    from monitor.translate.routes import APERTIUM_MODES, find_route, missing_route_hint

    by_language: dict[str, list[str]] = {}
    for feed in feeds:
        if feed.enabled and feed.language and feed.language != target:
            by_language.setdefault(feed.language, []).append(feed.name)
    if not by_language:
        return []
    packages = installed_packages(settings.models_dir)
    pairs: frozenset = frozenset()
    if settings.apertium:
        modes = apertium.installed_modes()
        pairs = frozenset(p for p, mode in APERTIUM_MODES.items() if mode in modes)
    warnings = []
    for language in sorted(by_language):
        if find_route(language, target, packages, pairs) is None:
            names = by_language[language]
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5
                                            else "")
            warnings.append(
                f"translation: no {language}→{target} route, so alerts from {shown} go out "
                f"untranslated; " + missing_route_hint(language, target, packages, pairs,
                                                       apertium_enabled=settings.apertium))
    return warnings
