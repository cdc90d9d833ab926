"""Argos Translate packages on disk: list, validate, install, remove. I/O (files only; the
network is in `index.py`, which only `monitor models install FROM TO` uses).

Packages live in the models directory the config names, one folder per package, exactly as
`argostranslate.package.install_from_path` unpacks them. Listing reads `metadata.json` itself
and skips anything else, so a stray folder can never break discovery (Argos's own
`get_installed_packages` fails on the first folder without metadata). Installing validates
the zip first (one top-level folder, metadata.json, model/, a tokenizer, safe names), unpacks
it into a staging folder as Argos would, then swaps it in and removes any older package for
the same pair. Argos is imported only here and in `argos.py`, lazily.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from monitor.errors import TranslationError

log = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 8 * 1024 ** 3
_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")
_argos_lock = threading.Lock()


@dataclass(frozen=True)
class InstalledPackage:
    """One installed translation package (a folder in the models directory)."""

    path: Path
    from_code: str
    to_code: str
    version: str
    target_prefix: str = ""

    @property
    def pair(self) -> str:
        return f"{self.from_code}-{self.to_code}"

    @property
    def name(self) -> str:
        return self.path.name

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def stamp(self) -> tuple:
        """Changes when the package on disk is replaced, so a loaded model is reloaded."""
        try:
            st = (self.path / "model" / "model.bin").stat()
            return (str(self.path), self.version, st.st_mtime_ns, st.st_size)
        except OSError:
            return (str(self.path), self.version)


def version_key(version: str) -> tuple:
    """'1.10' sorts after '1.9'; non-numeric parts compare as text after numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in re.split(r"[._-]", version))


def read_package(path: Path) -> InstalledPackage:
    """The package in folder `path`. Raises TranslationError when it is not one."""
    meta = _metadata(path / "metadata.json", str(path))
    if not (path / "model" / "model.bin").is_file():
        raise TranslationError(f"model {path}: no model/model.bin (not a CTranslate2 package)")
    if not ((path / "sentencepiece.model").is_file() or (path / "bpe.model").is_file()):
        raise TranslationError(f"model {path}: no sentencepiece.model or bpe.model")
    return InstalledPackage(path, meta["from_code"], meta["to_code"], meta["package_version"],
                            str(meta.get("target_prefix") or ""))


def installed_packages(models_dir: str | os.PathLike) -> list[InstalledPackage]:
    """Every valid package in `models_dir`, by pair then newest version first."""
    root = Path(models_dir)
    if not root.is_dir():
        return []
    found = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        try:
            found.append(read_package(child))
        except TranslationError as exc:
            log.warning("Skipping a folder that is not a translation package",
                        extra={"fields": {"path": str(child), "error": str(exc)}})
    found.sort(key=lambda p: (version_key(p.version), p.name), reverse=True)
    found.sort(key=lambda p: p.pair)  # stable: newest first within a pair
    return found


def _metadata(source, label: str) -> dict:
    try:
        raw = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        meta = json.loads(raw)
    except FileNotFoundError:
        raise TranslationError(f"model {label}: no metadata.json") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranslationError(f"model {label}: metadata.json is not valid JSON ({exc})") \
            from None
    if not isinstance(meta, dict):
        raise TranslationError(f"model {label}: metadata.json is not a JSON object")
    for key in ("from_code", "to_code"):
        if not isinstance(meta.get(key), str) or not _CODE.match(meta[key]):
            raise TranslationError(f"model {label}: metadata.json: {key} must be a language "
                                   f"code like 'ru', got {meta.get(key)!r}")
    if meta.get("type", "translate") != "translate":
        raise TranslationError(f"model {label}: a '{meta.get('type')}' package, "
                               "not a translation package")
    meta["package_version"] = str(meta.get("package_version") or "0")
    return meta


