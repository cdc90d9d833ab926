"""The pipeline: fetch → parse → normalize → language → match → translate → render → outbox.
The list of stages for a feed check and a poll; each stage lives in its own module:

  check_feed   fetch (monitor.fetch) → the body's new items, parsed, normalized, their
               language detected and matched (monitor.new_items) → their articles, with
               `full_text:` (monitor.full_text) → the matched items' story signatures
               (monitor.story_tracker.signatures_of); the feed's state (monitor.schedule: due,
               backoff, success and failure bookkeeping)
  _commit      copies across feeds (monitor.duplicates) → alert caps (monitor.outbox.caps)
               → translation (monitor.translate.queue) → each matched item's story
               (monitor.story_tracker) → alerts and follow-ups per story (monitor.duplicates,
               monitor.render) → items, states and alerts in one transaction (monitor.store)

`poll` checks a batch of feeds: each feed is fetched and matched on its own (a FeedError is
recorded on that feed and never stops the others). Results are handled in chunks of up to
CHUNK_FEEDS feeds as they complete: the chunk's new items are de-duplicated across feeds,
translated in one batch, and committed with their alerts in one transaction. A poll holds at
most `fetch.concurrency` bodies and one chunk of results, whatever the number of feeds; a large
poll parses and matches in worker processes (monitor.workers). `monitor.outbox.drain` then
delivers what is due; `monitor.runtime` opens and closes what a run works with.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, AsyncIterator, Callable, Iterable, Sequence

from monitor.outbox.caps import cap_matches, more_matches_alerts, recent_matches
from monitor.config import Config, FeedConfig
from monitor.duplicates import earlier_copies, story_alerts
from monitor.errors import FeedError, MonitorError
from monitor.model import (Alert, FeedOutcome, FeedState, FetchStatus,
                           Item, Match, PollReport, Translation)
from monitor.full_text import with_articles
from monitor.new_items import read_new_items
from monitor.redact import scrubber_for
from monitor.render.health import feed_failing_alert, feed_recovered_alert
from monitor.runtime import Deps, build_deps
from monitor.schedule import Due, after_failure, after_success
from monitor.store import CheckRecord
from monitor.story_tracker import signatures_of
from monitor.workers import SharedCursor, cores, fork_map

if TYPE_CHECKING:
    from monitor.story_grouping import Signature

log = logging.getLogger(__name__)
CHUNK_FEEDS = 100  # feeds committed per transaction in a large poll


@dataclass
class FeedCheck:
    """One feed's results, computed but not yet committed."""

    feed: FeedConfig
    state: FeedState
    outcome: FeedOutcome
    items: list[Item] = field(default_factory=list)  # new in this poll
    matches: list[Match] = field(default_factory=list)
    duplicates: dict[str, str] = field(default_factory=dict)  # item key → story's first copy
    signatures: dict[str, Signature] = field(default_factory=dict)  # matched item key → its
    # story signature, untranslated: made where the feed is read (a worker process)


# -- polling ---------------------------------------------------------------------------------


async def poll(feeds: Sequence[FeedConfig], deps: Deps, *, dry_run: bool = False,
               force: bool = False, honour_schedule: bool = False,
               on_feed_done: Callable[[FeedOutcome], None] | None = None,
               keep_items: bool = True) -> PollReport:
    """Check feeds concurrently, translating and committing chunk by chunk. Never raises
    FeedError. With `keep_items=False` the report counts items, matches, alerts and feed
    outcomes (it keeps the outcomes of failed feeds only): a poll of many feeds then holds one
    chunk of results, whatever the number of feeds."""
    due = Due(deps.clock(), force=force, honour_schedule=honour_schedule)
    enabled = [(index, feed) for index, feed in enumerate(feeds) if feed.enabled]
    report = PollReport()
    workers = _workers_for(len(enabled), deps)
    if workers:
        log.info("Poll runs in worker processes", extra={"fields": {
            "feeds": len(enabled), "workers": workers}})
    checks = _checks_in_workers(enabled, deps, due, workers) if workers else \
        _checks(enabled, deps, due, min(deps.config.fetch.concurrency, len(enabled)))
    chunk: list[tuple[int, FeedCheck | FeedOutcome]] = []
    try:
        async for index, done in checks:
            if on_feed_done:
                on_feed_done(done if isinstance(done, FeedOutcome) else done.outcome)
            chunk.append((index, done))
            if len(chunk) >= CHUNK_FEEDS:
                await _commit(chunk, deps, report, dry_run=dry_run, keep_items=keep_items)
        await _commit(chunk, deps, report, dry_run=dry_run, keep_items=keep_items)
    finally:
        # A cancelled poll (the daemon stopping) stops its fetches now, not when the
        # generator is collected. Each commit is synchronous: a cancel never splits one.
        await checks.aclose()
    return report


