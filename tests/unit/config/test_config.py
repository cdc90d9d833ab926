from pathlib import Path

import pytest

from monitor.config import load_config, parse_config
from monitor.config.values import parse_duration, parse_rate, parse_size
from monitor.errors import ConfigError

GOOD = """\
feeds:
  - name: bbc
    url: https://feeds.bbci.co.uk/russian/rss.xml
    language: ru
  - name: local
    url: feeds/demo.xml
    interval: 2h
    enabled: false
rules:
  - name: drones
    query: {en: drone, ru: беспилотник}
    channels: [out]
  - name: all-langs
    query: Минск
channels:
  - name: out
    type: console
  - name: hook
    type: webhook
    url: https://example.org/hook?token=${HOOK_TOKEN}
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
state: data/state.db
target_language: en
defaults:
  interval: 30m
fetch:
  concurrency: 8
  max_body_size: 5MB
"""


def test_load_config_builds_frozen_values(tmp_path):
    cfg = parse_config(GOOD, base_dir=tmp_path, env={"HOOK_TOKEN": "s3cr3t-token"})
    assert [f.name for f in cfg.feeds] == ["bbc", "local"]
    assert cfg.feeds[0].interval == 1800  # defaults.interval
    assert cfg.feeds[1].interval == 7200
    assert cfg.feeds[1].enabled is False
    assert cfg.feeds[1].url == (tmp_path / "feeds/demo.xml").resolve().as_uri()
    assert cfg.feeds[0].language == "ru"
    assert cfg.rules[0].queries == {"en": "drone", "ru": "беспилотник"}
    assert cfg.rules[1].queries == {"*": "Минск"}
    assert cfg.channels_for(cfg.rules[1]) == ("out", "hook")
    assert cfg.channels_for(cfg.rules[0]) == ("out",)
    assert cfg.channel("hook").url == "https://example.org/hook?token=s3cr3t-token"
    assert cfg.state_path == tmp_path / "data/state.db"
    assert cfg.translation.models_dir == str(tmp_path / "data/models")
    assert cfg.fetch.concurrency == 8 and cfg.fetch.max_body_size == 5_000_000
    assert "s3cr3t-token" in cfg.secrets
    assert len(cfg.compiled_rules) == 2


def test_redacted_config_hides_secrets(tmp_path):
    cfg = parse_config(GOOD, base_dir=tmp_path, env={"HOOK_TOKEN": "s3cr3t-token"})
    shown = cfg.redacted()
    assert "s3cr3t-token" not in shown
    assert "whsec_" not in shown
    assert "feeds.bbci.co.uk" in shown  # feed URLs are not secrets


def test_state_defaults_next_to_config(tmp_path):
    cfg = parse_config("feeds: [{name: a, url: 'https://x.org/f'}]", base_dir=tmp_path, env={})
    assert cfg.state_path == tmp_path / "monitor.db"
    assert cfg.feeds[0].interval == 900
    assert cfg.target_language == "en"
    assert cfg.languages == ("en", "ru", "be", "uk")


def test_languages_accepts_langdetect_codes_beside_ours(tmp_path):
    cfg = parse_config("feeds: [{name: a, url: 'https://x.org/f'}]\nlanguages: [en, de, be]\n"
                       "rules: [{name: r, query: {de: Drohne}}]\n", base_dir=tmp_path, env={})
    assert cfg.languages == ("en", "de", "be")


