"""The bounded template sandbox (issue 11, finding 14): each way of asking for unbounded time
or memory is refused with a one-line reason, and ordinary templates render as before."""

from __future__ import annotations

import sys

import pytest

from monitor.config.channels import CHANNEL_TYPES
from monitor.render.template import TemplateError, check_template, render_template
from monitor.render.view import alert_view
from support.alerts import make_alert

MARKUP = {name: t.renderer().MARKUP for name, t in CHANNEL_TYPES.items()}  # by type

REFUSED = {
    "repeat a string": ("{{ 'x' * 10**10 }}", "repeating a value"),
    "repeat a list": ("{{ [summary] * 100000 }}", "repeating a value"),
    "power": ("{{ 2 ** 100000 }}", "bits"),
    "str.center": ("{{ 'x'.center(10**9) }}", "over the limit of 100,000"),
    "center filter": ("{{ title|center(10**9) }}", "over the limit of 100,000"),
    "str.format width": ("{{ '{:>9999999999}'.format(1) }}", "format() would make"),
    "nested format width": ("{{ '{:>{w}}'.format(1, w=10) }}", "format() would make"),
    "percent width": ("{{ '%999999999d' % 1 }}", "%-format width"),
    "percent star": ("{{ '%*d' % (99999999, 1) }}", "%-format width"),
    "format filter": ("{{ '%999999999s'|format(1) }}", "format would make"),
    "indent": ("{{ summary|indent(99999) }}", "indent would make"),
    "replace empty": ("{{ summary|replace('', summary) }}", "replace would make"),
    "join": ("{{ range(100000)|join(summary) }}", "join would make"),
    "expandtabs": ("{{ ('\t' * 1000).expandtabs(100000) }}", "expandtabs() would make"),
    "slice": ("{{ summary|slice(10**8)|list }}", "over the limit of 100,000"),
    "~ doubling": ("{% set t = summary %}" + "{% set t = t ~ t %}" * 40, "the ~ operator"),
    "block doubling": ("{% set t = summary %}" + "{% set t %}{{ t }}{{ t }}{% endset %}" * 40,
                       "{% set %} block"),
    "namespace doubling": ("{% set ns = namespace(s=summary) %}{% for i in range(40) %}"
                           "{% set ns.s = ns.s + ns.s %}{% endfor %}", "the operator +"),
    "macro doubling": ("{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s }}{% endmacro %}"
                       "{{ d(summary, 40) }}", "would make a value"),
    "list growth": ("{% set l = [] %}{% for i in range(10) %}{{ l.append(i) }}{% endfor %}",
                    "unsafe"),
    "output": ("{% for i in range(100000) %}{{ summary }}{% endfor %}", "made over 100,000"),
    "endless loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                      "{% endfor %}", "took over 2 s"),
    "loops over a string": ("{% for a in summary %}{% for b in summary %}{{ '' }}{% endfor %}"
                            "{% endfor %}", "took over 2 s"),
    "huge source": ("x" * 20_001, "the limit is 20,000"),
    "deep nesting": ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nested too deeply"),
    "division by zero": ("{{ 1 // 0 }}", "ZeroDivisionError"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_runaway_templates_are_refused_with_the_reason(name):
    source, reason = REFUSED[name]
    with pytest.raises(TemplateError) as caught:
        check_template(source, MARKUP["slack"])
    message = str(caught.value)
    assert reason in message and "\n" not in message, message


@pytest.mark.parametrize("fmt", ["slack", "matrix", "telegram", "discord", "email"])
def test_ordinary_templates_render_as_before(fmt):
    source = ("{{ link | link(headline) }} ({{ feed }}, {{ language }})\n{{ snippet }}\n"
              "{% for t in matched_terms %}{{ t|upper }}{% if not loop.last %}, {% endif %}"
              "{% endfor %} {{ summary|truncate(40) }} {{ '%05.1f'|format(3.14159) }} "
              "{{ '{:>6}'.format('ok') }} {{ [1, 2] + [3] }} {{ 'ab' * 3 }} {{ 2 ** 10 }}"
              "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}"
              "{% endfor %} {{ ns.n }}")
    check_template(source, MARKUP[fmt])
    out = render_template(source, alert_view(make_alert()), MARKUP[fmt])
    assert "БЕСПИЛОТНИК" in out and "003.1" in out and "    ok" in out
    assert "ababab" in out and "1024" in out and out.endswith(" 3")


def test_rendering_leaves_the_trace_function_as_it_was():
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        render_template("{{ title }}", alert_view(make_alert()), MARKUP["slack"])
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)