def validate_archive(path: str | os.PathLike) -> tuple[str, dict]:
    """Check an .argosmodel before unpacking; returns (top-level folder, metadata).

    Raises TranslationError naming the file and the problem.
    """
    label = str(path)
    if not Path(path).is_file():
        raise TranslationError(f"model {label}: no such file")
    if not zipfile.is_zipfile(path):
        raise TranslationError(f"model {label}: not a zip archive (an .argosmodel is a zip)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            for name in names:
                parts = PurePosixPath(name).parts
                if name.startswith("/") or ".." in parts or "\\" in name:
                    raise TranslationError(f"model {label}: unsafe path in archive: {name!r}")
            tops = {PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts}
            loose = [n for n in names if len(PurePosixPath(n).parts) == 1 and not n.endswith("/")]
            if len(tops) != 1 or loose:
                raise TranslationError(
                    f"model {label}: the archive must hold exactly one top-level folder "
                    f"(found {', '.join(sorted(tops)[:4]) or 'nothing'})")
            top = tops.pop()
            if top.startswith("."):
                raise TranslationError(f"model {label}: top-level folder {top!r} is hidden")
            if f"{top}/metadata.json" not in names:
                raise TranslationError(f"model {label}: no {top}/metadata.json")
            if f"{top}/model/model.bin" not in names:
                raise TranslationError(f"model {label}: no {top}/model/model.bin "
                                       "(not a CTranslate2 package)")
            if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
                raise TranslationError(f"model {label}: no {top}/sentencepiece.model "
                                       "or bpe.model")
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise TranslationError(f"model {label}: unpacks to more than 8 GiB")
            meta = _metadata(zf.read(f"{top}/metadata.json").decode("utf-8", "replace"), label)
            bad = zf.testzip()
            if bad is not None:
                raise TranslationError(f"model {label}: corrupt archive member {bad!r}")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise TranslationError(f"model {label}: unreadable zip archive ({exc})") from None
    return top, meta


@contextmanager
def argos_settings(**overrides) -> Iterator[object]:
    """`argostranslate.settings` with some attributes pointed elsewhere for one call.

    Argos reads its directories from module attributes at call time, so this keeps its
    install, index and download paths inside our folders without touching global state.
    """
    with _argos_lock:
        if "argostranslate.settings" not in sys.modules:
            # Importing Argos creates its package folder; make that ours, not the user's.
            pkgs = overrides.get("package_data_dir")
            previous = os.environ.get("ARGOS_PACKAGES_DIR")
            if pkgs is not None and previous is None:
                os.environ["ARGOS_PACKAGES_DIR"] = str(pkgs)
            try:
                import argostranslate.settings  # noqa: F401
            finally:
                if pkgs is not None and previous is None:
                    del os.environ["ARGOS_PACKAGES_DIR"]
        import argostranslate.settings as settings

        saved = {k: getattr(settings, k) for k in overrides}
        try:
            for key, value in overrides.items():
                setattr(settings, key, value)
            yield settings
        finally:
            for key, value in saved.items():
                setattr(settings, key, value)


def install_archive(models_dir: str | os.PathLike,
                    archive: str | os.PathLike) -> tuple[InstalledPackage, list[InstalledPackage]]:
    """Install an .argosmodel file; returns (the new package, the packages it replaced)."""
    top, meta = validate_archive(archive)
    root = Path(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        # What Argos's install_from_path does, without its import of argostranslate.translate
        # (MiniSBD, onnxruntime) just to clear a cache: validate_archive vetted every name.
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(staging)
        except (zipfile.BadZipFile, OSError) as exc:
            raise TranslationError(f"model {archive}: install failed: {exc}") from exc
        new = read_package(staging / top)
        old = [p for p in installed_packages(root)
               if (p.from_code, p.to_code) == (new.from_code, new.to_code)]
        dest = root / top
        if dest.exists():
            aside = Path(tempfile.mkdtemp(prefix=".replaced-", dir=root))
            os.replace(dest, aside / top)
        os.replace(staging / top, dest)
        for package in old:
            if package.path.exists() and package.path != dest:
                shutil.rmtree(package.path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for leftover in root.glob(".replaced-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    return read_package(dest), old


def remove_pair(models_dir: str | os.PathLike, from_code: str,
                to_code: str) -> list[InstalledPackage]:
    """Remove every package for from→to; returns them. Raises TranslationError if none."""
    found = [p for p in installed_packages(models_dir)
             if (p.from_code, p.to_code) == (from_code, to_code)]
    if not found:
        raise TranslationError(f"models: no {from_code}→{to_code} package is installed in "
                               f"{models_dir}", hint="`monitor models list` shows what is")
    for package in found:
        shutil.rmtree(package.path)
    return found
