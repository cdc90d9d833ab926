"""`monitor rules explain [RULE]`: how each query parses and which stems it matches."""

from __future__ import annotations

import io

from monitor.cli import main

CONFIG = """\
feeds:
  - name: a
    url: https://example.org/rss
rules:
  - name: drones
    query:
      ru: беспилотник* OR дрон
      be: title:дрон
  - name: factories
    query: factory -toy
channels:
  - name: console
    type: console
"""


def run(tmp_path, *argv: str) -> tuple[int, str, str]:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["rules", "explain", *argv, "--config", str(path)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_rules_explain_one_rule(tmp_path):
    code, out, err = run(tmp_path, "drones")
    assert (code, err) == (0, "")
    assert out.splitlines()[:6] == [
        "rule drones",
        "  ru: беспилотник* OR дрон",
        "    беспилотник*         prefix  starts with 'беспилотник'",
        "    дрон                 word    stem 'дрон'",
        "  be: title:дрон",
        "    дрон                 word    stem 'дран', in the title",
    ]
    assert "rule factories" not in out


def test_cli_rules_explain_all_rules(tmp_path):
    code, out, _ = run(tmp_path)
    assert code == 0
    assert "rule drones" in out and "rule factories" in out
    assert "  *: factory AND NOT toy" in out


def test_cli_rules_explain_unknown_rule_is_a_usage_error(tmp_path):
    code, out, err = run(tmp_path, "tanks")
    assert (code, out) == (2, "")
    assert err == "monitor: error: no rule named 'tanks' (rules: drones, factories)\n"


def test_cli_rules_explain_with_no_rules_says_so(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("feeds: [{name: a, url: 'https://example.org/rss'}]\n"
                    "channels: [{name: c, type: console}]\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["rules", "explain", "--config", str(path)], stdout=out, stderr=err)
    assert (code, out.getvalue()) == (0, f"{path}: no rules (add some under rules:)\n")
