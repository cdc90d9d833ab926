"""monitor/normalize/text.py: the word pattern's combining marks, held as a generated table."""

import unicodedata

import pytest

from monitor.normalize import marks
from monitor.normalize.text import WORD, _marks


@pytest.mark.skipif(unicodedata.unidata_version != marks.UNICODE_VERSION,
                    reason="the table is for another Unicode version; text.py computes it")
def test_the_generated_marks_table_is_what_marks_computes():
    assert marks.MARKS == _marks()


def test_a_word_keeps_its_combining_marks():
    # Devanagari vowel signs (Mc/Mn) and an Arabic fatha (Mn) stay inside their words.
    assert WORD.findall("हिन्दी समाचार") == ["हिन्दी", "समाचार"]
    assert WORD.findall("كَتَبَ خبر") == ["كَتَبَ", "خبر"]
