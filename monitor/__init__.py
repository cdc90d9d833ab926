"""monitor: a multilingual news monitor with alerts."""

__version__ = "0.1.0"
