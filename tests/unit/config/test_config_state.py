"""A feed may not be the state file: reading it with a plain open() in the daemon would drop
SQLite's locks on it (issue 11 #1), so the config refuses it, with its line."""

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", ".lock"])
def test_a_feed_that_is_the_state_file_is_refused(tmp_path, suffix):
    (tmp_path / f"monitor.db{suffix}").write_bytes(b"")
    config = tmp_path / "config.yaml"
    config.write_text(f'feeds:\n  - {{name: ok, url: "https://example.org/f"}}\n'
                      f'  - {{name: loop, url: "monitor.db{suffix}"}}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.lines == [
        f"{config}:3: feeds[1].url: is the state file {tmp_path / 'monitor.db'} (or one of its "
        f"own files); point the feed at a feed"]


def test_a_file_feed_beside_the_state_is_fine(tmp_path):
    (tmp_path / "feed.xml").write_bytes(b"<rss/>")
    config = tmp_path / "config.yaml"
    config.write_text('feeds: [{name: local, url: "feed.xml"}]\n')
    assert load_config(config).feeds[0].url.endswith("/feed.xml")