BAD = [
    pytest.param(
        "feeds:\n  - name: a\n    url: https://x.org/f\n    intreval: 5m\n",
        ["c.yaml:4: feeds[0].intreval: unknown key 'intreval' (did you mean 'interval'?)"],
        id="unknown key suggests the right one"),
    pytest.param(
        "feeds:\n  - name: a\n    url: ftp://x.org/f\n",
        ["c.yaml:3: feeds[0].url: must be an http(s) URL or a file path, got 'ftp://x.org/f'"],
        id="ftp url is refused"),
    pytest.param(
        "feeds:\n  - name: a\n    url: https://x.org/f\n    interval: soon\n",
        ["c.yaml:4: feeds[0].interval: must be a duration like 30s, 15m, 2h or 1d (units: ms, "
         "s, m, h, d, w), got 'soon'"],
        id="bad duration"),
    pytest.param(
        "feeds:\n  - url: https://x.org/f\n",
        ["c.yaml:2: feeds[0].name: required key is missing"],
        id="missing name points at the entry"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\n  - {name: a, url: 'https://y.org/f'}\n",
        ["c.yaml:3: feeds[1].name: duplicate name 'a' (first on line 2)"],
        id="duplicate feed names"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\nrules:\n  - name: r\n    query: x\n"
        "    channels: [mail]\nchannels:\n  - {name: email, type: console}\n",
        ["c.yaml:6: rules[0].channels[0]: unknown channel 'mail' (did you mean 'email'?)"],
        id="rule names an unknown channel"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\nchannels:\n  - {name: c, type: slak,"
        " url: 'https://h.example/x'}\n",
        ["c.yaml:4: channels[0].type: unknown channel type 'slak' (did you mean 'slack'?)"],
        id="unknown channel type"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\nchannels:\n  - name: m\n    type: email\n"
        "    host: smtp.x.org\n    from: a@x.org\n    to: [b@x.org]\n    password: ${PW}\n",
        ["c.yaml:9: channels[0].password: environment variable PW is not set"],
        id="missing env var: not also the checks of the empty value it left"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\nchannels:\n  - name: s\n    type: slack\n"
        "    url: ${SLACK_URL}\n  - name: t\n    type: slack\n    url: 'hooks.slack.com/x'\n",
        ["c.yaml:6: channels[0].url: environment variable SLACK_URL is not set",
         "c.yaml:9: channels[1].url: must start with http:// or https://"],
        id="missing env var in a URL: one line for it, the other URL's own check stays"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\nrules:\n  - name: r\n"
        "    query: {de: Drohne}\n",
        ["c.yaml:5: rules[0].query.de: language 'de' is not in languages (en, ru, be, uk); add it "
         "there, or no item will be detected as 'de'"],
        id="query language not configured"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\nrules:\n  - name: r\n"
        "    query: '\"unterminated'\n",
        ["c.yaml:5: rules[0].query: column 1: unterminated quoted phrase"],
        id="query syntax error has a column"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'}\nlanguages:\n  - en\n  - ua\n  - xx\n",
        ["c.yaml:5: languages[1]: no language profile for 'ua' (did you mean 'uk'?)",
         "c.yaml:6: languages[2]: no language profile for 'xx' (use an ISO 639-1 code such as "
         "en, ru, be, uk, de)"],
        id="unknown language codes"),
    pytest.param(
        "feeds: []\n",
        ["c.yaml:1: feeds: must have at least one feed"],
        id="no feeds"),
    pytest.param(
        "feeds:\n  - {name: a, url: 'https://x.org/f'\n",
        ["c.yaml:3:1: YAML syntax error: expected ',' or '}', but got '<stream end>'"
         " (while parsing a flow mapping)"],
        id="yaml syntax error keeps the parser's position"),
    pytest.param(
        "- just\n- a list\n", ["c.yaml:1: the top level must be a mapping of keys"],
        id="top level is not a mapping"),
    pytest.param("", ["c.yaml:1: the file is empty"], id="empty file"),
]


@pytest.mark.parametrize("text, expected", BAD)
def test_parse_config_reports_file_line_key(text, expected):
    with pytest.raises(ConfigError) as info:
        parse_config(text, label="c.yaml", env={})
    assert info.value.lines == expected


def test_parse_config_reports_every_error_at_once():
    text = ("feeds:\n  - {name: a, url: 'ftp://x'}\n  - {name: b, url: 'https://x.org', "
            "colour: red}\ntarget_language: english\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, label="c.yaml", env={})
    assert [line.split(":")[1] for line in info.value.lines] == ["2", "3", "4"]
    assert "3 configuration errors" == str(info.value)


def test_duplicate_keys_are_warned_with_both_lines_in_the_error_format():
    cfg = parse_config("feeds:\n  - name: a\n    name: b\n    url: https://x.org/f\n"
                       "rules: [{name: r, query: x}]\nrules: [{name: s, query: y}]\n"
                       "channels: [{name: c, type: console}]\n", label="c.yaml", env={})
    assert cfg.warnings == (
        "c.yaml:3: feeds[0].name: duplicate key (first on line 2); the last one wins",
        "c.yaml:6: rules: duplicate key (first on line 5); the last one wins",
    )
    assert cfg.feeds[0].name == "b" and cfg.rules[0].name == "s"


def test_dollar_dollar_is_a_literal_dollar():
    cfg = parse_config("feeds:\n  - {name: 'a$$b', url: 'https://x.org/f'}\n", env={})
    assert cfg.feeds[0].name == "a$b"


def test_load_config_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")


def test_shipped_config_is_valid():
    cfg = load_config(Path(__file__).resolve().parents[3] / "config.yaml", env={})
    langs = {f.language for f in cfg.feeds}
    assert {"en", "ru", "be"} <= langs
    assert cfg.rules and cfg.channels and all(c.type == "console" for c in cfg.channels)


@pytest.mark.parametrize("text, seconds", [
    ("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1.5h", 5400),
    ("250ms", 0.25), ("2w", 1209600), (" 10 s ", 10),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-5m", "0s", True, "m", 45, "45", 1.5, None,
                                  [], "5M"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text, size", [("10MB", 10_000_000), ("512KiB", 524288), (1024, 1024),
                                        ("1gb", 10**9)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text, per_minute", [("20/min", 20), ("1/s", 60), ("120/h", 2)])
def test_parse_rate(text, per_minute):
    assert parse_rate(text) == per_minute


def test_libyaml_and_pure_python_loaders_give_the_same_tree_lines_and_warnings():
    from monitor.config import yaml_tree as c

    text = ("defaults: &d {interval: 15m}\n"
            "feeds:\n"
            "  - name: a\n    url: https://x.org/a\n    <<: *d\n"
            "  - {name: b, url: 'https://x.org/b', language: be}\n"
            "  - name: c\n    url: https://x.org/c\n    url: https://x.org/c2\n"
            "rules:\n  - name: r\n    query: |\n      дрон AND\n      завод\n"
            "    channels: [out]\n"
            "channels:\n  - name: out\n    type: console\n")

    def walk(node):
        if isinstance(node, dict):
            return (node.line, dict(node.key_lines), node.duplicates,
                    {k: walk(v) for k, v in node.items()})
        if isinstance(node, list):
            return (node.line, list(node.item_lines), [walk(v) for v in node])
        return node

    trees = []
    for loader_class in (c._FastLineLoader, c._LineLoader):
        loader = loader_class(text)
        tree = loader.get_single_data()
        trees.append((walk(tree), c._duplicates(tree)))
        loader.dispose()
    assert trees[0] == trees[1]
    assert trees[0][1] == [(("feeds", 2, "url"), 8)]


def test_delivery_retries_default_and_are_checked(tmp_path):
    base = "feeds: [{name: f, url: 'http://127.0.0.1:9/x'}]\n"
    config = parse_config(base, base_dir=tmp_path, env={})
    assert (config.delivery.retry_first, config.delivery.retry_max,
            config.delivery.max_attempts) == (30.0, 3600.0, 20)
    config = parse_config(base + "delivery: {retry_max: 6h, max_attempts: 80}\n",
                          base_dir=tmp_path, env={})
    assert (config.delivery.retry_max, config.delivery.max_attempts) == (6 * 3600.0, 80)
    with pytest.raises(ConfigError) as info:
        parse_config(base + "delivery: {max_attempts: 0, retry_frist: 1m}\n",
                     base_dir=tmp_path, env={})
    text = "\n".join(info.value.lines)
    assert str(info.value) == "2 configuration errors"
    assert "delivery.max_attempts" in text and "retry_first" in text, text  # did you mean


def test_the_loaded_objects_are_frozen_and_built_by_key_only(tmp_path):
    """One schema: what the code reads is what was validated, cannot change under it, and a
    section cannot be built by position (two swapped timeouts would be a type-correct bug)."""
    import pydantic

    from monitor.config import schema
    from monitor.config.channels import CHANNEL_TYPES

    cfg = parse_config(GOOD, base_dir=tmp_path, env={"HOOK_TOKEN": "s3cr3t-token"})
    for obj, key in ((cfg, "state_path"), (cfg.fetch, "read_timeout"), (cfg.feeds[0], "interval"),
                     (cfg.channels[0], "name"), (cfg.rules[0], "name")):
        with pytest.raises(pydantic.ValidationError):
            setattr(obj, key, getattr(obj, key))
    models = [schema.FetchConfig, schema.TranslationConfig, schema.DeliveryConfig,
              schema.RetentionConfig, schema.HealthConfig, schema.DefaultsConfig,
              schema.FeedConfig, schema.RuleConfig] + [t.settings for t in CHANNEL_TYPES.values()]
    for model in models:
        with pytest.raises(TypeError):
            model(10.0, 30.0)
    assert schema.FetchConfig(connect_timeout="10s", read_timeout="30s").read_timeout == 30.0


def test_loading_a_config_never_builds_the_loaded_configs_validator(tmp_path):
    """Config is built by model_construct from the validated ConfigFile: its own validator is
    never used, and building it cost every command ~40 ms of start-up (config/document.py)."""
    from monitor.config import Config

    cfg = parse_config(GOOD, base_dir=tmp_path, env={"HOOK_TOKEN": "s3cr3t-token"})
    assert type(cfg) is Config and cfg.compiled_rules is not None
    assert cfg.model_copy(update={"warnings": ("w",)}).warnings == ("w",)
    assert not Config.__pydantic_complete__
