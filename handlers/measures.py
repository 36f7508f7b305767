"""Art. 23, the measure's lifetime: 聊工信发〔2021〕115号 is in force from 2022-01-01 to 2026-12-31.

A successor measure will change thresholds or steps. Rule sets (DMN tables) and diagrams carry the
measure they implement and the dates it is in force; a round names the measure that applies to it; an
application keeps the diagram version it started under (docs/DOMAIN.md §3 "Policy lifetime").
Pure: dates and dicts in, dicts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from handlers.certificates import parse_iso_date

PROPERTY_PREFIX = "measure_"  # camunda:property names: measure_title, measure_number, measure_effective_*


@dataclass(frozen=True)
class Measure:
    """A measure (办法): title, document number and the dates it is in force (both included)."""

    title: str
    number: str
    effective_from: date
    effective_to: date | None = None  # None: no end date set

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def covers(self, first: date, last: date) -> bool:
        """Every day from ``first`` to ``last`` is within the measure's dates."""
        return self.in_force_on(first) and self.in_force_on(last)

    def label(self) -> str:
        until = f"至{self.effective_to.isoformat()}" if self.effective_to else "起"
        return f"《{self.title}》（{self.number}，{self.effective_from.isoformat()}{until}）"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["effective_from"] = self.effective_from.isoformat()
        d["effective_to"] = self.effective_to.isoformat() if self.effective_to else None
        return d


#: Art. 23: 本办法自2022年1月1日起施行，有效期至2026年12月31日。
MEASURE_2021_115 = Measure("聊城市中小企业公共服务示范平台认定管理办法", "聊工信发〔2021〕115号",
                           date(2022, 1, 1), date(2026, 12, 31))


def measure_from(values: Mapping[str, Any]) -> Measure:
    """A measure from ``{title, number, effective_from, effective_to}`` (also with the ``measure_``
    prefix of the diagrams' properties). Raises ValueError (Chinese) naming what is missing or wrong."""
    def get(key: str) -> Any:
        value = values.get(key, values.get(PROPERTY_PREFIX + key))
        return value.strip() if isinstance(value, str) else value

    title, number = get("title"), get("number")
    missing = [label for label, v in (("办法名称", title), ("文号", number), ("施行日期", get("effective_from")))
               if not v]
    if missing:
        raise ValueError(f"第二十三条：请写明适用的办法（缺少{'、'.join(missing)}）")
    try:
        start = parse_iso_date(get("effective_from"))
        end = parse_iso_date(get("effective_to")) if get("effective_to") else None
    except ValueError:
        raise ValueError("办法的施行日期、有效期应为 YYYY-MM-DD") from None
    if end is not None and end < start:
        raise ValueError("办法的有效期不能早于施行日期")
    return Measure(str(title), str(number), start, end)


def measure_properties(props: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The ``measure_*`` properties among a diagram's ``camunda:property`` (name, value) pairs."""
    return {k: v for k, v in props if k.startswith(PROPERTY_PREFIX)}


def in_force(measures: Iterable[Measure], day: date) -> Measure | None:
    """The measure in force on ``day`` (the latest to take effect), or None: no measure applies."""
    found = [m for m in measures if m.in_force_on(day)]
    return max(found, key=lambda m: m.effective_from) if found else None


def round_measure(first: date, last: date, named: Mapping[str, Any] | None,
                  known: Iterable[Measure] = (MEASURE_2021_115,)) -> Measure:
    """Art. 23: the measure that applies to a round open from ``first`` to ``last``. A round within a
    known measure's dates gets it; a round falling after the measure in force has lapsed must name
    its measure (``named``: title, number, effective dates), and its dates must fall within it.
    Raises ValueError (Chinese) otherwise."""
    if named and any(named.get(k) for k in ("title", "number", "effective_from")):
        measure = measure_from(named)
        if not measure.covers(first, last):
            raise ValueError(f"批次日期 {first.isoformat()} 至 {last.isoformat()} 不在{measure.label()}的有效期内")
        return measure
    for measure in known:
        if measure.covers(first, last):
            return measure
    lapsed = "、".join(m.label() for m in known)
    raise ValueError(f"第二十三条：{lapsed}已于批次日期前失效，开设 {first.year} 年度批次须写明适用的办法"
                     "（名称、文号、施行日期和有效期）")


def lapsed_warning(day: date, known: Iterable[Measure]) -> str | None:
    """The round page's warning while no measure is in force (Art. 23), else None."""
    measures = list(known)
    if in_force(measures, day) is not None:
        return None
    last = max((m for m in measures if m.effective_to is not None), key=lambda m: m.effective_to or day,
               default=None)
    if last is None:
        return "第二十三条：目前没有有效的认定办法，开设批次须写明适用的办法。"
    return (f"第二十三条：{last.label()}已于{last.effective_to.isoformat() if last.effective_to else ''}失效，"
            "目前没有有效的认定办法；开设批次须写明适用的办法（名称、文号、施行日期和有效期）。")
