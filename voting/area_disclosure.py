"""How many votes a homeowners' assembly's disclosed areas give away (docs/protocol.md §P9.5).

In an assembly every counted ballot carries its owner's exclusive area as a public weight (disclosed by the
credential in the anonymous mode, on the roll in the signing mode), and the result publishes, per option, the
number of owners and the sum of their areas. Together these can force a ballot's option: with five owners of
distinct areas, one "no" of 120.00 m² names the flat of 120.00 m². This module measures that, in two ways.

**From the tally** (:func:`tally_exposure`, the report): the ballots' areas (a multiset) and the published totals.
Ballots of one area are interchangeable — nobody can tell them apart — so an *assignment* is, per distinct area
``w`` with ``c_w`` ballots, how many of them chose each option (``k_w``), such that the head counts and the area
sums per option are the published ones. A ballot is **attributed** if its option is the same in every consistent
assignment of options to the ballots; that happens exactly when every consistent assignment puts all ``c_w``
ballots of its area on one and the same option (if one assignment splits them, permuting ballots of that area
gives each of them either option). The number of consistent ballot-level assignments is
``Σ over consistent (k_w) of ∏_w multinomial(c_w; k_w)``; the true one is among them, so it is at least 1.
Computed by dynamic programming over the distinct areas (forward: reachable partial totals with their counts;
backward: the partial totals that still reach the published totals), with a bound on the work: beyond
``max_work`` transitions the answer is the conservative one (every ballot may be attributed, ``exact`` false).

**From the roll** (:func:`roll_exposure`, at creation and opening): before anyone votes, the worst case over the
possible votes. An owner whose area no other owner on the roll has is attributed whenever she alone votes
differently from everyone else (the totals then say "1 owner, w m²"), whatever the other areas are; an owner who
shares her area with others is hidden among them (ballots of one area are indistinguishable) unless all of them
vote alike. So the worst-case anonymity set of an owner is the number of owners of her area, and the roll
**identifies votes** if some area is held by one owner only. A unanimous vote of everyone (or of everyone of one
area) reveals those votes whatever the areas; that is what publishing totals means, and it is not counted here as
the areas' doing — :attr:`TallyExposure.by_heads_alone` says when the head totals alone force every ballot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import comb
from typing import TYPE_CHECKING

from voting.errors import InvalidElection

if TYPE_CHECKING:
    from voting.election import ElectionDefinition

__all__ = [
    "DEFAULT_MAX_WORK",
    "RollExposure",
    "TallyExposure",
    "check_roll_disclosure",
    "roll_exposure",
    "tally_exposure",
]

DEFAULT_MAX_WORK = 1_000_000  # DP transitions (about a second in CPython) before the conservative answer


@dataclass(frozen=True, slots=True)
class RollExposure:
    """§P9.5, worst case from the roll: how many owners a lone dissenting vote would name."""

    owners: int
    unique: int  # owners whose area no other owner on the roll has
    smallest_class: int  # the fewest owners sharing one area (0 for an empty roll)
    areas: int  # distinct areas on the roll

    @property
    def identifies_votes(self) -> bool:
        """Some owner's vote can be attributed to her flat by the disclosed areas and the totals."""
        return self.unique > 0


def roll_exposure(areas: Sequence[int]) -> RollExposure:
    """The worst-case exposure of a roll's owners (areas in 0.01 m², one per owner)."""
    if any(a <= 0 for a in areas):
        raise ValueError("every owner has a positive area")
    sizes = Counter(areas).values()
    return RollExposure(
        owners=len(areas),
        unique=sum(1 for s in sizes if s == 1),
        smallest_class=min(sizes, default=0),
        areas=len(sizes),
    )


def check_roll_disclosure(definition: ElectionDefinition, areas: Sequence[int]) -> None:
    """§P9.5: raise InvalidElection if ``definition`` is an anonymous assembly whose roll (``areas``) identifies
    votes and the administrator did not accept it (``accept_area_disclosure``)."""
    from voting.election import EligibilityMode  # here: voting.election imports the kinds, which import rules

    if not definition.kind_rules.weighted or definition.eligibility is not EligibilityMode.ANONYMOUS:
        return
    if definition.accept_area_disclosure:
        return
    exposure = roll_exposure(areas)
    if exposure.identifies_votes:
        raise InvalidElection(
            f"the areas of {exposure.unique} of the {exposure.owners} owners are unique on the roll: the ballots "
            "disclose them and the result publishes the area per option, so the vote of such an owner can be "
            "identified (docs/protocol.md §P9.5); an anonymous assembly with this roll needs the administrator's "
            "explicit acceptance: create the election with --accept-area-disclosure"
        )


