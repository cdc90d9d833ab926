"""Fixtures for translation tests: tiny real Argos packages, built once per session.

Import the fixtures a test module needs: `from support.translation import tiny_archives`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.tiny_argos import GLOSSARY_BE_RU, GLOSSARY_RU_EN, build_package

requires_apertium = pytest.mark.skipif(shutil.which("apertium") is None,
                                       reason="apertium is not installed "
                                              "(apt-get install apertium apertium-bel-rus)")


@pytest.fixture(scope="session")
def tiny_archives(tmp_path_factory) -> dict[str, Path]:
    """.argosmodel files: ru-en (v0.0.1), ru-en-v2 (0.0.2, other glossary), be-ru, uk-ru."""
    out = tmp_path_factory.mktemp("argos")
    return {
        "ru-en": build_package(out / "ru_en.argosmodel", "ru", "en"),
        "ru-en-v2": build_package(out / "ru_en_2.argosmodel", "ru", "en", version="0.0.2",
                                  glossary={**GLOSSARY_RU_EN, "дрон": "UAV"}),
        "be-ru": build_package(out / "be_ru.argosmodel", "be", "ru", glossary=GLOSSARY_BE_RU),
        "uk-ru": build_package(out / "uk_ru.argosmodel", "uk", "ru", glossary={"Київ": "Киев"}),
    }
