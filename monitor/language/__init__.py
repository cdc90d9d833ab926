"""Language stage: an item's title and summary → its language among the configured ones. Pure.

detector (the Detector and its caches), tables (the shipped n-gram and word tables).
Imports numpy (lazily) and langdetect's profile files.
"""

from monitor.language.detector import (Detector, available_languages, detect, detect_many,
                                        detector_for)

__all__ = ["Detector", "available_languages", "detect", "detect_many", "detector_for"]
