"""`/metrics` per node (issue 13): two `monitor run` processes on one PostgreSQL database, each
with its own --health-port. Each page names its node, counts that node's checks and sends (they
add up to the cluster's: every feed checked once, every alert sent once), shows the feed lease it
holds while its check is in flight and the channel whose send lease it holds, and the nodes it
sees; a node that stops shows as stopped on the other's page, which takes its channel over."""

from __future__ import annotations

import pytest

from support.cli import write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss
from support.ports import free_port
from test_health import get, samples

pytestmark = pytest.mark.integration

FAST = 12
SLOW_SECONDS = 20.0  # the slow feed's answer: its lease is held that long, well after the rest



def scrape(port: int) -> dict:
    status, text = get(port, "/metrics")
    return samples(text) if status == 200 else {}


def total(pages: list[dict], name: str, labels: tuple = ()) -> float:
    return sum(page.get((name, labels), 0) for page in pages)


def checks(page: dict) -> float:
    return sum(v for (name, _), v in page.items() if name == "monitor_feed_checks_total")


def test_each_node_serves_its_own_metrics_and_they_add_up_to_the_cluster(
        tmp_path, feed_server, receiver, postgres_cluster, pg_database):
    feeds = [{"name": f"f{n}", "url": feed_server.set(
        f"/f{n}.xml", rss([{"guid": f"g{n}", "title": f"Drone story {n}"}])), "interval": "1h"}
        for n in range(FAST)]
    feeds.append({"name": "slow", "url": feed_server.set(
        "/slow.xml", rss([{"guid": "s", "title": "Drone story slow"}]),
        delay_seconds=SLOW_SECONDS), "interval": "1h"})
    write_config(tmp_path / "config.yaml", feeds, rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}],
                 state=postgres_cluster.url(pg_database))
    ports = {"node-a": free_port(), "node-b": free_port()}
    daemons = {name: DaemonProcess(tmp_path, "--health-port", str(port), tag=name,
                                   env={"MONITOR_NODE": name})
               for name, port in ports.items()}
    db = postgres_cluster.connect(pg_database)
    try:
        wait_for(lambda: all(scrape(p) for p in ports.values()), timeout=60,
                 what="both nodes' /metrics")
        receiver.wait_for(FAST, timeout=60, path="/hook")
        holder = db.execute("SELECT lease_node FROM feeds WHERE name = 'slow' "
                            "AND lease_until > now()").fetchone()
        assert holder is not None, f"the slow feed's check ({SLOW_SECONDS} s) was over before " \
                                   f"the {FAST} fast ones were delivered: the machine is too slow"
        pages = {name: scrape(port) for name, port in ports.items()}
        other = next(n for n in ports if n != holder[0])
        # The slow feed's check is the only one in flight: its node holds one lease.
        assert pages[holder[0]][("monitor_feed_leases_held", ())] == 1
        assert pages[other][("monitor_feed_leases_held", ())] == 0
        for name, page in pages.items():
            assert page[("monitor_node_info", (("backend", "postgresql"), ("node", name)))] == 1
            assert page[("monitor_cluster_nodes", (("state", "alive"),))] == 2
            assert page[("monitor_cluster_nodes", (("state", "gone"),))] == 0
            assert page[("monitor_feed_checks_superseded_total", ())] == 0

        receiver.wait_for(FAST + 1, timeout=60, path="/hook")
        wait_for(lambda: total([scrape(p) for p in ports.values()],
                               "monitor_alerts_sent_total") == FAST + 1,
                 what="every send counted by the node that made it")
        pages = {name: scrape(port) for name, port in ports.items()}
        # Every feed checked once across the cluster, each check counted by its node alone.
        assert sum(checks(page) for page in pages.values()) == FAST + 1
        assert sum(page[("monitor_polls_total", ())] for page in pages.values()) == FAST + 1
        assert len(feed_server.requests) == FAST + 1
        # One node holds the channel's send lease and made every send.
        sender = [n for n, page in pages.items()
                  if page[("monitor_channel_send_lease_held", (("channel", "hook"),))] == 1]
        assert len(sender) == 1, pages
        assert pages[sender[0]][("monitor_alerts_sent_total", ())] == FAST + 1
        # Cluster-wide gauges read the same on every node.
        for page in pages.values():
            assert page[("monitor_outbox_alerts", (("status", "sent"),))] == FAST + 1
        assert len(receiver.delivered("/hook")) == FAST + 1

        # The sender stops: the other node sees it stopped and takes its channel over.
        assert daemons[sender[0]].stop() == 0
        survivor = next(n for n in ports if n != sender[0])
        wait_for(lambda: scrape(ports[survivor]).get(
            ("monitor_channel_send_lease_held", (("channel", "hook"),))) == 1,
            timeout=30, what="the survivor to take the channel's send lease")
        page = scrape(ports[survivor])
        assert page[("monitor_cluster_nodes", (("state", "alive"),))] == 1
        assert page[("monitor_cluster_nodes", (("state", "stopped"),))] == 1
        assert daemons[survivor].stop() == 0
    finally:
        db.close()
        for daemon in daemons.values():
            daemon.close()
