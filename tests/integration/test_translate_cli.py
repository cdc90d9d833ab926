"""`monitor models …`, `monitor translate` and `monitor check`'s route warnings, run as a user
runs them (a subprocess), with tiny real packages."""

import json
import shutil

import pytest

from support.cli import run_cli, write_config
from support.tiny_argos import rezip
from support.translation import requires_apertium, tiny_archives  # noqa: F401  (fixture)

pytestmark = [pytest.mark.integration, pytest.mark.translation_model]


def config(tmp_path, feeds=None, **translation):
    feeds = feeds or [{"name": "ru-a", "url": "a.xml", "language": "ru"},
                      {"name": "ru-b", "url": "b.xml", "language": "ru"},
                      {"name": "be-a", "url": "c.xml", "language": "be"},
                      {"name": "en-a", "url": "d.xml", "language": "en"}]
    return write_config(tmp_path / "config.yaml", feeds,
                        translation={"models_dir": "models", **translation})


def test_models_install_list_remove_round_trip(tmp_path, tiny_archives):
    config(tmp_path, apertium=False)
    home = tmp_path / "fresh-home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "share")}
    result = run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    assert result.stdout == (f"installed ru→en 0.0.1 in "
                             f"{tmp_path / 'models' / 'translate-ru_en-0_0_1'}\n")
    # Nothing went into the user's own Argos folders.
    assert [p for p in home.rglob("*") if p.is_file()] == []
    assert not list(home.rglob("translate-*"))

    upgrade = run_cli("models", "install", str(tiny_archives["ru-en-v2"]), cwd=tmp_path)
    assert upgrade.stdout.splitlines() == [
        f"installed ru→en 0.0.2 in {tmp_path / 'models' / 'translate-ru_en-0_0_2'}",
        "replaced ru→en 0.0.1"]

    listing = run_cli("models", "list", cwd=tmp_path)
    assert listing.code == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0] == f"models: {tmp_path / 'models'}"
    assert lines[1].split()[:2] == ["ru→en", "0.0.2"]
    assert "apertium: off (translation.apertium: false)" in lines
    assert lines[-4:] == ["routes to en:", "  be   none (untranslated)", "  en   identity",
                          "  ru   argos:ru-en"]
    doc = run_cli("models", "list", "--json", cwd=tmp_path).json()
    assert doc["routes"] == {"be": None, "en": "identity", "ru": "argos:ru-en"}
    assert [(p["pair"], p["version"]) for p in doc["packages"]] == [("ru→en", "0.0.2")]
    assert doc["packages"][0]["size_bytes"] > 100_000

    removed = run_cli("models", "remove", "ru", "en", cwd=tmp_path)
    assert removed.code == 0 and removed.stdout.startswith("removed ru→en 0.0.2 (")
    again = run_cli("models", "remove", "ru", "en", cwd=tmp_path)
    assert again.code == 1
    assert again.stderr.splitlines()[0] == (f"monitor: error: models: no ru→en package is "
                                            f"installed in {tmp_path / 'models'}")


def test_models_install_refuses_a_malformed_zip_with_one_line(tmp_path, tiny_archives):
    config(tmp_path)
    flat = rezip(tiny_archives["ru-en"], tmp_path / "flat.argosmodel", flatten=True)
    result = run_cli("models", "install", str(flat), cwd=tmp_path)
    assert result.code == 1
    assert result.stderr == (f"monitor: error: model {flat}: the archive must hold exactly one "
                             f"top-level folder (found README.md, metadata.json, model, "
                             f"sentencepiece.model)\n")
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())
    missing = run_cli("models", "install", "nope.argosmodel", cwd=tmp_path)
    assert missing.code == 2 and "is not a file" in missing.stderr