@dataclass(frozen=True, slots=True)
class TallyExposure:
    """§P9.5, from the tally: what the disclosed areas and the published totals force."""

    ballots: int
    exact: bool  # False: the work bound was reached and the figures below are the conservative answer
    assignments: int  # consistent assignments of options to the ballots (0 when not exact: unknown)
    attributed: int  # ballots whose option is forced (not exact: every ballot, the conservative bound)
    forced: tuple[tuple[int, int, int], ...]  # (area, ballots of that area, their option index), by area
    by_heads_alone: bool  # the head totals alone force every ballot (everyone chose one option)

    @property
    def identifies_votes(self) -> bool:
        """Some ballot's option is forced, and not merely by a unanimous vote."""
        return self.attributed > 0 and not self.by_heads_alone


def _compositions(count: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to split ``count`` ballots over ``parts`` options, as per-option counts."""
    if parts == 1:
        yield (count,)
        return
    for first in range(count + 1):
        for rest in _compositions(count - first, parts - 1):
            yield (first, *rest)


def _multinomial(parts: tuple[int, ...]) -> int:
    out, left = 1, sum(parts)
    for p in parts:
        out *= comb(left, p)
        left -= p
    return out


def tally_exposure(
    areas: Sequence[int],
    heads: Sequence[int],
    area_totals: Sequence[int],
    *,
    max_work: int = DEFAULT_MAX_WORK,
) -> TallyExposure:
    """The exposure of ballots with these disclosed ``areas`` (one per counted ballot, 0.01 m²) under the
    published per-option ``heads`` and ``area_totals``. Raises ValueError if the totals cannot come from these
    areas (a record that does not verify)."""
    k = len(heads)
    if k < 1 or len(area_totals) != k or any(a <= 0 for a in areas) or any(x < 0 for x in (*heads, *area_totals)):
        raise ValueError("positive areas and one non-negative head and area total per option")
    if sum(heads) != len(areas) or sum(area_totals) != sum(areas):
        raise ValueError("the totals do not add up to the ballots and their areas")
    by_heads_alone = sum(1 for h in heads if h) <= 1
    classes = sorted(Counter(areas).items())  # (area, ballots of that area)
    # a state: the partial head counts and area sums of the first k-1 options (the last option follows)
    target = (*heads[:-1], *area_totals[:-1])
    choices = [[(comp, _multinomial(comp)) for comp in _compositions(c, k)] for _, c in classes]
    # remaining ballots and the area range of the classes not yet placed, for pruning
    suffix_ballots = [sum(c for _, c in classes[i:]) for i in range(len(classes) + 1)]
    work = 0

    def conservative() -> TallyExposure:
        return TallyExposure(len(areas), False, 0, len(areas), (), by_heads_alone)

    layers: list[dict[tuple[int, ...], int]] = [{(0,) * (2 * (k - 1)): 1}]
    for i, ((w, _), options) in enumerate(zip(classes, choices, strict=True)):
        left = suffix_ballots[i + 1]
        w_min, w_max = (classes[i + 1][0], classes[-1][0]) if left else (0, 0)
        layer: dict[tuple[int, ...], int] = {}
        for state, ways in layers[-1].items():
            for comp, mult in options:
                work += 1
                if work > max_work:
                    return conservative()
                nxt = (
                    *(state[j] + comp[j] for j in range(k - 1)),
                    *(state[k - 1 + j] + w * comp[j] for j in range(k - 1)),
                )
                if not _can_reach(nxt, target, k, left, w_min, w_max):
                    continue
                layer[nxt] = layer.get(nxt, 0) + ways * mult
        layers.append(layer)
    assignments = layers[-1].get(target, 0)
    if not assignments:
        raise ValueError("no assignment of options to these areas gives the published totals")
    # backward: the states on a path to the target, and each class's compositions on such a path
    reach: set[tuple[int, ...]] = {target}
    feasible: list[set[tuple[int, ...]]] = [set() for _ in classes]
    for i in range(len(classes) - 1, -1, -1):
        w = classes[i][0]
        before: set[tuple[int, ...]] = set()
        for state in reach:
            for comp, _ in choices[i]:
                prev = (
                    *(state[j] - comp[j] for j in range(k - 1)),
                    *(state[k - 1 + j] - w * comp[j] for j in range(k - 1)),
                )
                if prev in layers[i]:
                    feasible[i].add(comp)
                    before.add(prev)
        reach = before
    forced = []
    for (w, c), comps in zip(classes, feasible, strict=True):
        if len(comps) == 1:
            (comp,) = comps
            if c in comp:
                forced.append((w, c, comp.index(c)))
    return TallyExposure(
        ballots=len(areas),
        exact=True,
        assignments=assignments,
        attributed=sum(c for _, c, _ in forced),
        forced=tuple(forced),
        by_heads_alone=by_heads_alone,
    )


def _can_reach(state: tuple[int, ...], target: tuple[int, ...], k: int, left: int, w_min: int, w_max: int) -> bool:
    """Whether the classes still to place (``left`` ballots, areas in [w_min, w_max]) can complete ``state``."""
    need_heads = 0
    for j in range(k - 1):
        h, a = target[j] - state[j], target[k - 1 + j] - state[k - 1 + j]
        if h < 0 or a < 0 or h * w_min > a or a > h * w_max:
            return False
        need_heads += h
    return need_heads <= left
