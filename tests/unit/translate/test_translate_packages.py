"""Installing, listing and removing real (tiny) Argos packages through the real install path."""

import json
import zipfile

import pytest

from monitor.errors import TranslationError
from monitor.translate.packages import (install_archive, installed_packages, remove_pair,
                                        validate_archive)
from support.tiny_argos import rezip
from support.translation import tiny_archives  # noqa: F401  (fixture)

pytestmark = pytest.mark.translation_model


def test_install_archive_unpacks_one_package_folder(tmp_path, tiny_archives):
    models = tmp_path / "models"
    package, replaced = install_archive(models, tiny_archives["ru-en"])
    assert (package.from_code, package.to_code, package.version) == ("ru", "en", "0.0.1")
    assert replaced == []
    assert package.path == models / "translate-ru_en-0_0_1"
    assert (package.path / "model" / "model.bin").is_file()
    assert [p.name for p in models.iterdir()] == ["translate-ru_en-0_0_1"]  # no staging left
    assert installed_packages(models) == [package]
    assert package.size_bytes() > 100_000


def test_install_replaces_the_older_package_for_the_same_pair(tmp_path, tiny_archives):
    models = tmp_path / "models"
    old, _ = install_archive(models, tiny_archives["ru-en"])
    install_archive(models, tiny_archives["be-ru"])
    new, replaced = install_archive(models, tiny_archives["ru-en-v2"])
    assert new.version == "0.0.2"
    assert replaced == [old] and not old.path.exists()
    assert sorted((p.pair, p.version) for p in installed_packages(models)) == [
        ("be-ru", "0.0.1"), ("ru-en", "0.0.2")]


def test_reinstalling_the_same_file_replaces_it_in_place(tmp_path, tiny_archives):
    models = tmp_path / "models"
    first, _ = install_archive(models, tiny_archives["ru-en"])
    (first.path / "stale-file").write_text("from the old copy")
    again, replaced = install_archive(models, tiny_archives["ru-en"])
    assert again.path == first.path and replaced == [first]
    assert not (again.path / "stale-file").exists()
    assert len(installed_packages(models)) == 1


def _bad_archives(tmp_path, good):
    not_zip = tmp_path / "not-a-zip.argosmodel"
    not_zip.write_bytes(b"PK\x03\x04 but not really a zip")
    two_tops = rezip(good, tmp_path / "two.argosmodel", extra={"other/file.txt": b"x"})
    bad_meta = rezip(good, tmp_path / "badmeta.argosmodel", drop=("metadata.json",),
                     extra={"translate-ru_en-0_0_1/metadata.json": b"{not json"})
    bad_code = rezip(good, tmp_path / "badcode.argosmodel", drop=("metadata.json",),
                     extra={"translate-ru_en-0_0_1/metadata.json":
                            json.dumps({"from_code": "Russian", "to_code": "en"}).encode()})
    truncated = tmp_path / "truncated.argosmodel"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return [
        ("not_a_zip", not_zip, "not a zip archive"),
        ("files_at_root", rezip(good, tmp_path / "flat.argosmodel", flatten=True),
         "exactly one top-level folder"),
        ("two_top_folders", two_tops, "exactly one top-level folder"),
        ("no_metadata", rezip(good, tmp_path / "nometa.argosmodel", drop=("metadata.json",)),
         "no translate-ru_en-0_0_1/metadata.json"),
        ("no_model", rezip(good, tmp_path / "nomodel.argosmodel", drop=("model",)),
         "no translate-ru_en-0_0_1/model/model.bin"),
        ("no_tokenizer", rezip(good, tmp_path / "nospm.argosmodel",
                               drop=("sentencepiece.model",)), "no translate-ru_en-0_0_1/"
                                                                "sentencepiece.model"),
        ("metadata_not_json", bad_meta, "metadata.json is not valid JSON"),
        ("bad_language_code", bad_code, "from_code must be a language code"),
        ("zip_slip", rezip(good, tmp_path / "slip.argosmodel",
                           extra={"translate-ru_en-0_0_1/../../evil": b"x"}), "unsafe path"),
        ("truncated", truncated, "not a zip archive"),
    ]


def test_malformed_archives_are_refused_with_one_clear_line_and_install_nothing(
        tmp_path, tiny_archives):
    models = tmp_path / "models"
    installed, _ = install_archive(models, tiny_archives["ru-en"])
    for case, path, message in _bad_archives(tmp_path, tiny_archives["ru-en"]):
        with pytest.raises(TranslationError) as info:
            install_archive(models, path)
        assert message in str(info.value), case
        assert str(info.value).startswith(f"model {path}: "), case
        assert "\n" not in str(info.value), case
        # The good package is untouched and nothing else appeared.
        assert installed_packages(models) == [installed], case
        assert [p.name for p in models.iterdir()] == [installed.name], case


def test_validate_archive_returns_top_folder_and_metadata(tiny_archives):
    top, meta = validate_archive(tiny_archives["be-ru"])
    assert top == "translate-be_ru-0_0_1"
    assert (meta["from_code"], meta["to_code"], meta["package_version"]) == ("be", "ru", "0.0.1")


def test_listing_skips_folders_that_are_not_packages(tmp_path, tiny_archives, caplog):
    models = tmp_path / "models"
    install_archive(models, tiny_archives["ru-en"])
    (models / "junk").mkdir()
    (models / "notes.txt").write_text("not a package")
    (models / ".staging-left-over").mkdir()
    assert [p.pair for p in installed_packages(models)] == ["ru-en"]
    assert "not a translation package" in caplog.text


def test_remove_pair_deletes_the_package_and_says_when_there_is_none(tmp_path, tiny_archives):
    models = tmp_path / "models"
    install_archive(models, tiny_archives["ru-en"])
    install_archive(models, tiny_archives["be-ru"])
    removed = remove_pair(models, "ru", "en")
    assert [p.pair for p in removed] == ["ru-en"] and not removed[0].path.exists()
    assert [p.pair for p in installed_packages(models)] == ["be-ru"]
    with pytest.raises(TranslationError, match="no ru→en package is installed"):
        remove_pair(models, "ru", "en")


def test_archive_zip_members_are_checked(tmp_path, tiny_archives):
    corrupt = tmp_path / "crc.argosmodel"
    data = bytearray(tiny_archives["ru-en"].read_bytes())
    with zipfile.ZipFile(tiny_archives["ru-en"]) as zf:
        info = zf.getinfo("translate-ru_en-0_0_1/model/model.bin")
    body = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    data[body] ^= 0xFF  # flip a byte inside model.bin's compressed data
    corrupt.write_bytes(bytes(data))
    with pytest.raises(TranslationError, match="corrupt|unreadable"):
        validate_archive(corrupt)
