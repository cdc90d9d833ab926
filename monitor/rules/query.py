"""Rules: the keyword query language: query string → syntax tree. Pure; stdlib only.

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*          adjacent terms mean AND
    unary   := ("NOT" | "-") unary | near        NOT binds tighter than AND, AND than OR
    near    := primary ("NEAR/" n primary)*     NEAR binds tightest
    primary := "(" or ")" | field ":" primary | word | word* | "phrase"
    field   := "title" | "body"                 body: the article text (`full_text: all`)

Operators are upper-case; lower-case and/or/not are ordinary words. Errors carry the 1-based
column of the offending character in the query string. Nesting is bounded (MAX_DEPTH), so no
query can exhaust the stack of this recursive parser or of the tree walks after it. The
tokens come from `query_tokens`. Used by `compiled` (which compiles the tree per language),
`explain` and `search`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from monitor.rules.query_tokens import QuerySyntaxError, Token, tokenize

# Levels of parentheses, NOT, title: and NEAR around a term. Real rules use a handful; each
# level costs up to five Python frames here and one or two in every walk of the tree, so 50
# stays far below the interpreter's limit of 1,000 (200 parentheses reached it).
MAX_DEPTH = 50


@dataclass(frozen=True)
class Term:
    """A word (`kind` "word"), a prefix (`word*`, kind "prefix") or a "phrase" (kind "phrase").

    `text` is what the user wrote, without quotes or the trailing `*`.
    """

    kind: str
    text: str
    column: int

    def __str__(self) -> str:
        if self.kind == "phrase":
            return f'"{self.text}"'
        return self.text + ("*" if self.kind == "prefix" else "")


@dataclass(frozen=True)
class Not:
    child: "Node"
    column: int

    def __str__(self) -> str:
        return f"NOT {_group(self.child, Not)}"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]

    def __str__(self) -> str:
        return " AND ".join(_group(c, And) for c in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]

    def __str__(self) -> str:
        return " OR ".join(_group(c, Or) for c in self.children)


@dataclass(frozen=True)
class Near:
    left: "Node"
    right: "Node"
    distance: int
    column: int

    def __str__(self) -> str:
        return f"{_group(self.left, Near)} NEAR/{self.distance} {_group(self.right, Near)}"


@dataclass(frozen=True)
class Field:
    name: str
    child: "Node"
    column: int

    def __str__(self) -> str:
        return f"{self.name}:{_group(self.child, Field)}"


Node = Union[Term, Not, And, Or, Near, Field]
# Binding strength, loosest first: a child printed inside a tighter parent needs parentheses.
_STRENGTH = {Or: 0, And: 1, Not: 2, Near: 3, Field: 4, Term: 5}


def _group(child: Node, parent: type) -> str:
    text = str(child)
    if _STRENGTH[type(child)] < _STRENGTH[parent] or \
            (parent is Near and isinstance(child, Near)):
        return f"({text})"
    return text


# --- Parser ----------------------------------------------------------------------------------

_STARTS_UNARY = {"WORD", "PHRASE", "LPAREN", "NOT", "NEG", "FIELD"}


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0  # levels of (, NOT, title: and NEAR around the current token

    def enter(self, tok: Token, levels: int = 1) -> None:
        if self.depth + levels > MAX_DEPTH:
            raise QuerySyntaxError(f"nested more than {MAX_DEPTH} levels deep (each "
                                   "parenthesis, NOT, title: and NEAR is a level); write the "
                                   "query flatter", tok.column)
        self.depth += levels

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node:
        if self.tok.kind == "END":
            raise QuerySyntaxError("query is empty", 1)
        node = self.parse_or()
        if self.tok.kind == "RPAREN":
            raise QuerySyntaxError("')' without a matching '('", self.tok.column)
        if self.tok.kind != "END":  # pragma: no cover - every token kind is consumed above
            raise QuerySyntaxError(f"unexpected '{self.tok.text}'", self.tok.column)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.tok.kind == "OR":
            op = self.advance()
            self.expect_operand(op)
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while True:
            if self.tok.kind == "AND":
                op = self.advance()
                self.expect_operand(op)
                children.append(self.parse_unary())
            elif self.tok.kind in _STARTS_UNARY:
                children.append(self.parse_unary())
            else:
                break
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        if self.tok.kind in ("NOT", "NEG"):
            op = self.advance()
            self.expect_operand(op)
            self.enter(op)
            node = Not(self.parse_unary(), op.column)
            self.depth -= 1
            return node
        return self.parse_near()

    def parse_near(self) -> Node:
        left = self.parse_primary()
        chain = 0  # a NEAR chain nests to the left: ((a NEAR b) NEAR c) NEAR d
        while self.tok.kind == "NEAR":
            op = self.advance()
            self.expect_operand(op)
            if self.tok.kind in ("NOT", "NEG"):
                raise QuerySyntaxError("NOT cannot be a side of NEAR", self.tok.column)
            self.enter(op)
            chain += 1
            left = Near(left, self.parse_primary(), op.value, op.column)
        self.depth -= chain
        return left

    def parse_primary(self) -> Node:
        tok = self.tok
        if tok.kind == "LPAREN":
            self.advance()
            if self.tok.kind == "RPAREN":
                raise QuerySyntaxError("empty parentheses", tok.column)
            if self.tok.kind == "END":
                raise QuerySyntaxError("'(' is never closed", tok.column)
            self.enter(tok)
            node = self.parse_or()
            if self.tok.kind != "RPAREN":
                raise QuerySyntaxError("'(' is never closed", tok.column)
            self.advance()
            self.depth -= 1
            return node
        if tok.kind == "FIELD":
            self.advance()
            if self.tok.kind == "NOT":
                raise QuerySyntaxError(f"write NOT {tok.text}:… rather than {tok.text}:NOT …",
                                       self.tok.column)
            self.enter(tok)
            node = Field(tok.text, self.parse_primary(), tok.column)
            self.depth -= 1
            return node
        if tok.kind == "WORD":
            self.advance()
            if tok.text == "*":
                raise QuerySyntaxError("'*' needs a word before it, e.g. drone*", tok.column)
            if tok.text.endswith("*"):
                return Term("prefix", tok.text[:-1], tok.column)
            return Term("word", tok.text, tok.column)
        if tok.kind == "PHRASE":
            self.advance()
            if not tok.text.strip():
                raise QuerySyntaxError("empty quoted phrase", tok.column)
            return Term("phrase", tok.text, tok.column)
        if tok.kind == "RPAREN":
            raise QuerySyntaxError("')' without a matching '('", tok.column)
        if tok.kind == "END":  # pragma: no cover - expect_operand reports this first
            raise QuerySyntaxError("query ends where a term was expected", tok.column)
        raise QuerySyntaxError(f"{tok.text} needs a term before it", tok.column)

    def expect_operand(self, op: Token) -> None:
        if self.tok.kind == "END" or self.tok.kind == "RPAREN":
            name = "'-'" if op.kind == "NEG" else op.text
            raise QuerySyntaxError(f"{name} must be followed by a term", op.column)


def parse_query(source: str) -> Node:
    """Parse a query string into a tree. Raises QuerySyntaxError."""
    node = _Parser(source).parse()
    column = _first_unanchored(node)
    if column is not None:
        raise QuerySyntaxError("the query must require at least one word that is not negated "
                               "(NOT alone would match almost every item)", column)
    return node


def matches_without_terms(node: Node) -> bool:
    """Whether `node` is true for an item that contains none of its terms."""
    if isinstance(node, Term):
        return False
    if isinstance(node, Not):
        return not matches_without_terms(node.child)
    if isinstance(node, And):
        return all(matches_without_terms(c) for c in node.children)
    if isinstance(node, Or):
        return any(matches_without_terms(c) for c in node.children)
    if isinstance(node, Near):
        return False
    return matches_without_terms(node.child)


def _first_unanchored(node: Node) -> int | None:
    # Matching looks only at rules one of whose words occurs in the item; a query that can be
    # true with none of them present would be skipped, and is almost surely a mistake anyway.
    if not matches_without_terms(node):
        return None
    return _column(node)


def _column(node: Node) -> int:
    if isinstance(node, (Term, Not, Near, Field)):
        return node.column
    return _column(node.children[0])


def terms(node: Node) -> list[tuple[Term, str | None]]:
    """Every term with the field it is scoped to (None: anywhere), left to right."""
    out: list[tuple[Term, str | None]] = []

    def walk(n: Node, field: str | None) -> None:
        if isinstance(n, Term):
            out.append((n, field))
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c, field)
        elif isinstance(n, Near):
            walk(n.left, field)
            walk(n.right, field)
        elif isinstance(n, Field):
            walk(n.child, n.name)
        else:
            walk(n.child, field)
    walk(node, None)
    return out
