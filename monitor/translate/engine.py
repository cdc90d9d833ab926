"""The model translator: matched items of a poll → translations, in one batch per hop.

Every title and summary is cut into paragraphs and sentences; each distinct sentence becomes
a job that walks its route (e.g. apertium:be-ru then argos:ru-en). Jobs advance hop by hop,
and all jobs waiting at the same hop run together: one `translate_batch` per Argos package
and one Apertium process per poll, with a hop that some other job still has ahead of it run
last, so Russian items and Belarusian items already turned into Russian share the ru→en batch.
Each hop's results are cached by (sentence hash, pair, model version). Outputs are put back
in their sentences' places, so order and paragraphs are kept.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Mapping, Protocol, Sequence

from monitor.config import TranslationConfig
from monitor.errors import TranslationError
from monitor.model import Item, Translation
from monitor.translate import apertium
from monitor.translate.argos import ArgosModel
from monitor.translate.packages import installed_packages
from monitor.translate.routes import APERTIUM_MODES, Hop, Route, find_route, missing_route_hint
from monitor.translate.sentences import split_paragraphs, split_sentences

log = logging.getLogger(__name__)


class TranslationCache(Protocol):
    """Where finished sentence translations are kept between polls (the state DB)."""

    def cached_translations(self, pair: str, model_version: str,
                            text_hashes: Sequence[str]) -> dict[str, str]: ...

    def cache_translations(self, pair: str, model_version: str,
                           translations: Mapping[str, str]) -> None: ...


class MemoryCache:
    """A TranslationCache in a dict, for one process (the `monitor translate` command)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], str] = {}

    def cached_translations(self, pair, model_version, text_hashes):
        return {h: self.rows[(pair, model_version, h)] for h in text_hashes
                if (pair, model_version, h) in self.rows}

    def cache_translations(self, pair, model_version, translations):
        for h, text in translations.items():
            self.rows[(pair, model_version, h)] = text


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class _Job:
    """One distinct sentence on its way along one route."""

    route: Route
    text: str
    position: int = 0
    error: str | None = None

    @property
    def next_hop(self) -> Hop | None:
        if self.error is None and self.position < len(self.route.hops):
            return self.route.hops[self.position]
        return None


@dataclass
class TranslatorStats:
    """What the last call did: (hop label, sentences sent to the model) per batch, cache hits."""

    batches: list[tuple[str, int]] = field(default_factory=list)
    cache_hits: int = 0
    sentences: int = 0


