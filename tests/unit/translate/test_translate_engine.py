"""The model translator on tiny real packages: batching, layout, cache, pivots, Apertium,
and degradation. The copy models translate only their glossary (Минск→Minsk, завод→factory,
Лукашенко→Lukashenko, дрон→drone, НАТО→NATO; be→ru: Мінск→Минск, Лукашэнка→Лукашенко), so
every output below is exact."""

import sys
from datetime import datetime, timezone

import pytest

from monitor.errors import TranslationError
from monitor.config import TranslationConfig
from monitor.model import Item
from monitor.store import open_store
from monitor.translate import build_translator, UnavailableTranslator
from monitor.translate.engine import ModelTranslator
from monitor.translate.packages import install_archive
from support.translation import requires_apertium, tiny_archives  # noqa: F401  (fixture)

pytestmark = pytest.mark.translation_model
NOW = datetime(2024, 3, 2, 12, 0, tzinfo=timezone.utc)


def item(key: str, language: str, title: str, summary: str = "") -> Item:
    return Item(feed="f", id=key, key=key, title=title, summary=summary,
                link=f"https://e.org/{key}", published_at=NOW, language=language)


@pytest.fixture
def models(tmp_path):
    return tmp_path / "models"


@pytest.fixture
def settings(models):
    return TranslationConfig(models_dir=str(models), apertium=False)


def install(models, tiny_archives, *names):
    for name in names:
        install_archive(models, tiny_archives[name])


def test_russian_item_is_translated_by_the_installed_package(models, settings, tiny_archives):
    install(models, tiny_archives, "ru-en")
    out = ModelTranslator(settings).translate_items(
        [item("a", "ru", "Лукашенко посетил завод в Минске.",
              "Дрон упал у границы НАТО. Завод закрыт!")], "en")
    t = out["a"]
    assert t.title == "Lukashenko посетил factory в Minskе."
    assert t.summary == "Дрон упал у границы NATO. Завод закрыт!"
    assert (t.source_language, t.target_language, t.route, t.note) == ("ru", "en", "argos:ru-en",
                                                                       None)


def test_one_batch_equals_item_by_item_and_uses_one_model_call(models, settings,
                                                              tiny_archives):
    install(models, tiny_archives, "ru-en")
    sentences = ["Лукашенко посетил завод в Минске.", "Дрон сбит у границы НАТО!",
                 "Власти начали ремонт техники.", "Армия объявила о закупке дронов?",
                 "Компания сообщила о выпуске тракторов в Минске."]
    items = [item(f"k{i}", "ru", sentences[i % 5], " ".join(sentences[:i % 4 + 1]))
             for i in range(12)]
    batched = ModelTranslator(settings)
    together = batched.translate_items(items, "en")
    assert batched.stats.batches == [("argos:ru-en", 5)]  # distinct sentences, one call
    alone = {}
    for it in items:
        alone.update(ModelTranslator(settings).translate_items([it], "en"))
    assert together == alone
    assert list(together) == [it.key for it in items]
    assert together["k0"].title == "Lukashenko посетил factory в Minskе."


def test_order_paragraphs_and_blank_lines_are_kept(models, settings, tiny_archives):
    install(models, tiny_archives, "ru-en")
    text = ("На заводе в Минске. Дрон над НАТО!\n\nЛукашенко посетил завод.\n"
            "Третий абзац без точки")
    [out], route = ModelTranslator(settings).translate_texts([text], "ru", "en")
    assert out == ("На factoryе в Minskе. Дрон над NATO!\n\nLukashenko посетил factory.\n"
                   "Третий абзац без точки")
    assert route == "argos:ru-en"


def test_names_urls_and_unknown_characters_survive(models, settings, tiny_archives):
    install(models, tiny_archives, "ru-en")
    text = "Файл drone_report_v2.pdf лежит на https://e.org/a_b?x=1 — смотри ¤§ завод."
    [out], _ = ModelTranslator(settings).translate_texts([text], "ru", "en")
    assert out == text.replace("завод", "factory")


