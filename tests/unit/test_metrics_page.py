"""The /metrics page's node families (issue 13), parsed by prometheus_client's reference parser:
a node of a shared state names itself and its holdings; a SQLite daemon names only its backend
and has no cluster families."""

from __future__ import annotations

from datetime import datetime, timezone

from prometheus_client.parser import text_string_to_metric_families

from monitor.metrics import Metrics, NodeGauges, render
from monitor.model import ChannelStatus

STARTED = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def page(node: NodeGauges | None) -> dict[tuple[str, tuple], float]:
    text = render(Metrics(), outbox={}, feeds=[], is_healthy=True, started_at=STARTED,
                  channels=[ChannelStatus("hook"), ChannelStatus("mail")], node=node)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_node_of_a_shared_state_names_itself_and_what_it_holds():
    m = page(NodeGauges("postgresql", 'node "a"', feed_leases=3, checks_superseded=2,
                        send_leases=("mail",), nodes_by_state={"alive": 2, "gone": 1}))
    assert m[("monitor_node_info", (("backend", "postgresql"), ("node", 'node "a"')))] == 1
    assert m[("monitor_feed_leases_held", ())] == 3
    assert m[("monitor_feed_checks_superseded_total", ())] == 2
    assert m[("monitor_channel_send_lease_held", (("channel", "hook"),))] == 0
    assert m[("monitor_channel_send_lease_held", (("channel", "mail"),))] == 1
    assert m[("monitor_cluster_nodes", (("state", "alive"),))] == 2
    assert m[("monitor_cluster_nodes", (("state", "gone"),))] == 1
    assert m[("monitor_cluster_nodes", (("state", "stopped"),))] == 0


def test_a_sqlite_daemon_has_no_cluster_families():
    m = page(NodeGauges("sqlite", None, feed_leases=1, checks_superseded=0))
    assert m[("monitor_node_info", (("backend", "sqlite"),))] == 1
    assert m[("monitor_feed_leases_held", ())] == 1
    names = {name for name, _ in m}
    assert not names & {"monitor_channel_send_lease_held", "monitor_cluster_nodes"}


def test_the_search_index_backlog_is_a_gauge_when_given():
    text = render(Metrics(), outbox={}, feeds=[], is_healthy=True, started_at=STARTED,
                  search_backlog=7)
    samples = {s.name: s.value for family in text_string_to_metric_families(text)
               for s in family.samples}
    assert samples["monitor_search_index_backlog"] == 7
    assert "monitor_search_index_backlog" not in page(None)
