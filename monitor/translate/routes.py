"""Translation routes: which chain of installed translators takes language A to language B.
Pure: decided from the installed package list and the available Apertium pairs.

Order of preference: the same language needs nothing; otherwise the shortest chain of Argos
packages (a direct package, else a pivot such as uk→ru→en or be→ru→en through installed
packages); only when no Argos chain exists, a chain that uses Apertium (be→ru with
`apertium bel-rus`, then Argos ru→en). Each Translation records the route label.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable, Sequence

from monitor.translate.packages import InstalledPackage

# Our language code pair → Apertium mode name (Debian package apertium-<mode>).
APERTIUM_MODES = {("be", "ru"): "bel-rus"}
MAX_HOPS = 3
# Languages the Argos package index has no package from (checked 2025; see README).
NOT_IN_ARGOS_INDEX = frozenset({"be"})


@dataclass(frozen=True)
class Hop:
    """One translator in a route: an Argos package, or an Apertium mode."""

    kind: str  # "argos" or "apertium"
    source: str
    target: str
    package: InstalledPackage | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.source}-{self.target}"

    @property
    def pair(self) -> str:
        return f"{self.source}-{self.target}"


@dataclass(frozen=True)
class Route:
    source: str
    target: str
    hops: tuple[Hop, ...] = ()

    @property
    def label(self) -> str:
        return "+".join(h.label for h in self.hops) or "identity"


def find_route(source: str, target: str, packages: Sequence[InstalledPackage],
               apertium_pairs: Iterable[tuple[str, str]] = ()) -> Route | None:
    """The preferred route from `source` to `target`, or None when there is none."""
    if source == target:
        return Route(source, target)
    argos = _argos_hops(packages)
    route = _shortest(source, target, argos)
    if route is None:
        apertium = [Hop("apertium", s, t) for s, t in sorted(set(apertium_pairs))]
        route = _shortest(source, target, argos + apertium)
    return route


def _argos_hops(packages: Sequence[InstalledPackage]) -> list[Hop]:
    """One hop per pair: the first package listed for it (the newest, as listed)."""
    hops: dict[tuple[str, str], Hop] = {}
    for p in packages:
        hops.setdefault((p.from_code, p.to_code), Hop("argos", p.from_code, p.to_code, p))
    return list(hops.values())


def _shortest(source: str, target: str, hops: list[Hop]) -> Route | None:
    by_source: dict[str, list[Hop]] = {}
    for hop in hops:
        by_source.setdefault(hop.source, []).append(hop)
    queue: deque[tuple[str, tuple[Hop, ...]]] = deque([(source, ())])
    visited = {source}
    while queue:
        language, path = queue.popleft()
        if len(path) >= MAX_HOPS:
            continue
        for hop in by_source.get(language, ()):
            if hop.target == target:
                return Route(source, target, path + (hop,))
            if hop.target not in visited:
                visited.add(hop.target)
                queue.append((hop.target, path + (hop,)))
    return None


def missing_route_hint(source: str, target: str, packages: Sequence[InstalledPackage],
                       apertium_pairs: Iterable[tuple[str, str]], *,
                       apertium_enabled: bool = True) -> str:
    """What a user can do when there is no source→target route (one line)."""
    pivots = sorted({p.to_code for p in packages if p.from_code == source}
                    | {p.from_code for p in packages if p.to_code == target})
    if source in NOT_IN_ARGOS_INDEX:
        steps = [f"install a {source}→{target} package made as README (section Translation) "
                 "shows"]
    else:
        steps = [f"run `monitor models install {source} {target}`"]
    for mid in pivots:
        steps.append(f"install a {source}→{mid} and a {mid}→{target} package")
    for (s, t), mode in APERTIUM_MODES.items():
        if s != source:
            continue
        if not apertium_enabled:
            steps.append(f"set `translation: apertium: true` and install a {t}→{target} "
                         "package")
        elif (s, t) in set(apertium_pairs):
            steps.append(f"run `monitor models install {t} {target}` (apertium {mode} is "
                         "installed)")
        else:
            steps.append(f"run `apt-get install apertium apertium-{mode}` and "
                         f"`monitor models install {t} {target}`")
    return "; or ".join(steps)
