"""Keyword rules: rules' query strings → CompiledRules; (Item, Matcher) → list[Match]. Pure.

query (the query language: string → syntax tree), stems (word keys per language), nodes (the
compiled query node types), compiled (compile_rules: an immutable index per language),
matcher (Matcher: matching, and the word caches it owns), explain (`monitor rules explain`),
search (the same queries over a full-text index). Imports normalize.text, model and PyStemmer
(in stems).

    compiled = compile_rules(config_rules)      # once per config; immutable, shareable
    matcher = Matcher(compiled)                 # once per process/thread: holds the caches
    matches = matcher.match(item)
"""

from monitor.rules.compiled import (CompiledRules, Rule, RuleProblem, RuleQueries, RulesError,
                                    compile_query, compile_rules)
from monitor.rules.explain import explain
from monitor.rules.matcher import Matcher, match_item
from monitor.rules.query import QuerySyntaxError

__all__ = ["CompiledRules", "Matcher", "QuerySyntaxError", "Rule", "RuleProblem", "RuleQueries",
           "RulesError", "compile_query", "compile_rules", "explain", "match_item"]
