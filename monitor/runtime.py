"""Runtime wiring: what a poll or a drain works with (`Deps`, a plain holder) and the
`Runtime` that opens it for a run — the store, the HTTP client, the channels, the translator
and its queue — and closes it. Both `monitor poll` and the daemon get their `Deps` here.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from monitor.config import Config
from monitor.deliver import Channel
from monitor.fetch import Fetcher
from monitor.full_text import ArticleReader, article_reader
from monitor.language import detector_for
from monitor.outbox import Outbox
from monitor.outbox.policy import RetryPolicy
from monitor.redact import EnvRefs, Scrubber
from monitor.rules import Matcher
from monitor.store import Store
from monitor.story_tracker import StoryTracker
from monitor.translate import Translator, UnavailableTranslator, build_translator
from monitor.translate.queue import TranslationQueue

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Deps:
    """Everything a poll or a drain needs, passed in (no globals). Built by `build_deps`."""

    config: Config
    store: Store
    fetcher: Fetcher | None  # None: a drain only
    channels: dict[str, Channel]
    outbox: Outbox
    translations: TranslationQueue
    matcher: Matcher  # the compiled rules with this process's word caches; a reload replaces it
    translator: Translator = field(default_factory=UnavailableTranslator)
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)
    articles: ArticleReader | None = None  # when a feed has `full_text:` and there is a fetcher
    # The process's story index (kept across polls and reloads; bounded by `stories.window`).
    stories: StoryTracker = field(default_factory=StoryTracker)


def build_deps(config: Config, store: Store, *, fetcher: Fetcher | None,
               channels: dict[str, Channel], translator: Translator | None = None,
               clock: Callable[[], datetime] = utcnow,
               rng: random.Random | None = None, matcher: Matcher | None = None,
               share: int = 1) -> Deps:
    """A `Deps` over an open store: its outbox (the config's retry policy; errors scrubbed of
    the config's secrets), its translation queue (in this thread until a Runtime gives the
    translator a connection of its own) and, when a feed reads full text, its article reader
    (`share`: how many processes of a poll read articles at once; each takes its share of the
    per-host limits)."""
    rng = rng or random.Random()
    store.env_refs = EnvRefs(config.env_refs)
    outbox = Outbox(store, RetryPolicy.from_settings(config.delivery), rng=rng,
                    scrub=Scrubber(config.secrets).scrub)
    deps = Deps(config=config, store=store, fetcher=fetcher, channels=channels, outbox=outbox,
                translations=TranslationQueue(lambda: deps.translator, in_thread=False),
                matcher=matcher or Matcher(config.compiled_rules),
                translator=translator or UnavailableTranslator(), clock=clock, rng=rng,
                articles=article_reader(config, fetcher, share=share,
                                        known=store.article_of))
    return deps


class Runtime:
    """Opens the store, the fetcher, the channels and the translator for a run; closes them.

    `async with Runtime(config, stdout=…) as deps:` is how both `monitor poll` and the daemon
    get a `Deps`.

    `dry_run`: a first poll in memory. The state file is neither created, nor locked, nor
    read (so no conditional request, no "unchanged" shortcut, no backoff: every item of every
    feed is new), and nothing is translated (a dry run shows items and matches, not alerts).
    """

    def __init__(self, config: Config, *, stdout, dry_run: bool = False,
                 fetcher: Fetcher | None = None, translator: Translator | None = None,
                 clock: Callable[[], datetime] = utcnow, exclusive: bool = True) -> None:
        self.config = config
        self.stdout = stdout
        self.dry_run = dry_run
        self.exclusive = exclusive  # hold the state file's lock: one poller per state
        self.fetcher = fetcher
        self.translator = translator
        self.clock = clock
        self.deps: Deps | None = None
        self.cache_store = None  # the translator's own connection, when it has one

    async def __aenter__(self) -> Deps:
        from monitor.deliver import build_channels
        from monitor.store import open_store

        store = open_store(":memory:") if self.dry_run else \
            open_store(self.config.state_path, exclusive=self.exclusive)
        try:
            # Build the language detector (numpy's import and a memory map: tens of
            # milliseconds) before any fetch starts, so it never stalls the event loop while
            # requests are in flight.
            detector_for(tuple(self.config.languages))
            fetcher = self.fetcher or Fetcher(self.config.fetch)
            await fetcher.__aenter__()
        except BaseException:
            store.close()
            raise
        self.deps = build_deps(self.config, store, fetcher=fetcher,
                               channels=build_channels(self.config.channels, stdout=self.stdout),
                               translator=self.translator, clock=self.clock)
        if self.translator is None and not self.dry_run:
            self.use_translation(self.config)
        return self.deps

    def use_translation(self, config: Config) -> None:
        """(Re)build the translator from `config.translation` (at start and on a reload).

        It runs in its own thread with its own connection for the translation cache: SQLite
        connections must not interleave transactions across threads.
        """
        deps = self.deps
        assert deps is not None
        if config.translation.enabled and deps.store.is_shareable and self.cache_store is None:
            self.cache_store = deps.store.reopen()
        deps.translator = build_translator(config.translation,
                                           cache=self.cache_store or deps.store)
        deps.translations.in_thread = self.cache_store is not None

    async def __aexit__(self, *exc: object) -> None:
        deps = self.deps
        if deps is None:
            return
        for channel in deps.channels.values():
            try:
                await channel.aclose()
            except Exception:
                log.exception("Closing a channel failed")
        await deps.fetcher.__aexit__(None, None, None)
        deps.translations.close()
        if self.cache_store is not None:
            self.cache_store.close()
        deps.store.close()
