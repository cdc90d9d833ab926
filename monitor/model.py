"""Plain values that flow through the pipeline. Stdlib only; imports nothing from monitor.

fetch → FetchResult → parse → Entry → normalize → Item → language → Item(language=…)
→ match → Match → translate → Translation → Alert (→ outbox → render → deliver).
All instants are aware UTC datetimes (`*_at`); durations carry their unit. What the config
says (feeds, channels, limits) is monitor.config's validated objects, not values here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping


@dataclass
class FeedState:
    """What the store remembers about a feed between polls."""

    name: str
    url: str
    current_url: str | None = None  # set by a 301/308
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    next_due_at: datetime | None = None
    items_total: int = 0
    health_alerted_at: datetime | None = None
    last_parsed_at: datetime | None = None  # the last check that read the body (not a 304)
    # The item ids in the body this check read (not stored as such: committing the check
    # marks those items as still in the feed, which retention never deletes).
    present_ids: tuple[str, ...] = ()

    @property
    def fetch_url(self) -> str:
        return self.current_url or self.url


class FetchStatus(str, enum.Enum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch: a body to parse, or "not modified". Failures are `FetchError`s."""

    status: FetchStatus
    url: str  # the URL finally answered
    http_status: int | None = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None  # new URL to store after a 301/308
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class Entry:
    """One feed entry as the parser saw it: raw strings, HTML still in place."""

    guid: str | None
    link: str | None
    title: str
    summary: str  # HTML or text
    content: str  # HTML or text (content:encoded / atom:content), may be ""
    published_at: datetime | None
    language: str | None  # declared on the entry, else on the channel


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[Entry, ...]
    title: str = ""
    language: str | None = None
    is_bozo: bool = False
    bozo_message: str | None = None


@dataclass(frozen=True)
class Item:
    """A normalised entry: plain text, absolute link, UTC time, stable id."""

    feed: str
    id: str  # the feed's own guid when it has one
    key: str  # globally unique: hash of (feed, id)
    title: str
    summary: str
    link: str
    published_at: datetime
    declared_language: str | None = None
    language: str = "und"  # detected
    language_confidence: float = 0.0
    canonical_link: str = ""  # for cross-feed duplicate detection
    title_key: str = ""  # normalised title for cross-feed duplicate detection
    # The article the link names, read for a feed with `full_text:` (None: not read).
    article: Article | None = None

    @property
    def text(self) -> str:
        """The article's text, or "" when it was not read or had none."""
        return self.article.text if self.article is not None else ""


class ArticleStatus(str, enum.Enum):
    OK = "ok"
    PAYWALLED = "paywalled"  # a stub: a teaser and a subscription prompt
    NO_TEXT = "no_text"  # a page with no article text found in it
    NOT_HTML = "not_html"  # a PDF, an image …
    FAILED = "failed"  # not fetched: `note` says why (HTTP 404, timeout, refused redirect …)


@dataclass(frozen=True)
class Article:
    """The article an item links to, as extracted from its page (or why there is none)."""

    url: str
    status: ArticleStatus
    title: str = ""
    text: str = ""  # the article's paragraphs, one per line
    lead: str = ""  # its first paragraphs, as long as the configured lead length allows
    encoding: str = ""  # the codec the page was read with, and how it was chosen
    encoding_source: str = ""  # "bom", "http", "meta", "detected", "default"
    truncated: bool = False  # the page was longer than the limits; the start was read
    note: str = ""  # one line for the alert when the status is not OK


@dataclass(frozen=True)
class SeenItem:
    """What the store remembers of an item it has recorded: enough to tell an edit of the item
    from a new story published under the same guid."""

    key: str
    item_id: str
    link: str
    canonical_link: str
    title: str


@dataclass(frozen=True)
class Hit:
    """Where a query term matched: field ("title", "summary" or "body": the article's text),
    character span, and the term."""

    term: str
    field: str
    start: int
    end: int


@dataclass(frozen=True)
class Match:
    rule: str
    item_key: str
    matched_terms: tuple[str, ...]
    hits: tuple[Hit, ...] = ()


@dataclass(frozen=True)
class Translation:
    """A translated title and summary, or why there is none."""

    source_language: str
    target_language: str
    title: str | None = None
    summary: str | None = None
    route: str = ""  # e.g. "argos:ru-en", "apertium:be-ru+argos:ru-en", "identity"
    note: str | None = None  # e.g. "translation unavailable: no be→en route"
    article: str | None = None  # the article's lead, when the alert carries one


@dataclass(frozen=True)
class Source:
    """One feed's copy of a story, as an alert names it: always with that feed's own link."""

    feed: str
    title: str
    link: str
    published_at: datetime
    language: str = ""
    item_key: str = ""


