"""`monitor rules explain`: how each rule's queries parse and what each term matches. Pure.

Input: CompiledRules; output: text lines for the CLI to print. Imports compiled, query, stems.
"""

from __future__ import annotations

from monitor.rules.compiled import (ANY_LANGUAGE, OTHER_LANGUAGES, CompiledRules, atom_for)
from monitor.rules.query import Term, terms
from monitor.rules.stems import Analyzer, analyzer_for

_MODES = {"key": "stem", "form": "exactly", "prefix": "starts with"}


def explain(compiled: CompiledRules, name: str | None = None) -> list[str]:
    """How each rule's queries parse and what each term will match, as text lines.

    Raises KeyError when no rule is called `name`.
    """
    chosen = [c for c in compiled.rules if name is None or c.rule.name == name]
    if not chosen:
        raise KeyError(name)
    analyzers: dict[str, Analyzer] = {}
    lines: list[str] = []
    for rule in chosen:
        lines.append(f"rule {rule.rule.name}")
        for language, node in rule.queries.items():
            lines.append(f"  {language}: {node}")
            if language == ANY_LANGUAGE:
                languages = [l for l in compiled.indexes if l not in rule.queries]
                languages = [*languages, OTHER_LANGUAGES]
            else:
                languages = [language]
            for lang in languages:
                if lang not in analyzers:
                    analyzers[lang] = analyzer_for(lang if lang in compiled.indexes else "und")
            for term, field in terms(node):
                lines.append("    " + _describe(term, field,
                                                {l: analyzers[l] for l in languages}))
    lines.append("word stems: " + "; ".join(f"{l} = {a.description}"
                                            for l, a in analyzers.items()))
    return lines


def _describe(term: Term, field: str | None, analyzers: dict[str, Analyzer]) -> str:
    """`drone*  prefix  starts with 'drone'`, with per-language values where they differ."""
    by_value: dict[str, list[str]] = {}
    for language, analyzer in analyzers.items():
        parts = [f"{_MODES[mode]} {value!r}" for mode, value in atom_for(term, analyzer)]
        by_value.setdefault(" then ".join(parts), []).append(language)
    if len(by_value) == 1:
        what = next(iter(by_value))
    else:
        what = "; ".join(f"{v} ({', '.join(ls)})" for v, ls in by_value.items())
    scope = {"title": ", in the title", "body": ", in the article's text"}.get(field or "", "")
    return f"{str(term):<20} {term.kind:<7} {what}{scope}"
