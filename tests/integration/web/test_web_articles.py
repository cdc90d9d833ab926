"""The web UI and the articles of `full_text:` feeds (issues 14 and 16): the item page shows
the stored article with the body's matched words marked, and the rule preview matches the
articles of `full_text: all` feeds as the rule would (`body:` included), not those of
`matched` feeds (read after matching: a rule never sees them).

A real loopback server carries the feeds and the article pages (tests/data/articles); the
real `monitor poll` fills the state; Starlette's TestClient reads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor.config import load_config
from monitor.web import WebSettings
from monitor.web.server import build_app
from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration

PAGES = Path(__file__).resolve().parents[2] / "data" / "articles"


@pytest.fixture
def client(feed_server, tmp_path):
    def page(name: str) -> str:
        return feed_server.set(f"/{name}", (PAGES / name).read_bytes(), content_type="text/html")
    en = feed_server.set("/en.xml", rss([{"guid": "en-1", "title": "Drones seen over Minsk",
                                          "description": "Residents reported drones.",
                                          "link": page("en_boilerplate.html")}]))
    ru = feed_server.set("/ru.xml", rss([{"guid": "ru-1", "title": "Беспилотники над Брянском",
                                          "description": "Подробности в статье.",
                                          "link": page("ru_cp1251.html")}], language="ru"))
    write_config(tmp_path / "config.yaml",
                 [{"name": "en-all", "url": en, "full_text": "all"},
                  {"name": "ru-matched", "url": ru, "full_text": "matched"}],
                 rules=[{"name": "grid", "query": "body:substation"},
                        {"name": "drones", "query": {"ru": "беспилотник"}}],
                 translation={"enabled": False})
    result = run_cli("poll", cwd=tmp_path)
    assert result.code == 0, result.stderr
    config = load_config(tmp_path / "config.yaml")
    with TestClient(build_app(lambda: config, WebSettings()),
                    base_url="https://127.0.0.1:8080") as c:
        yield c


def item_key(client: TestClient, rule: str) -> str:
    return re.search(r'href="/items/(\w+)"', client.get(f"/matches?rule={rule}").text).group(1)


def test_the_item_page_shows_the_article_with_the_body_hits_marked(client):
    page = client.get(f"/items/{item_key(client, 'grid')}").text
    article = page[page.index('<section class="article">'):]
    article = article[:article.index("</section>")]
    assert "transformer <mark>substation</mark>" in article
    assert "Accept all cookies" not in article  # the extracted text, not the page
    ru = client.get(f"/items/{item_key(client, 'drones')}").text
    assert "беспилотников атаковали нефтебазу" in ru  # windows-1251, decoded


def test_the_preview_reads_the_articles_of_all_feeds_only(client):
    def matched(query: str) -> list[str]:
        frag = client.get("/rules/preview", params={"query": query}).text
        return re.findall(r'<h3 lang="\w+"><a href="/items/\w+">(.*?)</a></h3>', frag)
    assert matched("body:substation") == ["Drones seen over Minsk"]
    assert matched("substation NEAR/3 transformer") == ["Drones seen over Minsk"]
    # The Russian feed reads `matched`: its article came after matching, a rule never sees it.
    assert matched("нефтебазу") == []
    assert matched("беспилотник") == ["<mark>Беспилотники</mark> над Брянском"]
