"""Channel policy (chính sách phân luồng): the share of declarations each channel takes."""

from __future__ import annotations

from dataclasses import dataclass

# Lanes from least to most strict: green (cleared), blue (cleared, then post-clearance audit,
# kiểm tra sau thông quan), yellow (documents checked, luồng vàng), red (goods examined, luồng đỏ).
LANES = ("green", "blue", "yellow", "red")


def stricter(a: str, b: str) -> str:
    """Return the stricter of two lanes (``LANES`` order)."""
    return a if LANES.index(a) >= LANES.index(b) else b


@dataclass(frozen=True)
class Policy:
    """Share targets: red for the riskiest ``red_share``, yellow for the next ``yellow_share``;
    risk profile hits may send at most ``profile_cap`` of the declarations to red beyond them."""

    red_share: float = 0.05
    yellow_share: float = 0.15
    random_rate: float = 0.02
    profile_cap: float = 0.05

    def __post_init__(self):
        for name in ("red_share", "yellow_share", "random_rate", "profile_cap"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {getattr(self, name)}")
        if self.red_share + self.yellow_share > 1:
            raise ValueError("red_share and yellow_share add up to more than 1")
