"""Fixtures for the web UI's handler tests: one real polled state per module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.tiny_argos import build_package
from support.web_state import build_web_state
from support.webhook_receiver import WebhookReceiver


@pytest.fixture(scope="module")
def web_state(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    receiver = WebhookReceiver().start()
    try:
        model = build_package(root / "ru_en.argosmodel", "ru", "en")
        state = build_web_state(root, receiver, model=model)
        # As built, for fresh_state: the tests reading this state change it too (a search
        # indexes the queued items), so a copy made later depends on which tests ran first.
        shutil.copytree(root, _pristine(root))
        yield state
    finally:
        receiver.stop()


def _pristine(root: Path) -> Path:
    return root.with_name(root.name + "-as-built")


@pytest.fixture
def fresh_state(web_state, tmp_path):
    """A copy of the module's state (feeds, config, state file, models) as it was built, for
    a test that changes it."""
    from support.web_state import WebState

    root = tmp_path / "copy"
    shutil.copytree(_pristine(web_state.root), root)
    return WebState(root, root / "config.yaml", root / "monitor.db")
