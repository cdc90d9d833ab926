"""Article stage: the page an item links to → its article text. Pure: no network, no store.

`extract_article(body, headers, url)` decodes the page (decoding: BOM, HTTP charset, meta
charset, detection), bounds it, extracts the article with trafilatura (extract), recognises a
paywall stub (paywall) and takes the lead paragraphs an alert shows (lead). Fetching the page
is the fetch stage's job, under the same limits as feeds.
"""

from monitor.article.decoding import DecodedPage, decode_page
from monitor.article.extract import DEFAULT_LEAD_CHARS, DEFAULT_MAX_BYTES, extract_article

__all__ = ["DEFAULT_LEAD_CHARS", "DEFAULT_MAX_BYTES", "DecodedPage", "decode_page",
           "extract_article"]
