"""Counters for `/metrics`, rendered in the Prometheus text exposition format (0.0.4). Pure.

The daemon counts what its polls and drains report; gauges that live in the state (outbox
depth, each feed's last success) are read from the store at scrape time and passed in.

On a shared PostgreSQL state every node serves its own page: the counters are this node's work
(its checks, its sends), `monitor_node_info` names the node, and the node gauges say what it
holds now (feed leases, channels' send leases) and how many nodes it sees alive. The gauges read
from the state (outbox, feeds, channels' failures) are the cluster's and read the same on every
node: aggregate them with max(), not sum().
Hand-written rather than prometheus_client: a dozen series, no global registry to reset
between tests, no dependency.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Mapping

from monitor.model import ChannelStatus, FeedOutcome, FeedState


@dataclass
class Metrics:
    polls: int = 0
    feed_checks: Counter = field(default_factory=Counter)  # status → count
    fetch_errors: Counter = field(default_factory=Counter)  # error kind → count
    items: int = 0
    matches: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0
    alerts_dead: int = 0

    def record_poll(self, outcomes: Iterable[FeedOutcome], items: int, matches: int) -> None:
        self.polls += 1
        for o in outcomes:
            self.feed_checks[o.status] += 1
            if o.status == "error":
                self.fetch_errors[o.error_kind or "unknown"] += 1
        self.items += items
        self.matches += matches

    def record_drain(self, sent: int, failed: int, dead: int) -> None:
        self.alerts_sent += sent
        self.alerts_failed += failed
        self.alerts_dead += dead


@dataclass(frozen=True)
class NodeGauges:
    """This node among the others, read at scrape time."""

    backend: str  # "sqlite" or "postgresql"
    name: str | None  # its name among the nodes (None on SQLite: no cluster)
    feed_leases: int  # feeds it holds a lease on now: its checks in flight
    checks_superseded: int  # checks whose feed another node took over before the commit
    send_leases: tuple[str, ...] = ()  # channels whose send lease it holds now
    nodes_by_state: Mapping[str, int] = field(default_factory=dict)  # alive/gone/stopped


def render(metrics: Metrics, *, outbox: Mapping[str, int], feeds: Iterable[FeedState],
           is_healthy: bool, started_at: datetime, channels: Iterable[ChannelStatus] = (),
           stalled: Iterable[str] = (), node: NodeGauges | None = None,
           search_backlog: int | None = None) -> str:
    """The whole /metrics page."""
    out: list[str] = []

    def family(name: str, kind: str, help_text: str,
               samples: Iterable[tuple[Mapping[str, str], float]]) -> None:
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            out.append(f"{name}{_labels(labels)} {_number(value)}")

    family("monitor_up", "gauge", "1 when /healthz answers ok.",
           [({}, 1 if is_healthy else 0)])
    family("monitor_start_time_seconds", "gauge", "When the daemon started (Unix time).",
           [({}, started_at.timestamp())])
    family("monitor_polls_total", "counter", "Scheduled polls run (one per feed job).",
           [({}, metrics.polls)])
    family("monitor_feed_checks_total", "counter", "Feed checks by outcome.",
           [({"status": s}, n) for s, n in sorted(metrics.feed_checks.items())])
    family("monitor_fetch_errors_total", "counter", "Failed feed checks by error kind.",
           [({"kind": k}, n) for k, n in sorted(metrics.fetch_errors.items())])
    family("monitor_items_total", "counter", "New items recorded.", [({}, metrics.items)])
    family("monitor_matches_total", "counter", "Rule matches recorded.",
           [({}, metrics.matches)])
    family("monitor_alerts_sent_total", "counter", "Alerts delivered.",
           [({}, metrics.alerts_sent)])
    family("monitor_alerts_failed_total", "counter",
           "Delivery attempts that failed and will be retried.", [({}, metrics.alerts_failed)])
    family("monitor_alerts_dead_total", "counter", "Alerts given up on (dead-lettered).",
           [({}, metrics.alerts_dead)])
    family("monitor_outbox_alerts", "gauge", "Alerts in the outbox by status.",
           [({"status": s}, outbox.get(s, 0)) for s in ("pending", "sent", "dead")])
    if search_backlog is not None:
        family("monitor_search_index_backlog", "gauge",
               "Stored items not yet in the search index: the daemon takes them in within "
               "seconds; a value that keeps growing means the indexing is stuck.",
               [({}, search_backlog)])
    feeds = list(feeds)
    family("monitor_feed_last_success_timestamp_seconds", "gauge",
           "Last successful check of each feed (Unix time).",
           [({"feed": f.name}, f.last_success_at.timestamp()) for f in feeds
            if f.last_success_at is not None])
    family("monitor_feed_consecutive_failures", "gauge",
           "Failed checks in a row for each feed.",
           [({"feed": f.name}, f.consecutive_failures) for f in feeds])
    channels, stalled = list(channels), set(stalled)
    family("monitor_channel_stalled", "gauge",
           "1 while a channel has been trying without a success for delivery.stalled_after.",
           [({"channel": c.name}, 1 if c.name in stalled else 0) for c in channels])
    family("monitor_channel_consecutive_failures", "gauge",
           "Failed sends in a row for each channel.",
           [({"channel": c.name}, c.consecutive_failures) for c in channels])
    family("monitor_channel_last_success_timestamp_seconds", "gauge",
           "Last successful send of each channel (Unix time).",
           [({"channel": c.name}, c.last_success_at.timestamp()) for c in channels
            if c.last_success_at is not None])
    if node is not None:
        _node_families(family, node, [c.name for c in channels])
    return "\n".join(out) + "\n"


def _node_families(family, node: NodeGauges, channels: list[str]) -> None:
    identity = {"backend": node.backend} | ({"node": node.name} if node.name else {})
    family("monitor_node_info", "gauge",
           "This process: the state's backend and, on a shared state, its node name.",
           [(identity, 1)])
    family("monitor_feed_leases_held", "gauge",
           "Feeds this node holds a lease on now (its checks in flight).",
           [({}, node.feed_leases)])
    family("monitor_feed_checks_superseded_total", "counter",
           "Checks of this node not recorded: its lease had expired and another node held "
           "the feed (that node's check counts).", [({}, node.checks_superseded)])
    if node.name is None:
        return
    family("monitor_channel_send_lease_held", "gauge",
           "1 for each channel this node holds the send lease of now (one node sends a "
           "channel's alerts at a time), else 0.",
           [({"channel": c}, 1 if c in node.send_leases else 0) for c in channels])
    family("monitor_cluster_nodes", "gauge",
           "Nodes seen in the last day, as this node sees them (alive, gone, stopped).",
           [({"state": s}, node.nodes_by_state.get(s, 0))
            for s in ("alive", "gone", "stopped")])


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))