def test_models_install_from_an_index_downloads_and_installs(feed_server, tmp_path,
                                                             tiny_archives):
    """The only networked path, against a local index (never the real one in tests)."""
    config(tmp_path)
    link = feed_server.set("/pkgs/ru_en.argosmodel", tiny_archives["ru-en"].read_bytes(),
                           content_type="application/zip")
    index = [{"from_code": "ru", "to_code": "en", "package_version": "0.0.1",
              "from_name": "Russian", "to_name": "English", "argos_version": "1.9.0",
              "type": "translate", "links": [link], "code": "translate-ru_en"},
             {"from_code": "en", "to_code": "ru", "package_version": "1.0", "links": [link]}]
    index_url = feed_server.set("/index.json", json.dumps(index),
                                content_type="application/json")
    result = run_cli("models", "install", "ru", "en", "--index", index_url, cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("installed ru→en 0.0.1 in ")
    assert [r.path for r in feed_server.requests] == ["/index.json", "/pkgs/ru_en.argosmodel"]
    translated = run_cli("translate", "--from", "ru", "Завод в Минске.", cwd=tmp_path)
    assert translated.stdout == "Завод в Minskе.\n"

    none = run_cli("models", "install", "uk", "en", "--index", index_url, cwd=tmp_path)
    assert none.code == 1
    assert none.stderr.splitlines()[1:] == ["monitor: error: models: the package index has no "
                                            "uk→en package",
                                            "  hint: see README, section Translation, for "
                                            "other routes"]
    gone = run_cli("models", "install", "ru", "en", "--index", feed_server.url("/nothing/index.json"),
                   cwd=tmp_path)
    assert gone.code == 1
    assert "monitor: error: models: cannot download the package index from 127.0.0.1:" \
        in gone.stderr


def test_translate_command_text_stdin_and_json(tmp_path, tiny_archives):
    config(tmp_path, apertium=False)
    assert run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path).code == 0
    text = run_cli("translate", "--from", "ru", "Лукашенко посетил завод.", cwd=tmp_path)
    assert (text.code, text.stdout) == (0, "Lukashenko посетил factory.\n")
    piped = run_cli("translate", "--from", "ru", "--to", "en", "-", cwd=tmp_path,
                    input="Там дрон над Минском.\n\nВторой абзац про завод.\n")
    assert piped.stdout == "Там drone над Minskом.\n\nВторой абзац про factory.\n"
    doc = json.loads(run_cli("translate", "--from", "ru", "--json", "дрон.",
                             cwd=tmp_path).stdout)
    assert doc == {"translation": "drone.", "route": "argos:ru-en", "source": "ru",
                   "target": "en"}
    no_route = run_cli("translate", "--from", "uk", "Київ", cwd=tmp_path)
    assert no_route.code == 1
    assert no_route.stderr == ("monitor: error: translate: no uk→en route; run `monitor models "
                               "install uk en`; or install a uk→ru and a ru→en package\n")


def test_translate_without_from_detects_the_language_and_says_so(tmp_path, tiny_archives):
    config(tmp_path, apertium=False)
    assert run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path).code == 0
    text = run_cli("translate", "Лукашенко посетил завод.", cwd=tmp_path)
    assert (text.code, text.stdout) == (0, "Lukashenko посетил factory.\n"), text.stderr
    assert text.stderr == "monitor: translating from ru (detected; --from LANG to say)\n"
    doc = json.loads(run_cli("translate", "--json", "-", cwd=tmp_path, input="дрон.").stdout)
    assert doc["source"] == "ru" and doc["translation"] == "drone."
    ukrainian = run_cli("translate", "Київ і Харків отримали нові дрони", cwd=tmp_path)
    assert ukrainian.code == 1 and "no uk→en route" in ukrainian.stderr
    digits = run_cli("translate", "2026 — 42", cwd=tmp_path)
    assert digits.code == 2
    assert digits.stderr == ("monitor: error: translate: the text has no letters to tell its "
                             "language by; say it with --from LANG\n")


def test_translate_command_needs_no_config_with_models_dir(tmp_path, tiny_archives):
    models = tmp_path / "elsewhere"
    assert run_cli("models", "install", str(tiny_archives["ru-en"]), "--models-dir",
                   str(models), cwd=tmp_path).code == 0
    result = run_cli("translate", "--models-dir", str(models), "--from", "ru", "НАТО.",
                     cwd=tmp_path)
    assert (result.code, result.stdout) == (0, "NATO.\n")


def test_check_warns_once_per_missing_pair(tmp_path, tiny_archives):
    config(tmp_path, apertium=False)
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 0
    warnings = [line for line in result.stderr.splitlines() if "translation:" in line]
    assert warnings == [
        "monitor: warning: translation: no be→en route, so alerts from be-a go out "
        "untranslated; install a be→en package made as README (section Translation) shows; "
        "or set `translation: apertium: true` and install a ru→en package",
        "monitor: warning: translation: no ru→en route, so alerts from ru-a, ru-b go out "
        "untranslated; run `monitor models install ru en`"]
    assert run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path).code == 0
    after = [line for line in run_cli("check", cwd=tmp_path).stderr.splitlines()
             if "translation:" in line]
    assert len(after) == 1 and "no be→en route" in after[0]


