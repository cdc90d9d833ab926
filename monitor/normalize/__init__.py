"""Normalize stage: Entry → Item. Pure.

entries (ids, keys, links, field caps: normalize_entries), html (feed HTML → the text a reader
sees), text (unseen characters, folding, words: shared by language, rules, article and render).
Imports model, the standard library and selectolax (in html).
"""

from monitor.normalize.entries import (SeenItems, absolute_link, canonical_link, entry_ids,
                                       item_key, normalize_entries, normalize_entry,
                                       normalize_new_entries, title_key)

__all__ = ["SeenItems", "absolute_link", "canonical_link", "entry_ids", "item_key",
           "normalize_entries", "normalize_entry", "normalize_new_entries", "title_key"]