class ModelTranslator:
    """Translates with installed Argos packages (and Apertium for be); see module doc."""

    def __init__(self, settings: TranslationConfig, *, cache: TranslationCache | None = None,
                 apertium_binary: str = apertium.BINARY) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else MemoryCache()
        self.apertium_binary = apertium_binary
        self.models: dict[tuple, ArgosModel] = {}
        self.broken: dict[tuple, str] = {}
        self.stats = TranslatorStats()

    # -- public --------------------------------------------------------------------------

    def translate_items(self, items: Sequence[Item], target: str) -> dict[str, Translation]:
        """Translations keyed by item key; an item without a route gets a note instead."""
        started = time.monotonic()
        self.stats = TranslatorStats()
        out: dict[str, Translation] = {}
        wanted: list[tuple[Item, Route]] = []
        routes = self._routes({i.language for i in items if i.language not in (target, "und")},
                              target)
        for item in items:
            if item.language == target:
                out[item.key] = Translation(item.language, target, item.title, item.summary,
                                            route="identity", article=_lead(item) or None)
            elif item.language == "und":
                out[item.key] = Translation(item.language, target, note="translation "
                                            "unavailable: the item's language is unknown")
            elif isinstance(routes[item.language], str):
                out[item.key] = Translation(item.language, target, note=routes[item.language])
            else:
                wanted.append((item, routes[item.language]))
        # The article's lead, when the item has one, is translated with its title and summary.
        results = self._translate([(route, [i.title, i.summary] + ([_lead(i)] if _lead(i) else []))
                                   for i, route in wanted])
        for (item, route), result in zip(wanted, results):
            if isinstance(result, TranslationError):
                out[item.key] = Translation(item.language, target, route=route.label,
                                            note=f"translation failed: {result}")
            else:
                out[item.key] = Translation(item.language, target, result[0], result[1],
                                            route=route.label,
                                            article=result[2] if len(result) > 2 else None)
        if wanted:
            log.info("Items translated", extra={"fields": {
                "items": len(wanted), "sentences": self.stats.sentences,
                "cached": self.stats.cache_hits, "batches": len(self.stats.batches),
                "elapsed_ms": round((time.monotonic() - started) * 1000)}})
        return out

    def translate_texts(self, texts: Sequence[str], source: str,
                        target: str) -> tuple[list[str], str]:
        """(translations, route label). Raises TranslationError when there is no route."""
        self.stats = TranslatorStats()
        route = self._routes({source}, target)[source] if source != target else \
            Route(source, target)
        if isinstance(route, str):
            raise TranslationError(route.replace("translation unavailable: ", "translate: "))
        result = self._translate([(route, list(texts))])[0]
        if isinstance(result, TranslationError):
            raise result
        return result, route.label

    # -- routes ----------------------------------------------------------------------------

    def _routes(self, languages: set[str], target: str) -> dict[str, Route | str]:
        """A Route per language, or the note to give items that have none."""
        if not languages:
            return {}
        packages = installed_packages(self.settings.models_dir)
        current = {p.stamp() for p in packages}
        for stamp in [s for s in self.models if s not in current]:
            del self.models[stamp]  # removed or replaced since it was loaded
        pairs: frozenset[tuple[str, str]] = frozenset()
        found = {lang: find_route(lang, target, packages) for lang in languages}
        if self.settings.apertium and any(r is None for r in found.values()):
            modes = apertium.installed_modes(self.apertium_binary)
            pairs = frozenset(p for p, mode in APERTIUM_MODES.items() if mode in modes)
            found = {lang: r or find_route(lang, target, packages, pairs)
                     for lang, r in found.items()}
        out: dict[str, Route | str] = {}
        for lang, route in found.items():
            out[lang] = route if route is not None else (
                f"translation unavailable: no {lang}→{target} route; "
                + missing_route_hint(lang, target, packages, pairs,
                                     apertium_enabled=self.settings.apertium))
        return out

    # -- batching --------------------------------------------------------------------------

    def _translate(self, requests: Sequence[tuple[Route, list[str]]]
                   ) -> list[list[str] | TranslationError]:
        """Per request, its texts translated (or the error that stopped one of them)."""
        jobs: dict[tuple[str, str], _Job] = {}
        layouts = []  # request → text → paragraph → job keys
        for route, texts in requests:
            layout = []
            for text in texts:
                paragraphs = []
                for paragraph in split_paragraphs(text or ""):
                    keys = []
                    for sentence in split_sentences(paragraph):
                        key = (route.label, sentence)
                        jobs.setdefault(key, _Job(route, sentence))
                        keys.append(key)
                    paragraphs.append(keys)
                layout.append(paragraphs)
            layouts.append(layout)
        self.stats.sentences = len(jobs)
        self._run_jobs(list(jobs.values()))
        results: list[list[str] | TranslationError] = []
        for layout in layouts:
            errors = [jobs[k].error for text in layout for para in text for k in para
                      if jobs[k].error]
            if errors:
                results.append(TranslationError(errors[0]))
                continue
            results.append(["\n".join(" ".join(jobs[k].text for k in para) for para in text)
                            for text in layout])
        return results

    def _run_jobs(self, jobs: list[_Job]) -> None:
        while True:
            waiting: dict[str, list[_Job]] = {}
            hops: dict[str, Hop] = {}
            later: set[str] = set()
            for job in jobs:
                hop = job.next_hop
                if hop is None:
                    continue
                waiting.setdefault(hop.label, []).append(job)
                hops[hop.label] = hop
                later.update(h.label for h in job.route.hops[job.position + 1:])
            if not waiting:
                return
            label = next((lb for lb in waiting if lb not in later), next(iter(waiting)))
            batch = waiting[label]
            try:
                outputs = self._run_hop(hops[label], [j.text for j in batch])
            except TranslationError as exc:
                log.warning("Translation hop failed; its items go out untranslated",
                            extra={"fields": {"hop": label, "sentences": len(batch),
                                              "error": str(exc)}})
                for job in batch:
                    job.error = str(exc)
                continue
            for job, text in zip(batch, outputs):
                job.text = text
                job.position += 1

    def _run_hop(self, hop: Hop, texts: list[str]) -> list[str]:
        unique = list(dict.fromkeys(texts))
        version = self._model_version(hop)
        hashes = {t: text_hash(t) for t in unique}
        try:
            cached = self.cache.cached_translations(hop.pair, version, list(hashes.values()))
        except Exception as exc:  # the cache only saves work; never fail on it
            log.warning("Translation cache unreadable", extra={"fields": {"error": str(exc)}})
            cached = {}
        done = {t: cached[h] for t, h in hashes.items() if h in cached}
        self.stats.cache_hits += len(done)
        missing = [t for t in unique if t not in done]
        if missing:
            self.stats.batches.append((hop.label, len(missing)))
            fresh = self._backend(hop, missing)
            if len(fresh) != len(missing):
                raise TranslationError(f"{hop.label}: got {len(fresh)} translations "
                                       f"for {len(missing)} sentences")
            done.update(zip(missing, fresh))
            try:
                self.cache.cache_translations(hop.pair, version,
                                              {hashes[t]: out for t, out in zip(missing, fresh)})
            except Exception as exc:
                log.warning("Translation cache not written",
                            extra={"fields": {"error": str(exc)}})
        return [done[t] for t in texts]

    def _model_version(self, hop: Hop) -> str:
        if hop.package is not None:
            return f"argos/{hop.package.name}/{hop.package.version}/beam{self.settings.beam_size}"
        return f"apertium/{APERTIUM_MODES[(hop.source, hop.target)]}"

    def _backend(self, hop: Hop, sentences: list[str]) -> list[str]:
        if hop.kind == "apertium":
            return apertium.translate_lines(
                sentences, APERTIUM_MODES[(hop.source, hop.target)],
                timeout_seconds=self.settings.apertium_timeout,
                binary=self.apertium_binary)
        assert hop.package is not None
        return self._model(hop).translate(sentences)

    def _model(self, hop: Hop) -> ArgosModel:
        stamp = hop.package.stamp()
        if stamp in self.broken:
            raise TranslationError(self.broken[stamp])
        model = self.models.get(stamp)
        if model is None:
            model = ArgosModel(hop.package, device=self.settings.device,
                               beam_size=self.settings.beam_size,
                               intra_threads=self.settings.intra_threads)
            try:
                model.load()
            except TranslationError as exc:
                self.broken[stamp] = str(exc)  # reported once; retried when the file changes
                raise
            self.models[stamp] = model
        return model


def _lead(item: Item) -> str:
    return item.article.lead if item.article is not None else ""
