"""Rules: the query language's tokens: query string → list of tokens. Pure; stdlib only.

Words, "phrases", parentheses, the upper-case operators AND OR NOT NEAR/n, a leading '-', and
field prefixes (title:, body:), each with its 1-based column for error messages. Errors that a
single token shows (an unterminated phrase, '*' inside a word, an unknown field, a NEAR without
a whole distance) are raised here; `query` parses the tokens into a tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_NEAR = 1000
# title: the item's title; body: the text of the article it links to, read for feeds with
# `full_text: all` (an item without one never matches a body: term). The nearest field wins.
FIELDS = ("title", "body")


class QuerySyntaxError(ValueError):
    """A query does not parse; `column` is 1-based within the query string."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT NEG NEAR FIELD END
    text: str
    column: int
    value: int = 0  # NEAR distance


_FIELD = re.compile(r"([A-Za-z]+):")
_NEAR = re.compile(r"NEAR(?:/(\S*))?")
_BARE = re.compile(r'[^\s()"]+')


def tokenize(source: str) -> list[Token]:
    """The tokens of a query string, ending with END. Raises QuerySyntaxError."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        col = i + 1
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(Token("LPAREN", ch, col))
            i += 1
        elif ch == ")":
            tokens.append(Token("RPAREN", ch, col))
            i += 1
        elif ch == '"':
            end = source.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError("unterminated quoted phrase", col)
            tokens.append(Token("PHRASE", source[i + 1:end], col))
            i = end + 1
        elif ch == "-" and (i == 0 or source[i - 1].isspace() or source[i - 1] == "("):
            if i + 1 >= n or source[i + 1].isspace() or source[i + 1] == ")":
                raise QuerySyntaxError("'-' must be followed by what to exclude, e.g. -word", col)
            tokens.append(Token("NEG", ch, col))
            i += 1
        else:
            field = _FIELD.match(source, i)
            if field:
                name = field.group(1)
                if name not in FIELDS:
                    raise QuerySyntaxError(
                        f"unknown field '{name}:' (the fields are title: and body:)", col)
                after = field.end()
                if after >= n or source[after].isspace() or source[after] == ")":
                    raise QuerySyntaxError(f"'{name}:' must be followed by a term or a group",
                                           col)
                if source[after] == "-":
                    raise QuerySyntaxError(f"write NOT {name}:… rather than {name}:-…",
                                           after + 1)
                tokens.append(Token("FIELD", name, col))
                i = after
                continue
            m = _BARE.match(source, i)
            assert m is not None
            word = m.group()
            near = _NEAR.fullmatch(word)
            if word in ("AND", "OR", "NOT"):
                tokens.append(Token(word, word, col))
            elif near:
                tokens.append(Token("NEAR", word, col, _near_distance(near.group(1), col)))
            else:
                star = word.find("*")
                if star >= 0 and star != len(word) - 1:
                    raise QuerySyntaxError("'*' is only allowed at the end of a word",
                                           col + star)
                tokens.append(Token("WORD", word, col))
            i = m.end()
    tokens.append(Token("END", "", len(source) + 1))
    return tokens


def _near_distance(text: str | None, column: int) -> int:
    if not text:
        raise QuerySyntaxError("NEAR needs a distance in words, e.g. NEAR/5", column)
    if not text.isdigit():
        raise QuerySyntaxError(f"NEAR distance must be a whole number of words, got '{text}'",
                               column + 5)
    distance = int(text)
    if distance > MAX_NEAR:
        raise QuerySyntaxError(f"NEAR distance must be at most {MAX_NEAR}", column + 5)
    return distance
