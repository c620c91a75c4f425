"""What every client row of a run shares: the time, the classifiers' ids, the managers, the banks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from random import Random

from klientura.core.fake_ru import Region
from klientura.parties.identifiers import make_bik
from klientura.web.seeding.classifiers import Classifiers

# Fictional banks: their BIKs are random, so a real bank's name would tell a lie.
BANK_NAMES = (
    'ПАО "Меридиан Банк"',
    'АО "Волжский кредит"',
    'АО "Уралинвестбанк"',
    'ООО "Сибирский расчётный банк"',
    'АО "Балтийский торговый банк"',
    'ПАО "Дон-Капитал Банк"',
    'АО "Северная казна"',
    'АО "Приморский деловой банк"',
)


@dataclass(frozen=True)
class SeedContext:
    now: datetime
    today: date
    classifiers: Classifiers
    # Sales managers of the Moscow department take the regions on Moscow time, the others the rest.
    moscow_managers: tuple[int, ...]
    regional_managers: tuple[int, ...]
    banks: tuple[tuple[str, str], ...]  # (name, BIK)

    def managers_for(self, region: Region) -> tuple[int, ...]:
        own = self.moscow_managers if region.timezone == "Europe/Moscow" else self.regional_managers
        return own or self.moscow_managers or self.regional_managers


def demo_banks(seed: int) -> tuple[tuple[str, str], ...]:
    rng = Random(f"banks:{seed}")
    return tuple((name, make_bik(rng)) for name in BANK_NAMES)