@requires_apertium
def test_check_and_list_see_apertium_for_belarusian(tmp_path, tiny_archives):
    config(tmp_path)
    warnings = run_cli("check", cwd=tmp_path).stderr
    assert "run `monitor models install ru en` (apertium bel-rus is installed)" in warnings
    assert run_cli("models", "install", str(tiny_archives["ru-en"]), cwd=tmp_path).code == 0
    assert "translation:" not in run_cli("check", cwd=tmp_path).stderr
    routes = run_cli("models", "list", "--json", cwd=tmp_path).json()["routes"]
    assert routes["be"] == "apertium:be-ru+argos:ru-en"


def test_disabled_translation_gives_no_warnings(tmp_path):
    config(tmp_path, enabled=False)
    assert "translation:" not in run_cli("check", cwd=tmp_path).stderr
    shutil.rmtree(tmp_path / "models", ignore_errors=True)


def _index(feed_server, tiny_archives) -> str:
    link = feed_server.set("/pkgs/ru_en.argosmodel", tiny_archives["ru-en"].read_bytes(),
                           content_type="application/zip")
    index = [{"from_code": "ru", "to_code": "en", "package_version": "0.0.1",
              "type": "translate", "links": [link]}]
    return feed_server.set("/index.json", json.dumps(index), content_type="application/json")


@pytest.mark.parametrize("where, reason", [
    ("closed", "connection refused"), ("/nothing/index.json", "HTTP 404"),
    ("/pkgs-gone/index.json", "HTTP 404"),
], ids=["nothing listens (offline)", "the index is not there", "the package is not there"])
def test_models_install_that_cannot_download_says_why_in_one_line(feed_server, tmp_path,
                                                                  tiny_archives, where, reason):
    """The index host and the reason, and what to do; no raw log line from Argos
    ('ERROR (URLError(gaierror(...)))' before)."""
    from support.ports import free_port

    config(tmp_path)
    if where == "closed":
        port = free_port()
        url, what = f"http://127.0.0.1:{port}/index.json", f"the package index from " \
            f"127.0.0.1:{port}"
    elif where == "/pkgs-gone/index.json":
        index = [{"from_code": "ru", "to_code": "en", "package_version": "0.0.1",
                  "type": "translate", "links": [feed_server.url("/gone.argosmodel")]}]
        url = feed_server.set(where, json.dumps(index), content_type="application/json")
        what = f"ru→en 0.0.1 from 127.0.0.1:{feed_server.port}"
    else:
        url, what = feed_server.url(where), f"the package index from 127.0.0.1:{feed_server.port}"
    result = run_cli("models", "install", "ru", "en", "--index", url, cwd=tmp_path)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"monitor: looking up ru→en in {url} (this uses the network)",
        f"monitor: error: models: cannot download {what}: {reason}",
        "  hint: check the network (and --index), or download the .argosmodel file elsewhere "
        "and run `monitor models install FILE`"]


def test_models_install_never_imports_onnxruntime(feed_server, tmp_path, tiny_archives):
    """Argos's install_from_path imported argostranslate.translate, hence MiniSBD and
    onnxruntime (78 MB, telemetry), only to clear a cache: the image need not ship them."""
    import subprocess
    import sys

    from support.cli import ROOT

    config(tmp_path)
    index_url = _index(feed_server, tiny_archives)
    for args in (["models", "install", str(tiny_archives["ru-en"])],
                 ["models", "install", "ru", "en", "--index", index_url]):
        log = tmp_path / "audit.json"
        env = {"MONITOR_AUDIT_LOG": str(log), "PYTHONPATH": str(ROOT),
               "HOME": str(tmp_path / "home"), "PATH": "/usr/local/bin:/usr/bin:/bin"}
        proc = subprocess.run([sys.executable, str(ROOT / "tests/support/audited_monitor.py"),
                               *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("installed ru→en 0.0.1 in ")
        modules = json.loads(log.read_text(encoding="utf-8"))["modules"]
        assert not [m for m in modules if m.split(".")[0] in ("onnxruntime", "minisbd")
                    or m == "argostranslate.translate"], modules