@dataclass(frozen=True)
class StoryPlace:
    """Where a matched item stands in its story (the reports of one event across feeds and
    languages): the story's id, the keys of its items recorded before this one (oldest first),
    and the story as it stands with this item (title, languages, every source in the window)."""

    story_id: str
    earlier: tuple[str, ...]
    is_new: bool
    title: str = ""
    languages: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class StoryRoot:
    """The alert a follow-up follows: the first alert of the story for the rule and channel."""

    alert_id: str
    item_key: str
    title: str  # the headline that alert showed
    feed: str
    link: str
    # That alert's message on the channel, as the channel named it when it sent it (a
    # Telegram chat and message id, a Matrix room and event id), so the follow-up can reply
    # in its thread. Set by the drain just before a send, from the outbox; never stored in
    # the follow-up's payload (the root may be sent after the follow-up was queued).
    message_ref: str | None = None


@dataclass(frozen=True)
class Alert:
    """One alert for one (rule, item, channel). `id` is stable across retries and restarts."""

    id: str
    rule: str
    channel: str
    feed: str
    item_key: str
    item_id: str
    title: str
    summary: str
    link: str
    published_at: datetime
    language: str
    matched_terms: tuple[str, ...]
    snippet: str = ""
    hits: tuple[Hit, ...] = ()
    translation: Translation | None = None
    created_at: datetime | None = None
    # "match", "follow_up", "more_matches", "feed_failing", "feed_recovered", "test", "digest"
    kind: str = "match"
    # A digest (kind "digest") carries the alerts it summarises; every other kind has none.
    items: tuple["Alert", ...] = ()
    # A follow-up: the alert it follows, and the new sources of that story (the first is the
    # item this alert's own fields describe). A "more_matches" summary: the matches it stands
    # for (up to a bound) and how many there were.
    follows: StoryRoot | None = None
    sources: tuple[Source, ...] = ()
    count: int = 0
    # `full_text:` feeds: the article's first paragraphs, or why there are none ("article not
    # fetched: HTTP 404", "the page is behind a paywall").
    article: str = ""
    article_note: str = ""


@dataclass(frozen=True)
class StoredItem:
    """An item as the state keeps it, for reading (web UI, `monitor matches`/`search`).

    `translation` is the one its alerts carried (items are translated when they alert);
    `duplicate_of` is the story's first copy when another feed carried it first."""

    key: str
    feed: str
    item_id: str
    title: str
    summary: str
    link: str
    published_at: datetime
    first_seen_at: datetime
    language: str
    duplicate_of: str | None = None
    translation: Translation | None = None
    position: int = 0  # the store's insertion order: newer items have larger positions
    story_id: str | None = None  # a matched item's story (monitor.story_grouping), if any

    def as_item(self) -> Item:
        """The Item the matcher reads (title, summary, language as stored)."""
        return Item(feed=self.feed, id=self.item_id, key=self.key, title=self.title,
                    summary=self.summary, link=self.link, published_at=self.published_at,
                    language=self.language)


@dataclass(frozen=True)
class StoredMatch:
    """A recorded match: the rule, the item, the terms and where they are."""

    id: int  # increases with each match recorded: the matches page's cursor
    rule: str
    item: StoredItem
    matched_terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    created_at: datetime


@dataclass(frozen=True)
class MatchFilter:
    """Which recorded matches to list: every field narrows (None: any)."""

    rule: str | None = None
    language: str | None = None
    feed: str | None = None
    since: datetime | None = None  # matched at or after
    until: datetime | None = None  # matched before


@dataclass(frozen=True)
class FeedOutcome:
    """How one feed check went, for reports and `poll --json`."""

    name: str
    url: str
    status: str  # "ok", "not_modified", "unchanged", "error", "skipped"
    http_status: int | None = None
    new_items: int = 0
    error: str | None = None
    error_kind: str | None = None
    is_bozo: bool = False
    elapsed_ms: float = 0.0
    left_out: int = 0  # new items beyond max_items_per_check, left for the next checks


@dataclass
class PollReport:
    feeds: list[FeedOutcome] = field(default_factory=list)  # only failures when not kept
    items: list[Item] = field(default_factory=list)  # empty when the poll did not keep them
    matches: list[Match] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    item_count: int = 0  # counted whether or not they were kept
    match_count: int = 0
    alert_count: int = 0
    feed_counts: dict[str, int] = field(default_factory=dict)  # outcome status → feeds
    stories: dict[str, StoryPlace] = field(default_factory=dict)  # matched item key → story


@dataclass
class ChannelStatus:
    """How one channel's deliveries went since the daemon started (for /healthz, /metrics).

    `trying_since` is when the oldest send not yet followed by a success started: a channel
    whose sends hang, fail and back off, or go dead keeps it until one succeeds.
    """

    name: str
    trying_since: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = None
    sending_alert_id: str | None = None  # the send in flight, if any

    def stalled_seconds(self, now: datetime) -> float:
        """How long the channel has been trying without a success (0 when it is not)."""
        return 0.0 if self.trying_since is None else (now - self.trying_since).total_seconds()
