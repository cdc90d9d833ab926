"""Keyword rules: query strings → compiled rules; (Item, compiled rules) → list[Match]. Pure.

query (the query language's parser), stems (word keys per language), matcher (compiled rules
and matching).
"""

from monitor.rules.matcher import RuleSet, RulesError, compile_rules, match_item

__all__ = ["RuleSet", "RulesError", "compile_rules", "match_item"]