def test_cache_in_the_state_db_spares_the_model_and_follows_the_package_version(
        models, settings, tiny_archives):
    install(models, tiny_archives, "ru-en")
    store = open_store(":memory:")
    items = [item("a", "ru", "Дрон над заводом в Минске.", "Лукашенко приехал.")]
    first = ModelTranslator(settings, cache=store)
    expected = first.translate_items(items, "en")
    assert first.stats.cache_hits == 0 and len(first.stats.batches) == 1

    second = ModelTranslator(settings, cache=store)
    assert second.translate_items(items, "en") == expected
    assert second.stats.cache_hits == 2 and second.stats.batches == []
    assert second.models == {}  # the model was never even loaded

    install(models, tiny_archives, "ru-en-v2")  # another version: the cache does not apply
    third = ModelTranslator(settings, cache=store)
    assert third.translate_items([item("b", "ru", "Там дрон над Минском.")], "en")["b"].title == \
        "Там UAV над Minskом."
    assert third.stats.cache_hits == 0


def test_pivot_through_two_tiny_packages(models, settings, tiny_archives):
    install(models, tiny_archives, "be-ru", "ru-en", "uk-ru")
    translator = ModelTranslator(settings)
    out = translator.translate_items([
        item("be", "be", "Лукашэнка наведаў завод у Мінску."),
        item("ru", "ru", "Лукашенко посетил завод."),
        item("uk", "uk", "Там дрон над Київ."),
    ], "en")
    assert out["be"].title == "Lukashenko наведаў factory у Minskу."
    assert out["be"].route == "argos:be-ru+argos:ru-en"
    assert out["uk"].title == "Там drone над Киев."  # uk→ru swaps Київ; ru→en has no Киев
    assert out["uk"].route == "argos:uk-ru+argos:ru-en"
    assert out["ru"].route == "argos:ru-en"
    # The pivots' Russian joins the Russian items' batch: one ru→en model call.
    labels = [label for label, _ in translator.stats.batches]
    assert sorted(labels) == ["argos:be-ru", "argos:ru-en", "argos:uk-ru"]
    assert labels[-1] == "argos:ru-en"


@requires_apertium
def test_belarusian_goes_through_apertium_then_ru_en_when_no_be_package(
        models, settings, tiny_archives):
    install(models, tiny_archives, "ru-en")
    translator = ModelTranslator(settings.model_copy(update={"apertium": True}))
    out = translator.translate_items([
        item("be1", "be", "Завод у Мінску.", "Лукашэнка сказаў.\nДругі радок."),
        item("ru1", "ru", "Новый завод в Минске."),
    ], "en")
    assert out["be1"].route == "apertium:be-ru+argos:ru-en"
    # apertium bel-rus: "Завод у Мінску" → "Заведение в Минске"; unknown "Лукашэнка" passes.
    assert out["be1"].title == "Заведение в Minskе."
    assert out["be1"].summary.split("\n")[0].startswith("Лукашэнка")
    assert len(out["be1"].summary.split("\n")) == 2
    assert out["ru1"].title == "Новый factory в Minskе."
    assert [label for label, _ in translator.stats.batches] == ["apertium:be-ru",
                                                                "argos:ru-en"]


@requires_apertium
def test_an_installed_be_package_is_preferred_to_apertium(models, settings, tiny_archives):
    install(models, tiny_archives, "be-ru", "ru-en")
    out = ModelTranslator(settings.model_copy(update={"apertium": True})).translate_items(
        [item("b", "be", "Завод у Мінску.")], "en")
    assert out["b"].route == "argos:be-ru+argos:ru-en"


def test_without_a_route_items_get_a_note_and_others_still_translate(models, settings,
                                                                   tiny_archives):
    install(models, tiny_archives, "ru-en")
    out = ModelTranslator(settings).translate_items([
        item("ru", "ru", "Новый завод в Минске."), item("en", "en", "Drone over Minsk", "Text."),
        item("be", "be", "Завод у Мінску."), item("und", "und", "12345"),
    ], "en")
    assert out["ru"].title == "Новый factory в Minskе."
    assert (out["en"].title, out["en"].summary, out["en"].route) == ("Drone over Minsk",
                                                                     "Text.", "identity")
    assert out["be"].title is None and out["be"].note.startswith(
        "translation unavailable: no be→en route; ")
    assert "apertium" in out["be"].note
    assert out["und"].note == "translation unavailable: the item's language is unknown"


