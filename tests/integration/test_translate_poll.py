"""End to end: `monitor poll` against a real local feed server translates matching items with
an installed (tiny, real) Argos package, offline, and opens no connection but to that server."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from support.cli import ROOT, run_cli, write_config
from support.feed_server import rss
from support.translation import requires_apertium, tiny_archives  # noqa: F401  (fixture)

pytestmark = [pytest.mark.integration, pytest.mark.translation_model]

RU_ITEM = {"guid": "ru-1", "title": "Лукашенко посетил завод в Минске",
           "description": "Дрон сбит у границы НАТО. Рабочие завода видели дрон.",
           "link": "https://news.example/ru-1"}
RU_OTHER = {"guid": "ru-2", "title": "Погода в Москве", "description": "Солнечно и тепло.",
            "link": "https://news.example/ru-2"}
BE_ITEM = {"guid": "be-1", "title": "Дрон над Мінскам: завод у Мінску спынены",
           "description": "Памежнікі паведамілі пра дрон.", "link": "https://news.example/be-1"}


def audited_poll(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """`monitor poll` in a fresh interpreter with an audit hook on every network call."""
    log = tmp_path / "audit.json"
    env = {"MONITOR_AUDIT_LOG": str(log), "PYTHONPATH": str(ROOT),
           "HOME": str(tmp_path / "home"), "PATH": "/usr/local/bin:/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, str(ROOT / "tests/support/audited_monitor.py"),
                           "poll", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    return proc, json.loads(log.read_text(encoding="utf-8"))


def outbox_translations(tmp_path: Path) -> dict[str, dict]:
    db = sqlite3.connect(tmp_path / "monitor.db")
    rows = [json.loads(p) for (p,) in db.execute("SELECT payload FROM outbox ORDER BY id")]
    return {row["item_id"]: row["translation"] for row in rows}


def test_poll_alert_carries_the_installed_packages_translation_and_opens_no_other_socket(
        feed_server, tmp_path, tiny_archives):
    url = feed_server.set("/ru.xml", rss([RU_ITEM, RU_OTHER], language="ru"))
    write_config(tmp_path / "config.yaml", [{"name": "ru-news", "url": url, "language": "ru"}],
                 rules=[{"name": "drones", "query": {"ru": "дрон"}}],
                 translation={"models_dir": "models", "apertium": False})
    installed = run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path)
    assert installed.code == 0, installed.stderr

    proc, audit = audited_poll(tmp_path)
    assert proc.returncode == 0, proc.stderr
    # The console channel prints the alert with its translation under the original.
    assert "[drones] Лукашенко посетил завод в Минске" in proc.stdout
    assert "  en: Lukashenko посетил factory в Minskе" in proc.stdout
    assert "  en: Дрон сбит у границы NATO. Рабочие factoryа видели drone." in proc.stdout
    assert "Погода" not in proc.stdout  # matching ran on the original text: no match, no alert
    assert outbox_translations(tmp_path)["ru-1"] == {
        "source_language": "ru", "target_language": "en",
        "title": "Lukashenko посетил factory в Minskе",
        "summary": "Дрон сбит у границы NATO. Рабочие factoryа видели drone.",
        "route": "argos:ru-en", "note": None}

    # Offline: every socket went to the test's own feed server, and nothing else was asked.
    connects = [e for e in audit["events"] if e["event"] == "socket.connect"
                and e["family"] in (2, 10)]
    assert connects, "the audit hook saw no connection at all: it is not working"
    assert {tuple(e["address"][:2]) for e in connects} == {("127.0.0.1", feed_server.port)}
    others = [e for e in audit["events"] if e["event"] != "socket.connect"]
    assert all("127.0.0.1" in json.dumps(e["args"]) for e in others
               if e["event"] == "socket.getaddrinfo"), others
    assert not [e for e in others if e["event"] in ("urllib.Request", "socket.sendto")], others
    # The model ran (ctranslate2), and what phones home or downloads was never imported.
    assert "ctranslate2" in audit["modules"]
    assert not [m for m in audit["modules"]
                if m.split(".")[0] in ("onnxruntime", "minisbd", "stanza", "spacy")
                or m == "argostranslate.translate"]
    assert audit["ORT_DISABLE_TELEMETRY"] == "1"


def test_poll_without_models_sends_the_alert_untranslated_with_a_note(feed_server, tmp_path):
    url = feed_server.set("/ru.xml", rss([RU_ITEM], language="ru"))
    write_config(tmp_path / "config.yaml", [{"name": "ru-news", "url": url, "language": "ru"}],
                 rules=[{"name": "drones", "query": {"ru": "дрон"}}],
                 translation={"apertium": False})
    proc, audit = audited_poll(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[drones] Лукашенко посетил завод в Минске" in proc.stdout
    assert "(translation unavailable: no ru→en route; run `monitor models install ru en`)" \
        in proc.stdout
    assert outbox_translations(tmp_path)["ru-1"]["note"].startswith("translation unavailable")
    # No model, so nothing heavy was imported either: `monitor poll` stays fast.
    assert [m for m in audit["modules"] if m.split(".")[0] in ("argostranslate", "ctranslate2",
                                                               "onnxruntime")] == []


def test_poll_with_a_broken_model_still_delivers_every_alert(feed_server, tmp_path,
                                                             tiny_archives):
    url = feed_server.set("/ru.xml", rss([RU_ITEM], language="ru"))
    write_config(tmp_path / "config.yaml", [{"name": "ru-news", "url": url, "language": "ru"}],
                 rules=[{"name": "drones", "query": {"ru": "дрон"}}],
                 translation={"models_dir": "models", "apertium": False})
    assert run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path).code == 0
    for model_bin in (tmp_path / "models").glob("*/model/model.bin"):
        model_bin.write_bytes(b"\0" * 64)
    result = run_cli("poll", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "[drones] Лукашенко посетил завод в Минске" in result.stdout
    assert "(translation failed: model ru→en (" in result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith("alerts: 1 sent")


@requires_apertium
def test_poll_translates_belarusian_through_apertium_and_russian_in_the_same_batch(
        feed_server, tmp_path, tiny_archives):
    ru = feed_server.set("/ru.xml", rss([RU_ITEM], language="ru"))
    be = feed_server.set("/be.xml", rss([BE_ITEM], language="be"))
    write_config(tmp_path / "config.yaml",
                 [{"name": "ru-news", "url": ru, "language": "ru"},
                  {"name": "be-news", "url": be, "language": "be"}],
                 rules=[{"name": "drones", "query": {"ru": "дрон", "be": "дрон"}}],
                 translation={"models_dir": "models"})
    assert run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path).code == 0
    result = run_cli("poll", "--log-level", "info", cwd=tmp_path)
    assert result.code == 0, result.stderr
    translations = outbox_translations(tmp_path)
    assert translations["be-1"]["route"] == "apertium:be-ru+argos:ru-en"
    # apertium bel-rus turns Мінск into Минск, which the ru→en package knows.
    assert "Minsk" in translations["be-1"]["title"]
    assert translations["ru-1"]["route"] == "argos:ru-en"
    # One poll, one "Items translated" line: both feeds' items went through one call.
    assert result.stderr.count("Items translated") == 1
