#!/usr/bin/env python3
"""A feed farm for bench/poll.py: N realistic RSS 2.0 feeds on disk, served on 127.0.0.1.

The generator is adapted from the team's feedfarm tool (shared/tools/feedfarm/gen_farm.py, whose
figures are in shared/ref/perf-anchors.md): per feed 30 items of en/ru/be word salad with HTML
descriptions (entity-escaped or CDATA), WordPress-style content:encoded in 30 % of the feeds,
dc:creator, categories, enclosures, stable guids. Item k of feed f is a pure function of
(seed, f, k), so advancing a feed only adds items and every other byte of the farm stays put.

`Farm.generate` writes a farm, `Farm.adopt` copies a folder of someone else's feeds,
`Farm.advance` publishes 1-3 new items in a fraction of the feeds (rewriting only those files,
so the others keep their ETag and Last-Modified), and `serve` runs nginx when it is installed,
else a threaded Python server, with ETag/Last-Modified or (validators=False) without them.

With `article_base` (bench/fulltext.py), every item links to its article page on a second
server (`ArticleServer`, `python bench/farm.py articles --port P`): a page made from the item
(same seed, feed and number) with the boilerplate of a news site (cookie banner, menu, related
links, comments, footer, a large inline script) around the item's paragraphs and more of its
own; a third of the ru/be pages are windows-1251 and served without a charset.

    python bench/farm.py gen --out /tmp/farm -n 1000
    python bench/farm.py serve /tmp/farm [--port 0] [--no-validators]   (the Python server)
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import hashlib
import html
import json
import os
import random
import re
import shutil
import signal
import pwd
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# ---------------------------------------------------------------- vocabulary
EN = """government minister parliament election economy market prices inflation bank
central rate growth company shares investors report statement official spokesman police
court judge trial sentence protest rally opposition leader president prime coalition
budget tax reform energy gas oil pipeline electricity nuclear plant border crossing
trade export import sanctions talks summit agreement treaty security defence army
soldiers exercise drills weapons missile drone attack ceasefire negotiations refugees
migrants asylum weather storm flood heat record temperature forecast snow ice road
traffic accident railway train station airport flight airline passengers hospital
doctors health ministry vaccine outbreak virus patients school students university
teachers exam science research study scientists climate emissions carbon forest river
lake city council mayor residents housing construction project investment factory
workers salary pension unemployment jobs technology software internet network data
privacy hackers cyber platform app users service football match league championship
team coach player goal victory defeat season tournament olympic hockey tennis final
culture festival concert museum exhibition film director award book writer theatre
history anniversary memorial church archive journalist media newspaper editor press
freedom rights activists detained released charged investigation prosecutor evidence
witnesses sources confirmed denied announced warned expected reported according said
new old major local national regional international european eastern western
northern southern first second last next week month year today yesterday tomorrow
morning evening night early late high low large small quickly slowly despite amid
after before during against between within across without under over""".split()

EN_PLACES = """Minsk Vilnius Warsaw Kyiv Moscow Riga Brest Grodno Gomel Mogilev Vitebsk
Berlin Brussels London Washington Beijing Geneva Tallinn Lviv Bialystok""".split()

RU = """правительство министр парламент выборы экономика рынок цены инфляция банк
центральный ставка рост компания акции инвесторы доклад заявление официальный
представитель полиция суд судья процесс приговор протест митинг оппозиция лидер
президент премьер коалиция бюджет налог реформа энергетика газ нефть трубопровод
электричество атомная станция граница переход торговля экспорт импорт санкции
переговоры саммит соглашение договор безопасность оборона армия военные учения
оружие ракета беспилотник атака перемирие беженцы мигранты погода шторм наводнение
жара рекорд температура прогноз снег гололёд дорога движение авария железная
дорога поезд вокзал аэропорт рейс авиакомпания пассажиры больница врачи
здравоохранение вакцина вспышка вирус пациенты школа студенты университет учителя
экзамен наука исследование учёные климат выбросы лес река озеро город совет мэр
жители жильё строительство проект инвестиции завод рабочие зарплата пенсия
безработица работа технологии программа интернет сеть данные хакеры платформа
приложение пользователи сервис футбол матч лига чемпионат команда тренер игрок гол
победа поражение сезон турнир хоккей теннис финал культура фестиваль концерт музей
выставка фильм режиссёр премия книга писатель театр история годовщина память
церковь архив журналист издание газета редактор пресса свобода права активисты
задержаны освобождены обвинение расследование прокурор доказательства свидетели
источники подтвердили опровергли объявили предупредили ожидается сообщили заявил
новый старый крупный местный национальный региональный международный европейский
восточный западный первый второй последний следующий неделя месяц год сегодня
вчера завтра утром вечером ночью рано поздно высокий низкий быстро медленно
несмотря после перед во время против между внутри через без под над""".split()

RU_PLACES = """Минск Вильнюс Варшава Киев Москва Рига Брест Гродно Гомель Могилёв Витебск
Берлин Брюссель Лондон Вашингтон Пекин Женева Таллин Львов Белосток""".split()

BE = """урад міністр парламент выбары эканоміка рынак цэны інфляцыя банк
цэнтральны стаўка рост кампанія акцыі інвестары даклад заява афіцыйны прадстаўнік
міліцыя суд суддзя працэс прысуд пратэст мітынг апазіцыя лідар прэзідэнт прэм'ер
кааліцыя бюджэт падатак рэформа энергетыка газ нафта трубаправод электрычнасць
атамная станцыя мяжа пераход гандаль экспарт імпарт санкцыі перамовы саміт
пагадненне дамова бяспека абарона армія вайскоўцы вучэнні зброя ракета беспілотнік
атака перамір'е бежанцы мігранты надвор'е шторм паводка спёка рэкорд тэмпература
прагноз снег галалёд дарога рух аварыя чыгунка цягнік вакзал аэрапорт рэйс
авіякампанія пасажыры бальніца лекары ахова здароўя вакцына ўспышка вірус
пацыенты школа студэнты універсітэт настаўнікі экзамен навука даследаванне
навукоўцы клімат выкіды лес рака возера горад савет мэр жыхары жыллё будаўніцтва
праект інвестыцыі завод рабочыя заробак пенсія беспрацоўе праца тэхналогіі
праграма інтэрнэт сетка даныя хакеры платформа дадатак карыстальнікі сэрвіс
футбол матч ліга чэмпіянат каманда трэнер гулец гол перамога паражэнне сезон
турнір хакей тэніс фінал культура фестываль канцэрт музей выстава фільм рэжысёр
прэмія кніга пісьменнік тэатр гісторыя гадавіна памяць царква архіў журналіст
выданне газета рэдактар прэса свабода правы актывісты затрыманыя вызваленыя
абвінавачанне расследаванне пракурор доказы сведкі крыніцы пацвердзілі абвергнулі
абвясцілі папярэдзілі чакаецца паведамілі заявіў новы стары буйны мясцовы
нацыянальны рэгіянальны міжнародны еўрапейскі ўсходні заходні першы другі апошні
наступны тыдзень месяц год сёння ўчора заўтра раніцай увечары ноччу рана позна
высокі нізкі хутка павольна нягледзячы пасля перад падчас супраць паміж унутры
праз без пад над""".split()

BE_PLACES = """Мінск Вільня Варшава Кіеў Масква Рыга Берасце Гродна Гомель Магілёў Віцебск
Берлін Брусель Лондан Вашынгтон Пекін Жэнева Талін Львоў Беласток""".split()

LANGS = {
    "en": (EN, EN_PLACES, ["World", "Politics", "Economy", "Sport", "Culture", "Science", "Society"],
           "News", ["Reuters-style desk", "Staff reporter", "Our correspondent"]),
    "ru": (RU, RU_PLACES, ["В мире", "Политика", "Экономика", "Спорт", "Культура", "Наука", "Общество"],
           "Новости", ["Редакция", "Корреспондент", "Собкор"]),
    "be": (BE, BE_PLACES, ["У свеце", "Палітыка", "Эканоміка", "Спорт", "Культура", "Навука", "Грамадства"],
           "Навіны", ["Рэдакцыя", "Карэспандэнт", "Уласны карэспандэнт"]),
}
READ_MORE = {"en": "Read more", "ru": "Читать далее", "be": "Чытаць далей"}

BASE_TIME = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)   # fixed: reproducible dates


def words(rng, lang, n):
    vocab, places = LANGS[lang][0], LANGS[lang][1]
    out = []
    for _ in range(n):
        out.append(rng.choice(places) if rng.random() < 0.06 else rng.choice(vocab))
    return out


def sentence_text(rng, lang, n):
    """n words as 1-4 sentences with punctuation, quotes and numbers."""
    ws = words(rng, lang, n)
    out, i = [], 0
    while i < len(ws):
        k = min(len(ws) - i, rng.randint(6, 18))
        chunk = ws[i:i + k]
        chunk[0] = chunk[0][:1].upper() + chunk[0][1:]
        if rng.random() < 0.25:
            chunk.insert(rng.randrange(len(chunk)), str(rng.randint(2, 2026)))
        if rng.random() < 0.2 and len(chunk) > 3:
            j = rng.randrange(len(chunk) - 2)
            q = ("\u201c", "\u201d") if lang == "en" else ("\u00ab", "\u00bb")
            chunk[j] = q[0] + chunk[j]
            chunk[j + 1] = chunk[j + 1] + q[1]
        out.append(" ".join(chunk) + rng.choice([".", ".", ".", "!", "?", ":"]))
        i += k
    return " ".join(out)


class FeedSpec:
    """Per-feed constants, derived from (seed, feed index) only."""

    def __init__(self, seed, idx):
        r = random.Random(f"{seed}:feed:{idx}")
        self.idx = idx
        self.lang = r.choices(["en", "ru", "be"], weights=[40, 35, 25])[0]
        self.host = f"news{idx:04d}.example.test"
        self.cdata = r.random() < 0.5            # HTML as CDATA vs entity-escaped
        self.content_encoded = r.random() < 0.3   # some feeds ship teaser + full text
        self.dc_creator = r.random() < 0.6
        self.enclosure = r.random() < 0.5
        self.guid_permalink = r.random() < 0.5
        self.interval_min = r.choice([7, 11, 15, 20, 30, 45, 60, 90])
        self.title = f"{LANGS[self.lang][3]} #{idx} \u2014 " + " ".join(words(r, self.lang, 3)).title()


def make_item(seed, spec, k, article_base=None):
    """Item number k (0-based, ever-increasing) of a feed: deterministic."""
    r = random.Random(f"{seed}:item:{spec.idx}:{k}")
    lang = spec.lang
    if r.random() < 0.1:                       # mixed-language items in some feeds
        lang = r.choice(["en", "ru", "be"])
    title = sentence_text(r, lang, r.randint(7, 16)).rstrip(".!?:")
    slug = f"{k:06d}-{r.getrandbits(32):08x}"
    link = f"https://{spec.host}/{lang}/news/{slug}.html" if article_base is None else \
        f"{article_base}a/{seed}/{spec.idx}/{k}.html"
    guid = link if spec.guid_permalink else f"urn:uuid:{random.Random(f'{seed}:guid:{spec.idx}:{k}').getrandbits(128):032x}"
    pub = BASE_TIME + dt.timedelta(minutes=spec.interval_min * k + r.randint(0, 5))
    nwords = r.randint(20, 80)
    paras, left = [], nwords
    while left > 0:
        n = min(left, r.randint(15, 40))
        paras.append(sentence_text(r, lang, n))
        left -= n
    img = f'<img src="https://{spec.host}/img/{slug}.jpg" alt="" width="640" height="360" loading="lazy" />'
    body = "".join(
        f"<p>{html.escape(p, quote=False)}</p>" if i else f"<p><strong>{html.escape(p, quote=False)}</strong></p>"
        for i, p in enumerate(paras))
    desc_html = (f'{img if r.random() < 0.6 else ""}{body}'
                 f'<p><a href="{link}?utm_source=rss&amp;utm_medium=feed" target="_blank" rel="noopener">'
                 f'{READ_MORE[lang]}&nbsp;&rarr;</a></p>')
    cats = r.sample(LANGS[lang][2], r.randint(1, 3))
    author = r.choice(LANGS[lang][4])
    full = None
    if spec.content_encoded:
        # WordPress style: <description> is a plain-text teaser, <content:encoded> the full HTML
        full = desc_html
        teaser = " ".join(paras[0].split()[:r.randint(20, 30)])
        desc_html = html.escape(teaser, quote=False) + " [&#8230;]"
    return dict(title=title, link=link, guid=guid, pub=pub, desc=desc_html, cats=cats,
                author=author, full=full, slug=slug, size=r.randint(40_000, 900_000),
                lang=lang, paras=paras)


def wrap_html(spec, s):
    if spec.cdata:
        return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return html.escape(s, quote=False)


def render_feed(seed, spec, total, n_items, self_url, article_base=None):
    first = max(0, total - n_items)
    items = [make_item(seed, spec, k, article_base)
             for k in range(total - 1, first - 1, -1)]  # newest first
    last = items[0]["pub"] if items else BASE_TIME
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n',
           f"<title>{html.escape(spec.title, quote=False)}</title>\n",
           f"<link>https://{spec.host}/</link>\n",
           f'<atom:link href="{html.escape(self_url)}" rel="self" type="application/rss+xml" />\n',
           f"<description>{html.escape(spec.title, quote=False)} \u2014 RSS</description>\n",
           f"<language>{spec.lang}</language>\n",
           f"<lastBuildDate>{email.utils.format_datetime(last)}</lastBuildDate>\n",
           "<generator>feedfarm gen_farm.py</generator>\n<ttl>15</ttl>\n",
           f"<image><url>https://{spec.host}/logo.png</url><title>{html.escape(spec.title, quote=False)}</title>"
           f"<link>https://{spec.host}/</link></image>\n"]
    for it in items:
        out.append("<item>\n")
        out.append(f"  <title>{html.escape(it['title'], quote=False)}</title>\n")
        out.append(f"  <link>{html.escape(it['link'])}</link>\n")
        pl = "true" if spec.guid_permalink else "false"
        out.append(f'  <guid isPermaLink="{pl}">{html.escape(it["guid"])}</guid>\n')
        out.append(f"  <pubDate>{email.utils.format_datetime(it['pub'])}</pubDate>\n")
        if spec.dc_creator:
            out.append(f"  <dc:creator>{html.escape(it['author'], quote=False)}</dc:creator>\n")
        for c in it["cats"]:
            out.append(f"  <category>{html.escape(c, quote=False)}</category>\n")
        out.append(f"  <description>{wrap_html(spec, it['desc'])}</description>\n")
        if it["full"] is not None:
            out.append(f"  <content:encoded><![CDATA[{it['full']}]]></content:encoded>\n")
        if spec.enclosure:
            out.append(f'  <enclosure url="https://{spec.host}/img/{it["slug"]}.jpg" '
                       f'length="{it["size"]}" type="image/jpeg" />\n')
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


# ---------------------------------------------------------------- the farm on disk

FEEDS = "feeds"
STATE = "farm.json"


@dataclass
class Farm:
    """A farm folder: feeds/*.xml plus farm.json (what was generated, and each feed's items)."""

    root: Path

    @property
    def feeds_dir(self) -> Path:
        return self.root / FEEDS

    def state(self) -> dict:
        return json.loads((self.root / STATE).read_text())

    def _save(self, state: dict) -> None:
        tmp = self.root / (STATE + ".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.root / STATE)

    @classmethod
    def generate(cls, root: Path, n: int, *, items: int = 30, seed: int = 1,
                 base_url: str = "http://127.0.0.1/feeds/",
                 article_base: str | None = None) -> "Farm":
        farm = cls(Path(root))
        farm.feeds_dir.mkdir(parents=True, exist_ok=True)
        totals = [items + random.Random(f"{seed}:start:{i}").randint(0, 400) for i in range(n)]
        state = {"kind": "generated", "seed": seed, "n": n, "items": items,
                 "base_url": base_url, "article_base": article_base, "totals": totals,
                 "round": 0,
                 "files": [f"f{i:04d}.xml" for i in range(n)]}
        for i in range(n):
            farm._write(state, i)
        farm._save(state)
        return farm

    @classmethod
    def adopt(cls, root: Path, folder: Path) -> "Farm":
        """A farm of someone else's feeds (every *.xml under `folder`)."""
        farm = cls(Path(root))
        farm.feeds_dir.mkdir(parents=True, exist_ok=True)
        files = []
        for i, path in enumerate(sorted(Path(folder).rglob("*.xml"))):
            name = f"f{i:04d}.xml"
            shutil.copyfile(path, farm.feeds_dir / name)
            files.append(name)
        if not files:
            raise SystemExit(f"{folder}: no *.xml files")
        farm._save({"kind": "adopted", "source": str(folder), "n": len(files), "round": 0,
                    "files": files})
        return farm

    def _write(self, state: dict, i: int) -> int:
        spec = FeedSpec(state["seed"], i)
        data = render_feed(state["seed"], spec, state["totals"][i], state["items"],
                           state["base_url"] + f"f{i:04d}.xml", state.get("article_base"))
        path = self.feeds_dir / f"f{i:04d}.xml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return len(data)

    def files(self) -> list[str]:
        return self.state()["files"]

    def size_bytes(self) -> int:
        return sum((self.feeds_dir / f).stat().st_size for f in self.files())

    def guids(self) -> dict[str, list[str]] | None:
        """feed file → the guids of the items it holds now (generated farms only)."""
        state = self.state()
        if state["kind"] != "generated":
            return None
        out = {}
        for i, name in enumerate(state["files"]):
            spec = FeedSpec(state["seed"], i)
            total = state["totals"][i]
            out[name] = [make_item(state["seed"], spec, k, state.get("article_base"))["guid"]
                         for k in range(total - 1, max(0, total - state["items"]) - 1, -1)]
        return out

    def advance(self, fraction: float = 0.1) -> dict[str, int]:
        """Publish 1-3 new items in `fraction` of the feeds; returns file → items added."""
        state = self.state()
        rnd = state["round"] + 1
        r = random.Random(f"{state.get('seed', 0)}:advance:{rnd}")
        chosen = sorted(r.sample(range(state["n"]), max(1, round(state["n"] * fraction))))
        added = {}
        for i in chosen:
            k = r.randint(1, 3)
            name = state["files"][i]
            if state["kind"] == "generated":
                state["totals"][i] += k
                self._write(state, i)
            else:
                _insert_items(self.feeds_dir / name, rnd, k)
            added[name] = k
        # Last-Modified has a one-second resolution: make sure a rewritten file's date moves.
        later = time.time() + 2
        for name in added:
            os.utime(self.feeds_dir / name, (later, later))
        state["round"] = rnd
        self._save(state)
        return added


_FIRST_ITEM = re.compile(rb"<(item|entry)[\s>]")


def _insert_items(path: Path, rnd: int, k: int) -> None:
    """Add k items to someone else's feed, before its first item (RSS) or entry (Atom)."""
    data = path.read_bytes()
    m = _FIRST_ITEM.search(data)
    if not m:
        return
    tag = m.group(1).decode()
    stamp = email.utils.formatdate(usegmt=True)
    new = []
    for j in range(k):
        uid = hashlib.sha1(f"{path.name}:{rnd}:{j}".encode()).hexdigest()
        if tag == "item":
            new.append(f"<item><title>Bench item {rnd}.{j} {uid[:8]}</title>"
                       f"<guid isPermaLink=\"false\">bench:{uid}</guid>"
                       f"<pubDate>{stamp}</pubDate><description>added</description></item>\n")
        else:
            new.append(f"<entry><title>Bench item {rnd}.{j} {uid[:8]}</title>"
                       f"<id>bench:{uid}</id><updated>{dt.datetime.now(dt.timezone.utc).isoformat()}"
                       f"</updated><summary>added</summary></entry>\n")
    path.write_bytes(data[:m.start()] + "".join(new).encode() + data[m.start():])


# ---------------------------------------------------------------- article pages

_PAGE = """<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{title} | {site}</title>
<meta property="og:title" content="{title}"><link rel="stylesheet" href="/s.css">
<script>window.__STATE__ = {blob};</script></head><body>
<div class="cookie-banner"><p>{cookie}</p><button>OK</button></div>
<header><nav><ul>{menu}</ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">{author} · {date}</p>{body}</article>
<aside class="related"><h2>{related}</h2><ul>{links}</ul></aside>
<section class="comments"><h3>{comments}</h3>{comment_list}</section></main>
<footer><p>© 2026 {site}. {rights}</p></footer></body></html>"""
_BOILER = {
    "en": ("We use cookies to improve your experience.", "Related stories", "Comments",
           "All rights reserved."),
    "ru": ("Мы используем файлы cookie, чтобы сайт работал лучше.", "Читайте также",
           "Комментарии", "Все права защищены."),
    "be": ("Мы выкарыстоўваем файлы cookie.", "Чытайце таксама", "Каментары",
           "Усе правы абаронены."),
}


def render_article(seed: int, idx: int, k: int) -> tuple[bytes, str]:
    """The article page of item k of feed idx: (body, Content-Type)."""
    spec = FeedSpec(seed, idx)
    it = make_item(seed, spec, k)
    r = random.Random(f"{seed}:article:{idx}:{k}")
    lang = it["lang"]
    paras = it["paras"] + [sentence_text(r, lang, r.randint(30, 70))
                           for _ in range(r.randint(3, 8))]
    cookie, related, comments, rights = _BOILER[lang]
    esc = lambda t: html.escape(t, quote=False)  # noqa: E731
    page = _PAGE.format(
        lang=lang, title=esc(it["title"]), site=esc(spec.title), author=esc(it["author"]),
        date=it["pub"].strftime("%Y-%m-%d"), cookie=cookie, related=related, rights=rights,
        comments=comments, blob=json.dumps({"ads": words(r, "en", 4000)}),
        menu="".join(f'<li><a href="/c/{c}">{esc(c)}</a></li>' for c in LANGS[lang][2]),
        body="".join(f"<p>{esc(p)}</p>" for p in paras),
        links="".join(f'<li><a href="/x/{n}">{esc(sentence_text(r, lang, 8))}</a></li>'
                      for n in range(6)),
        comment_list="".join(f'<div class="comment"><b>{esc(r.choice(LANGS[lang][4]))}</b>'
                             f"<p>{esc(sentence_text(r, lang, 12))}</p></div>"
                             for _ in range(r.randint(0, 5))),
        meta="" if lang != "en" else '<meta charset="utf-8">')
    if lang != "en" and r.random() < 1 / 3:  # legacy: windows-1251, no charset anywhere
        return page.encode("cp1251", "replace"), "text/html"
    return page.encode("utf-8"), "text/html; charset=utf-8"


def serve_articles(port: int) -> None:
    """GET /a/SEED/FEED/K.html → render_article; anything else 404."""
    pattern = re.compile(r"^/a/(\d+)/(\d+)/(\d+)\.html$")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            m = pattern.match(self.path.split("?")[0])
            body, ctype, status = b"not found", "text/plain", 404
            if m:
                body, ctype = render_article(*map(int, m.groups()))
                status = 200
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=httpd.shutdown).start())
    httpd.serve_forever(poll_interval=0.2)
    httpd.server_close()


class ArticleServer:
    """The article pages of a farm generated with `article_base`, in a child process."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "ArticleServer":
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "articles",
                                      "--port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(f"the article server did not come up on {self.port}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ---------------------------------------------------------------- serving on 127.0.0.1

NGINX_CONF = """daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    types {{ application/rss+xml xml; }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    {validators}
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {root};
        location /feeds/ {{ }}
    }}
}}
"""


class Server:
    """A feed server run as a child process, stopped by its pid."""

    def __init__(self, farm: Farm, *, kind: str = "auto", validators: bool = True,
                 port: int | None = None) -> None:
        if kind == "auto":
            kind = "nginx" if shutil.which("nginx") else "python"
        self.kind = kind
        self.farm = farm
        self.validators = validators
        self.port = port or _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/"

    def describe(self) -> str:
        if self.kind == "nginx":
            version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
            return f"{version.strip().replace('nginx version: ', '')} (1 worker)"
        return "Python ThreadingHTTPServer (bench/farm.py serve; nginx not installed)"

    def start(self) -> "Server":
        if self.kind == "nginx":
            prefix = self.farm.root / ".nginx"
            (prefix / "tmp").mkdir(parents=True, exist_ok=True)
            conf = prefix / "nginx.conf"
            # As root, nginx's workers drop to `nobody`, who cannot read a mkdtemp (0700)
            # farm: keep them as this user.
            user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
            conf.write_text(user + NGINX_CONF.format(
                prefix=prefix, port=self.port, root=self.farm.root.resolve(),
                validators="etag on;" if self.validators else "etag off; if_modified_since off;"))
            self.proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        else:
            cmd = [sys.executable, str(Path(__file__).resolve()), "serve", str(self.farm.root),
                   "--port", str(self.port)] + ([] if self.validators else ["--no-validators"])
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        probe = f"/feeds/{self.farm.files()[0]}"
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(f"HEAD {probe} HTTP/1.0\r\n\r\n".encode())
                    if s.recv(12).startswith(b"HTTP/1.1 200"):
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                proc = self.proc
                self.stop()  # first: reading a live server's stderr would wait forever
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise SystemExit(f"{self.kind} did not come up on port {self.port}: {err}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_python(root: Path, port: int, validators: bool) -> None:
    """Static files under root with nginx's validators: ETag "mtime-size", Last-Modified."""
    root = root.resolve()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET(body=False)

        def do_GET(self, body: bool = True) -> None:
            path = (root / self.path.split("?")[0].lstrip("/")).resolve()
            if root not in path.parents or not path.is_file():
                self._send(404, b"not found", {"Content-Type": "text/plain"}, body)
                return
            st = path.stat()
            headers = {"Content-Type": "application/rss+xml"}
            if validators:
                etag = f'"{int(st.st_mtime):x}-{st.st_size:x}"'
                modified = email.utils.formatdate(st.st_mtime, usegmt=True)
                headers.update({"ETag": etag, "Last-Modified": modified})
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if inm == etag or (inm is None and ims == modified):
                    self._send(304, b"", headers, False)
                    return
            self._send(200, path.read_bytes(), headers, body)

        def _send(self, status: int, data: bytes, headers: dict, body: bool) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body and data:
                self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=httpd.shutdown).start())
    httpd.serve_forever(poll_interval=0.2)
    httpd.server_close()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen", help="write a new farm")
    g.add_argument("--out", required=True, type=Path)
    g.add_argument("-n", type=int, default=1000)
    g.add_argument("--items", type=int, default=30)
    g.add_argument("--seed", type=int, default=1)
    a = sub.add_parser("advance", help="publish 1-3 new items in a fraction of the feeds")
    a.add_argument("--out", required=True, type=Path)
    a.add_argument("--fraction", type=float, default=0.1)
    s = sub.add_parser("serve", help="serve a farm with the Python server (foreground)")
    s.add_argument("root", type=Path)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--no-validators", action="store_true")
    ar = sub.add_parser("articles", help="serve the article pages (foreground)")
    ar.add_argument("--port", type=int, default=0)
    args = p.parse_args(argv)
    if args.cmd == "gen":
        farm = Farm.generate(args.out, args.n, items=args.items, seed=args.seed)
        print(f"{args.n} feeds, {farm.size_bytes() / 1e6:.1f} MB in {farm.feeds_dir}")
    elif args.cmd == "advance":
        added = Farm(args.out).advance(args.fraction)
        print(f"{len(added)} feeds advanced, {sum(added.values())} new items")
    elif args.cmd == "articles":
        serve_articles(args.port)
    else:
        serve_python(args.root, args.port, not args.no_validators)


if __name__ == "__main__":
    main()
