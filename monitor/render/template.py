"""Channel templates (`template:` in a channel's config): Jinja2, sandboxed, escaping for the
channel's markup. Pure.

A template renders the message body in the channel's own markup (Slack mrkdwn, Discord or
Mattermost Markdown, Telegram or Matrix HTML, Teams TextBlock text, plain text for email and
the console): the `MARKUP` of the channel's render module (render.markup.Markup). Every
`{{ value }}` is escaped for that markup automatically; `snippet` (hits
already marked) and the `link` filter produce markup and are not escaped again. The channel
then trims the result to its service's limit without splitting a tag, entity or link.

Variables: kind, rule, feed, title, headline, link, published, language, matched_terms,
snippet, snippet_text, summary, translated_title, translated_summary, translation_note,
target_language, facts_line, id, article, translated_article, article_note (`full_text:`
feeds), and `items` (a digest's alerts, each with the same names).
"""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from monitor.render.markup import PLAIN, Markup, marked, safe_url
from monitor.render.view import AlertView
from monitor.normalize.text import strip_bidi

if TYPE_CHECKING:
    import jinja2

    from monitor.render.sandbox import BoundedSandbox

# Jinja2 and the sandbox are imported by the functions that compile or render a template: most
# configs have none, and every command (a poll, `monitor status`) starts ~18 ms sooner without.


class Safe(str):
    """Markup a template may emit as is."""


class TemplateError(ValueError):
    """A template that does not compile; `line` is its line number within the template."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _link(markup: Markup):
    def link(url: Any, text: Any = None) -> Safe:
        href = safe_url(str(url or ""))
        if not href:
            return Safe(markup.escape(str(text) if text is not None else href))
        return Safe(markup.link(href, str(text) if text is not None else None))
    return link


@lru_cache(maxsize=64)
def _environment(markup: Markup) -> BoundedSandbox:
    import jinja2

    from monitor.render.sandbox import BoundedSandbox

    escape = markup.escape

    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, Safe):
            return value
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        return escape(str(value))

    env = BoundedSandbox(autoescape=False, finalize=finalize, trim_blocks=True,
                         lstrip_blocks=True, keep_trailing_newline=False,
                         undefined=jinja2.StrictUndefined)
    env.filters["link"] = _link(markup)
    return env


@lru_cache(maxsize=256)
def compile_template(source: str, markup: Markup = PLAIN) -> jinja2.Template:
    """Raises TemplateError for a syntax error or a template over the size limit."""
    import jinja2

    from monitor.render.sandbox import TemplateLimitError, check_source

    try:
        check_source(source)
        return _environment(markup).from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template line {exc.lineno}: {exc.message}", exc.lineno) from None
    except TemplateLimitError as exc:
        raise TemplateError(f"template: {exc}", None) from None
    except RecursionError:
        raise TemplateError("template: nested too deeply to compile", None) from None


def template_context(view: AlertView, markup: Markup) -> dict[str, Any]:
    ctx: dict[str, Any] = {f.name: getattr(view, f.name) for f in fields(view)
                           if f.name not in ("snippet", "items", "published_at")}
    open_, close = markup.bold
    ctx.update(headline=view.headline, facts_line=view.facts_line,
               snippet=Safe(marked(view.snippet, markup.escape, open_, close)),
               snippet_text=view.snippet_text,
               items=[template_context(i, markup) for i in view.items])
    return ctx


def render_template(source: str, view: AlertView, markup: Markup) -> str:
    """The body a channel's template makes for one alert. Raises TemplateError when the
    template refers to a name that does not exist (a typo is a config error, not a blank),
    or goes past a limit of monitor.render.sandbox (time, value sizes, output size)."""
    import jinja2

    from monitor.render.sandbox import TemplateLimitError, render

    template = compile_template(source, markup)
    try:
        # The template's own text may hold bidi controls too; values are clean already (and
        # a defused @mention keeps its zero-width space).
        return strip_bidi(render(template, template_context(view, markup))).strip()
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template: {exc.message}", None) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template: {_one_line(exc)}", None) from None
    except TemplateLimitError as exc:
        raise TemplateError(f"template: {exc}", None) from None
    except (RecursionError, MemoryError, OverflowError, ValueError, TypeError,
            ArithmeticError, LookupError, AttributeError) as exc:
        raise TemplateError(f"template: {type(exc).__name__}: {_one_line(exc)}", None) from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def check_template(source: str, markup: Markup) -> None:
    """Compile and try a template on sample alerts: a short one, one without a translation,
    and one with every text at its longest, so that a template that works on short alerts but
    blows up on long ones fails here rather than at send. Raises TemplateError."""
    from datetime import datetime, timezone

    from monitor.model import Alert, Hit, Translation
    from monitor.render.view import alert_view

    sample = Alert(id="al_sample", rule="rule", channel="channel", feed="feed", item_key="k",
                   item_id="i", title="Title", summary="Summary text", link="https://e.org/",
                   published_at=datetime(2026, 1, 1, tzinfo=timezone.utc), language="ru",
                   matched_terms=("text",), hits=(Hit("text", "summary", 8, 12),),
                   translation=Translation("ru", "en", "Title", "Summary", route="test"))
    view = alert_view(sample)
    render_template(source, view, markup)
    render_template(source, alert_view(Alert(**{**sample.__dict__, "translation": None})),
                    markup)
    words = ("беспилотник drone " * 400)[:LONGEST_TEXT_CHARS]
    longest = Alert(**{**sample.__dict__, "title": words[:500], "summary": words,
                       "matched_terms": ("беспилотник", "drone"),
                       "hits": (Hit("drone", "summary", 12, 17),),
                       "translation": Translation("ru", "en", words[:500], words, route="test")})
    render_template(source, alert_view(longest), markup)


LONGEST_TEXT_CHARS = 5000  # normalize.MAX_SUMMARY_CHARS: render sits below normalize
