"""Demo data of the recognition area: keep a round open for the current year (per the clock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select

from handlers.recognition_steps import beijing_date
from processes.errors import Invalid
from processes.recognition.models import RecognitionRound
from processes.recognition.services import open_round
from processes.runtime import Runtime
from processes.services.core import SYSTEM


def load_demo(rt: Runtime) -> Iterator[str]:
    year = beijing_date(rt.now()).year
    uow = rt.uow()
    with uow:
        existing = uow.s.scalars(select(RecognitionRound).where(RecognitionRound.year == year)).first()
        if existing is not None:
            if existing.status != "open" or existing.submission_deadline < beijing_date(rt.now()):
                existing.status = "open"
                existing.submission_deadline = date(year, 12, 31)
                uow.commit()
                yield f"recognition: {year} round reopened until {year}-12-31"
            else:
                yield f"recognition: {year} round open (unchanged)"
            return
    try:
        view = open_round(rt.uow(), SYSTEM, year, date(year, 12, 31))
    except Invalid as exc:  # Art. 23: after 2026 an administrator must name the measure that applies
        yield f"recognition: {year} round not opened: {exc.message}"
        return
    yield f"recognition: {year} round opened (deadline {view['submission_deadline']})"
