"""Normalize stage: Entry → Item. Pure.

entries (ids, keys, links, caps), text (HTML to text, unseen characters, folding, words).
"""

from monitor.normalize.entries import (SeenItems, absolute_link, canonical_link, entry_ids,
                                       item_key, normalize_entries, normalize_entry,
                                       normalize_new_entries, title_key)

__all__ = ["SeenItems", "absolute_link", "canonical_link", "entry_ids", "item_key",
           "normalize_entries", "normalize_entry", "normalize_new_entries", "title_key"]