async def _checks(work: Iterable[tuple[int, FeedConfig]], deps: Deps, due: Due,
                  concurrency: int) -> AsyncIterator[tuple[int, FeedCheck | FeedOutcome]]:
    """Check feeds `concurrency` at a time; yield (index, check) as each finishes, or
    (index, outcome) for a feed that is not due."""
    done: asyncio.Queue = asyncio.Queue()
    work = iter(work)

    async def runner() -> None:
        for index, feed in work:  # one shared iterator: each feed is taken once
            state = deps.store.feed_state(feed.name, feed.url)
            skipped = due.skipped(state)
            await done.put((index, skipped or await check_feed(feed, state, deps)))

    # A fixed set of runners, not a task per feed: a poll of 10,000 feeds holds at most
    # `concurrency` bodies in memory.
    runners = [asyncio.ensure_future(runner()) for _ in range(concurrency)]
    active = set(runners)
    try:
        while active or not done.empty():
            if not done.empty():
                yield done.get_nowait()
                continue
            getter = asyncio.ensure_future(done.get())
            finished, _ = await asyncio.wait({getter, *active},
                                             return_when=asyncio.FIRST_COMPLETED)
            for task in finished - {getter}:
                active.discard(task)
                if task.exception() is not None:  # a bug ends the poll, as gather would
                    getter.cancel()
                    raise task.exception()
            if getter.done():
                yield getter.result()
            else:
                getter.cancel()
    finally:
        for task in runners:
            task.cancel()
        await asyncio.gather(*runners, return_exceptions=True)


WORKERS_FROM_FEEDS = 64  # below this a poll runs in one process: a fork costs more than it saves


def _workers_for(feeds: int, deps: Deps) -> int:
    if feeds < WORKERS_FROM_FEEDS or not deps.store.is_shareable:
        return 0
    # Each process may hold per_host // processes connections to a host, at least one: more
    # processes than `per_host` would break the limit.
    n = min(cores(), 8, deps.config.fetch.per_host)
    return n if n > 1 else 0


