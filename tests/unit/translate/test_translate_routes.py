"""Route choice: direct package, pivots, Apertium only when no Argos chain exists."""

from pathlib import Path

import pytest

from monitor.translate.packages import InstalledPackage, version_key
from monitor.translate.routes import find_route, missing_route_hint


def pkg(pair: str, version: str = "1.0") -> InstalledPackage:
    source, target = pair.split("-")
    return InstalledPackage(Path(f"/models/{pair}-{version}"), source, target, version)


APERTIUM = {("be", "ru")}

CASES = [
    ("same_language_needs_nothing", "en", ["ru-en"], (), "identity"),
    ("direct_package", "ru", ["ru-en", "uk-ru"], (), "argos:ru-en"),
    ("pivot_through_installed_packages", "uk", ["ru-en", "uk-ru"], (),
     "argos:uk-ru+argos:ru-en"),
    ("be_package_beats_apertium", "be", ["be-ru", "ru-en"], APERTIUM,
     "argos:be-ru+argos:ru-en"),
    ("direct_be_en_beats_everything", "be", ["be-en", "be-ru", "ru-en"], APERTIUM,
     "argos:be-en"),
    ("apertium_when_no_be_package", "be", ["ru-en"], APERTIUM, "apertium:be-ru+argos:ru-en"),
    ("no_route_without_ru_en", "be", ["uk-ru"], APERTIUM, None),
    ("no_route_without_apertium", "be", ["ru-en"], (), None),
    ("three_hops_at_most", "pl", ["pl-cs", "cs-uk", "uk-ru", "ru-en"], (), None),
    ("three_hops_found", "cs", ["pl-cs", "cs-uk", "uk-ru", "ru-en"], (),
     "argos:cs-uk+argos:uk-ru+argos:ru-en"),
]


@pytest.mark.parametrize("source, pairs, apertium, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_find_route(source, pairs, apertium, expected):
    route = find_route(source, "en", [pkg(p) for p in pairs], apertium)
    assert (route.label if route else None) == expected


def test_find_route_uses_the_first_listed_package_of_a_pair():
    newer, older = pkg("ru-en", "1.9"), pkg("ru-en", "1.0")
    route = find_route("ru", "en", [newer, older])
    assert route.hops[0].package is newer


@pytest.mark.parametrize("a, b", [("1.9", "1.10"), ("1.0", "1.0.1"), ("0.9", "1.0")])
def test_version_key_orders_numerically(a, b):
    assert version_key(a) < version_key(b)


def test_missing_route_hint_for_be_with_apertium_installed_names_the_ru_en_package():
    hint = missing_route_hint("be", "en", [], APERTIUM)
    assert "`monitor models install ru en` (apertium bel-rus is installed)" in hint
    assert "monitor models install be en" not in hint  # Argos's index has no be→en


def test_missing_route_hint_for_be_without_apertium_names_the_debian_packages():
    hint = missing_route_hint("be", "en", [], ())
    assert "`apt-get install apertium apertium-bel-rus`" in hint
    assert "README" in hint


def test_missing_route_hint_for_ru_names_the_install_command():
    assert missing_route_hint("ru", "en", [], ()) == "run `monitor models install ru en`"


def test_missing_route_hint_mentions_a_pivot_through_installed_packages():
    hint = missing_route_hint("uk", "en", [pkg("uk-ru")], ())
    assert hint == ("run `monitor models install uk en`; "
                    "or install a uk→ru and a ru→en package")