def test_no_models_at_all_means_notes_and_no_heavy_imports(tmp_path):
    settings = TranslationConfig(models_dir=str(tmp_path / "none"), apertium=False)
    out = build_translator(settings).translate_items([item("a", "ru", "Завод.")], "en")
    assert "run `monitor models install ru en`" in out["a"].note


def test_disabled_translation_is_the_unavailable_translator(tmp_path):
    translator = build_translator(TranslationConfig(enabled=False))
    assert isinstance(translator, UnavailableTranslator)
    assert "disabled" in translator.translate_items([item("a", "ru", "Завод.")],
                                                    "en")["a"].note


def test_a_broken_model_gives_notes_once_and_recovers_when_reinstalled(
        models, settings, tiny_archives, caplog):
    package, _ = install_archive(models, tiny_archives["ru-en"])
    (package.path / "model" / "model.bin").write_bytes(b"this is not a model")
    translator = ModelTranslator(settings)
    for _ in range(2):
        out = translator.translate_items([item("a", "ru", "Новый завод в Минске.")], "en")
        assert out["a"].title is None
        assert out["a"].note.startswith("translation failed: model ru→en (")
        assert "cannot be loaded" in out["a"].note
    assert len(translator.broken) == 1  # tried once, remembered
    install(models, tiny_archives, "ru-en")
    out = translator.translate_items([item("a", "ru", "Новый завод в Минске.")], "en")
    assert out["a"].title == "Новый factory в Minskе."


def test_translate_texts_raises_a_one_line_error_without_a_route(settings):
    with pytest.raises(TranslationError, match=r"^translate: no ru→en route; run `monitor"):
        ModelTranslator(settings).translate_texts(["Завод."], "ru", "en")


# -- Apertium failures, with stand-in programs (a real apertium cannot be made to fail) --------

def fake_apertium(tmp_path, body: str):
    script = tmp_path / "fake-apertium"
    script.write_text(f"#!{sys.executable}\nimport sys, time\n"
                      "if sys.argv[1:] == ['-l']:\n    print('bel-rus'); sys.exit(0)\n"
                      "lines = sys.stdin.read().split('\\n')[:-1]\n" + body)
    script.chmod(0o755)
    return str(script)


def test_apertium_timeout_fails_only_the_belarusian_items(models, settings, tiny_archives,
                                                         tmp_path):
    install(models, tiny_archives, "ru-en")
    binary = fake_apertium(tmp_path, "time.sleep(10)\n")
    translator = ModelTranslator(settings.model_copy(update={"apertium": True, "apertium_timeout": 0.5}),
                                 apertium_binary=binary)
    out = translator.translate_items([item("be", "be", "Завод у Мінску."),
                                      item("ru", "ru", "Новый завод в Минске.")], "en")
    assert out["be"].note == ("translation failed: apertium bel-rus: no answer within 0.5 s "
                              "for 1 sentences")
    assert out["be"].route == "apertium:be-ru+argos:ru-en"
    assert out["ru"].title == "Новый factory в Minskе."


def test_apertium_output_that_loses_lines_is_retried_in_smaller_batches(
        models, settings, tiny_archives, tmp_path):
    install(models, tiny_archives, "ru-en")
    # Misbehaves on batches of more than two lines, as a line-eating bug would.
    binary = fake_apertium(tmp_path, "out = lines[:-1] if len(lines) > 2 else lines\n"
                                     "print('\\n'.join(l.upper() for l in out))\n")
    translator = ModelTranslator(settings.model_copy(update={"apertium": True}), apertium_binary=binary)
    titles = ["Адзін.", "Два.", "Тры.", "Чатыры.", "Пяць."]
    out = translator.translate_items([item(str(i), "be", t) for i, t in enumerate(titles)],
                                     "en")
    assert [out[str(i)].title for i in range(5)] == [t.upper() for t in titles]
