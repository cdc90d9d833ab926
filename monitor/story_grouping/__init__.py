"""Stories: the reports of one real-world event across feeds and languages, grouped. Pure.

    signature = signature_of(item, translation)          # once per matched item; plain data
    assignment = index.assign(signature, now)            # index = StoryIndex(window_seconds=…)
    assignment.story_id, assignment.is_new_story, assignment.story.languages

No I/O, no SQL, no model downloads: names are compared through consonant skeletons across
scripts (`skeleton`), kinds of event and things through a small shared classification
(`lexicon`), and the rest through the words themselves (`signature`, `similarity`, `index`).
README.md "Stories: how items are grouped" has the design and the measured figures.
"""

from monitor.story_grouping.index import (DEFAULT_WINDOW_SECONDS, Story, StoryAssignment, StoryIndex,
                                   StoryItem, story_id_for)
from monitor.story_grouping.signature import (SIGNATURE_VERSION, Signature, signature_of,
                                              with_translation)
from monitor.story_grouping.similarity import Tuning

__all__ = ["DEFAULT_WINDOW_SECONDS", "SIGNATURE_VERSION", "Signature", "Story",
           "StoryAssignment", "StoryIndex", "StoryItem", "Tuning", "signature_of",
           "story_id_for", "with_translation"]