async def _checks_in_workers(feeds: list[tuple[int, FeedConfig]], deps: Deps, due: Due,
                             workers: int) -> AsyncIterator[tuple[int, FeedCheck | FeedOutcome]]:
    """`_checks` spread over `workers` processes (this one and forked ones), each with its own
    HTTP client and a read-only connection to the state, each taking the next feed when it is
    ready for one. The limits of `fetch:` hold for the poll as a whole: each process may open
    a share of them."""
    import monitor.story_grouping  # noqa: F401  (workers sign matched items: its word tables
    # are loaded once here, before the fork, not once per worker)

    fetch = deps.config.fetch
    settings = fetch.model_copy(update={"concurrency": max(1, fetch.concurrency // workers),
                                        "per_host": max(1, fetch.per_host // workers)})
    cursor = SharedCursor(len(feeds))

    async def job(cursor: SharedCursor):
        store = deps.store.reopen(readonly=True)
        try:
            async with deps.fetcher.clone(settings) as fetcher:
                local = build_deps(deps.config, store, fetcher=fetcher, channels={},
                                   clock=deps.clock, rng=deps.rng, matcher=deps.matcher,
                                   share=workers)
                async for done in _checks((feeds[i] for i in cursor), local, due,
                                          settings.concurrency):
                    yield done
        finally:
            store.close()

    async for done in fork_map(job, [cursor] * workers):
        yield done


async def _commit(chunk: list[tuple[int, FeedCheck | FeedOutcome]], deps: Deps,
                  report: PollReport,
            *, dry_run: bool, keep_items: bool) -> None:
    """De-duplicate, translate and commit one chunk of feed checks, in one transaction, in
    the order of the config (so which of two copies of a story counts as first is stable)."""
    if not chunk:
        return
    chunk.sort(key=lambda c: c[0])
    checks = [done for _, done in chunk if isinstance(done, FeedCheck)]
    for _, done in chunk:
        outcome = done if isinstance(done, FeedOutcome) else done.outcome
        report.feed_counts[outcome.status] = report.feed_counts.get(outcome.status, 0) + 1
        if keep_items or outcome.status == "error" or outcome.left_out:
            report.feeds.append(outcome)
    chunk.clear()
    for check, copies in zip(checks, earlier_copies([c.items for c in checks], deps.store)):
        check.duplicates = copies
    per_rule = deps.config.defaults.max_alerts_per_rule
    capped = [cap_matches(c.items, recent_matches(c.items, c.matches, c.feed.alert_max_age,
                                                  c.state.last_attempt_at or deps.clock()),
                          per_rule) for c in checks]
    translations = await _translate(checks, [alerted for alerted, _ in capped], deps)
    commit_now = deps.clock()
    rows = []
    places = deps.stories.place(
        [(c.items, c.duplicates) for c in checks], {m.item_key for c in checks for m in c.matches},
        translations, deps.store, window_seconds=deps.config.stories.window,
        target_language=deps.config.target_language, now=commit_now,
        signed={key: s for c in checks for key, s in c.signatures.items()})
    alerts_of = story_alerts([(c.items, alerted) for c, (alerted, _) in zip(checks, capped)],
                             places, translations, deps.config, deps.store, commit_now)
    for check, alerts, (_, rest) in zip(checks, alerts_of, capped):
        if rest:
            alerts += more_matches_alerts(check.feed.name, rest, check.items, deps.config,
                                          commit_now)
        alerts += _feed_health_alerts(check, deps.config, commit_now)
        stories = {i.key: places[i.key].story_id for i in check.items if i.key in places}
        rows.append(CheckRecord(check.state, check.items, check.duplicates, check.matches,
                                alerts, stories))
        report.item_count += len(check.items)
        report.match_count += len(check.matches)
        report.alert_count += len(alerts)
        if keep_items:
            report.items.extend(check.items)
            report.matches.extend(check.matches)
            report.alerts.extend(alerts)
            report.stories.update((key, places[key]) for key in stories)
    if rows and not dry_run:
        deps.store.commit_polls(rows, now=commit_now)


async def check_feed(feed: FeedConfig, state: FeedState, deps: Deps) -> FeedCheck:
    """Fetch, parse, normalise, detect and match one feed. Records a FeedError on the state."""
    now = deps.clock()
    state = replace(state, last_attempt_at=now)
    try:
        check = await _check(feed, state, deps, now)
    except FeedError as exc:
        check = _failed(feed, state, exc, deps, now)
        log.warning("Feed check failed", extra={"fields": {
            "feed_name": feed.name, "error_kind": check.outcome.error_kind,
            "error": check.outcome.error, "consecutive_failures": check.state.consecutive_failures}})
        return check
    except MonitorError:
        raise  # the store's, the state file's: not this feed's to record
    except Exception as exc:
        # A bug this feed's content reached (two were a link and a date a publisher wrote):
        # the feed fails, with the traceback in the log; the other feeds of the poll go on.
        log.exception("Internal error while checking a feed", extra={"fields": {
            "feed_name": feed.name}})
        return _failed(feed, state, FeedError(
            feed.name, f"monitor could not read it ({type(exc).__name__}); this is a bug, "
            f"the log has the traceback", error_kind="internal"), deps, now)
    o = check.outcome
    if log.isEnabledFor(logging.INFO):
        log.info("Feed checked", extra={"fields": {
            "feed_name": feed.name, "status": o.status, "http_status": o.http_status,
            "new": o.new_items, "matched": len(check.matches), "bozo": o.is_bozo,
            "elapsed_ms": round(o.elapsed_ms)}})
    return check


async def _check(feed: FeedConfig, state: FeedState, deps: Deps, now: datetime) -> FeedCheck:
    result = await deps.fetcher.fetch(feed.name, state, now=now)
    state = after_success(state, feed, now)
    if result.permanent_url:
        log.info("Feed moved permanently", extra={"fields": {
            "feed_name": feed.name, "feed_url": result.permanent_url}})
        state.current_url = result.permanent_url
    if result.etag is not None:
        state.etag = result.etag
    if result.last_modified is not None:
        state.last_modified = result.last_modified
    if result.status is FetchStatus.NOT_MODIFIED:
        return FeedCheck(feed, state, FeedOutcome(feed.name, state.fetch_url, "not_modified",
                                                  result.http_status,
                                                  elapsed_ms=result.elapsed_ms))
    body_hash = hashlib.blake2b(result.body, digest_size=16).hexdigest()
    if body_hash == state.body_hash:
        # The server ignored our validators but sent the same bytes: nothing can be new.
        return FeedCheck(feed, state, FeedOutcome(feed.name, state.fetch_url, "unchanged",
                                                  result.http_status,
                                                  elapsed_ms=result.elapsed_ms))
    new = read_new_items(result.body, feed=feed, url=result.url, headers=result.headers,
                         fetched_at=now, config=deps.config, seen=deps.store,
                         matcher=deps.matcher)
    new = await with_articles(new, feed, deps.articles, deps.matcher)
    if new.is_bozo:
        log.warning("Feed is not well-formed; using what could be read", extra={"fields": {
            "feed_name": feed.name, "entries": new.entries, "error": new.bozo_message}})
    if new.left_out:
        log.warning("Feed has more new items than max_items_per_check; the newest were taken, "
                    "the rest wait for the next checks", extra={"fields": {
                        "feed_name": feed.name, "taken": len(new.items),
                        "left_for_later": new.left_out,
                        "max_items_per_check": feed.max_items_per_check}})
        # The items left out are still new: the next check must fetch and read the body in
        # full (no validators, no "same bytes" shortcut) until none are left.
        state.etag = state.last_modified = None
        body_hash = None
    state.body_hash = body_hash
    state.items_total += len(new.items)
    state.last_parsed_at = now
    state.present_ids = new.present_ids  # still in the feed: retention keeps them
    outcome = FeedOutcome(feed.name, state.fetch_url, "ok", result.http_status,
                          len(new.items), is_bozo=new.is_bozo,
                          elapsed_ms=result.elapsed_ms, left_out=new.left_out)
    return FeedCheck(feed, state, outcome, list(new.items), list(new.matches),
                     signatures=signatures_of(
                         new.items, {m.item_key for m in new.matches},
                         since=now - timedelta(seconds=deps.config.stories.window)))


def _failed(feed: FeedConfig, state: FeedState, exc: FeedError, deps: Deps,
            now: datetime) -> FeedCheck:
    state = after_failure(state, feed, exc, now=now, rng=deps.rng,
                          backoff_max_seconds=deps.config.fetch.backoff_max,
                          scrub=scrubber_for(deps.config.secrets).scrub)
    outcome = FeedOutcome(feed.name, state.fetch_url, "error", exc.status,
                          error=state.last_error, error_kind=state.last_error_kind)
    return FeedCheck(feed, state, outcome)


async def _translate(checks: Sequence[FeedCheck], alerted: Sequence[Sequence[Match]],
                     deps: Deps) -> dict[str, Translation]:
    """One request for every item of the chunk that alerts, so the backend can batch."""
    keys = {m.item_key for matches in alerted for m in matches}
    items = [i for c in checks for i in c.items if i.key in keys]
    if not items:
        return {}
    return await deps.translations.translate(items, deps.config.target_language)


def _feed_health_alerts(check: FeedCheck, config: Config, now: datetime) -> list[Alert]:
    """One alert when a feed has failed for longer than `health.feed_failing_after`, one when
    it works again. `health_alerted_at`, committed with the alert, makes each one happen once."""
    channels = config.health.channels
    state = check.state
    if not channels:
        return []
    if state.failing_since is not None and state.health_alerted_at is None and \
            (now - state.failing_since).total_seconds() >= config.health.feed_failing_after:
        check.state = replace(state, health_alerted_at=now)
        scrub = scrubber_for(config.secrets)
        return [feed_failing_alert(state, channel, now, scrub) for channel in channels]
    if state.failing_since is None and state.health_alerted_at is not None:
        check.state = replace(state, health_alerted_at=None)
        return [feed_recovered_alert(state, state.health_alerted_at, channel, now,
                                     scrubber_for(config.secrets)) for channel in channels]
    return []
