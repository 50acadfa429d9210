"""Money gates: what a phase will cost before it is paid, and the refusal to overspend.

An estimate is the sum of the providers' own estimates over the requests that are not cache hits
(a hit costs nothing). ``--budget`` caps what the whole run may spend on new generations; without
it, Phase 3 (the expensive one: video and lip sync) must be approved by the user first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shotline.film.generation import Plan


class BudgetExceeded(RuntimeError):
    """A phase would take the run over its budget; nothing of it was submitted."""


@dataclass(frozen=True)
class Estimate:
    phase: str
    cost: Decimal  # of the requests that will be generated
    generate: int  # how many requests that is
    cached: int  # requests answered by the cache (free)
    approximate: bool = False  # durations guessed from the text (speech not made yet)

    def describe(self) -> str:
        about = "about " if self.approximate else ""
        # A plan, worded as one: what each batch came to is noted after it runs (``summarize``).
        return (
            f"{self.phase}: {self.generate} to generate for {about}${self.cost:.4f} "
            f"({self.cached} in the cache, free)"
        )


def estimate(phase: str, plans: Sequence[Plan], extra: Decimal = Decimal(0),
             approximate: bool = False) -> Estimate:  # fmt: skip
    """``extra``: requests that cannot be planned yet (their inputs do not exist), priced."""
    new = [p for p in plans if p.provider is not None and not p.cached]
    cost = sum((p.estimate for p in new), Decimal(0)) + extra
    cached = sum(1 for p in plans if p.cached)
    return Estimate(phase, cost, len(new), cached, approximate)


def check_budget(budget: Decimal | None, spent: Decimal, cost: Estimate) -> None:
    if budget is None or spent + cost.cost <= budget:
        return
    raise BudgetExceeded(
        f"{cost.describe()}; with ${spent:.4f} already spent that exceeds the budget of "
        f"${budget:.4f}: nothing was submitted (raise --budget, or use cheaper --providers)"
    )
