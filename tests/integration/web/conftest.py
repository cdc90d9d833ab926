"""Fixtures for the web UI's handler tests: one real polled state per module."""

from __future__ import annotations

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
        yield build_web_state(root, receiver, model=model)
    finally:
        receiver.stop()


@pytest.fixture
def fresh_state(web_state, tmp_path):
    """A copy of the module's state (feeds, config, state file, models) for a test that
    changes it."""
    import shutil

    from support.web_state import WebState

    root = tmp_path / "copy"
    shutil.copytree(web_state.root, root)
    return WebState(root, root / "config.yaml", root / "monitor.db")
