"""Loading a year's schedule (service, API, CLI), provisional deadlines and their recomputation."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import select

from processes.calendar import functions as calfn
from processes.calendar.models import Deadline, HolidayYear
from processes.clock import CST
from processes.models import AuditEntry, TaskIndex, Timer
from processes.services.timers import fire_due
from tests.support.diagrams import CALENDAR_2027 as CAL_2027
from tests.support.diagrams import PUBLICITY as PUBLICITY_BPMN

DEC_28 = datetime(2026, 12, 28, 9, 0, tzinfo=CST)


def _start_publicity(api, clock, at: datetime = DEC_28) -> int:  # type: ignore[no-untyped-def]
    clock.set_state(at, timedelta(0))
    r = api.as_user("owner").deploy(PUBLICITY_BPMN)
    assert r.status_code in (200, 201), r.get_json()
    r = api.as_user("reviewer").post("/api/v1/process-instances", json={"process_key": "cal_publicity"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _rows(runtime, iid):  # type: ignore[no-untyped-def]
    uow = runtime.uow()
    with uow:
        timers = uow.s.scalars(select(Timer).where(Timer.instance_id == iid)).all()
        tasks = uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == iid)).all()
        deadlines = {d.kind: d for d in uow.s.scalars(select(Deadline).where(Deadline.instance_id == iid))}
        return timers, tasks, deadlines


def test_publicity_into_2027_is_provisional_then_recomputed_when_2027_is_loaded(api, clock, runtime):
    iid = _start_publicity(api, clock)
    timers, tasks, deadlines = _rows(runtime, iid)
    # unknown 2027 counted on its statutory holidays (元旦 Fri 1 Jan off), the start day not counted:
    # 29, 30, 31 Dec, Mon 4, Tue 5 Jan 2027
    assert timers[0].due_at == datetime(2027, 1, 5, 23, 59, 59, tzinfo=CST)
    assert tasks[0].due_at == datetime(2027, 1, 5, 23, 59, 59, tzinfo=CST)  # add_working_days(28 Dec, 5)
    assert deadlines["timer"].provisional and deadlines["timer"].unknown_years == [2027]
    assert deadlines["timer"].calendar_versions == {"2026": calfn.base_calendar().years[2026].version}
    assert deadlines["task"].provisional and deadlines["task"].rule == "add_working_days"

    r = api.as_user("admin").get("/api/v1/calendar/provisional")
    assert r.status_code == 200
    listed = r.get_json()
    assert 2027 in listed["unknown_years_ahead"]
    assert {d["element_id"] for d in listed["deadlines"]} == {"pub_wait", "check"}
    assert api.as_user("reviewer").get("/api/v1/calendar/provisional").status_code == 403

    data = {"file": (io.BytesIO(CAL_2027.read_bytes()), "2027.toml")}
    r = api.as_user("admin").client.post("/api/v1/calendar/years", data=data, headers=api._h(),
                                         content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["year"] == 2027 and body["previous_version"] is None
    # the published schedule confirms the provisional count (元旦 1–3 Jan): same dates, no longer provisional
    assert {(x["element_id"], x["old"][:10], x["new"][:10], x["old_provisional"], x["provisional"])
            for x in body["recomputed"]} == {("pub_wait", "2027-01-05", "2027-01-05", True, False),
                                             ("check", "2027-01-05", "2027-01-05", True, False)}

    timers, tasks, deadlines = _rows(runtime, iid)
    assert timers[0].due_at == datetime(2027, 1, 5, 23, 59, 59, tzinfo=CST)
    assert tasks[0].due_at == datetime(2027, 1, 5, 23, 59, 59, tzinfo=CST)
    for d in deadlines.values():
        assert not d.provisional and d.unknown_years == [] and set(d.calendar_versions) == {"2026", "2027"}
        assert d.recomputed_at is not None
    assert api.as_user("admin").get("/api/v1/calendar/provisional").get_json()["deadlines"] == []

    uow = runtime.uow()
    with uow:
        audits = uow.s.scalars(select(AuditEntry).where(AuditEntry.action == "deadline.recomputed")).all()
        assert len(audits) == 2 and all(a.instance_id == iid and a.actor == "admin" for a in audits)
        loaded = uow.s.scalars(select(HolidayYear)).one()
        assert (loaded.year, loaded.loaded_by, loaded.source) == (2027, "admin", "2027.toml")
    # the timer fires at the end of its last day
    clock.set_state(datetime(2027, 1, 5, 23, 0, tzinfo=CST), timedelta(0))
    fire_due(runtime.uow())  # what the scheduler does
    assert api.as_user("admin").instance(iid)["timers"] != []
    clock.set_state(datetime(2027, 1, 6, 0, 0, 1, tzinfo=CST), timedelta(0))
    fire_due(runtime.uow())
    assert api.as_user("admin").instance(iid)["timers"] == []


def test_deadline_closes_when_its_timer_fires_and_records_calendar_versions(api, clock, runtime):
    iid = _start_publicity(api, clock, datetime(2026, 9, 28, 9, 0, tzinfo=CST))
    _, _, deadlines = _rows(runtime, iid)
    d = deadlines["timer"]
    assert d.value == "2026-10-10T23:59:59+08:00" and not d.provisional and d.open
    assert d.start.isoformat() == "2026-09-28" and d.n == 5 and d.rule == "end_of_working_day"
    r = api.as_user("admin").post("/api/v1/clock", json={"now": "2026-10-11T09:00:00+08:00"})
    assert r.status_code == 200
    _, _, deadlines = _rows(runtime, iid)
    assert not deadlines["timer"].open and deadlines["timer"].closed_at is not None
    assert deadlines["task"].open


def test_bad_file_is_refused_with_its_line_and_nothing_changes(api, runtime):
    bad = 'year = 2027\n\n[[holidays]]\nname = "元旦"\nfrom = "2027-01-01"\nto = "2027-13-03"\n'
    r = api.as_user("admin").post("/api/v1/calendar/years", json={"toml": bad, "source": "2027.toml"})
    assert r.status_code == 422
    err = r.get_json()["errors"][0]
    assert err["field"] == "file" and err["line"] == 6 and "2027-13-03" in err["message"]
    assert api.as_user("reviewer").post("/api/v1/calendar/years", json={"toml": "year = 2027"}).status_code == 403
    years = api.as_user("reviewer").get("/api/v1/calendar/years").get_json()
    y2027 = next(y for y in years if y["year"] == 2027)
    assert y2027["known"] is False


def test_correcting_a_loaded_year_keeps_the_history(api, runtime):
    api.as_user("admin")
    r = api.client.post("/api/v1/calendar/years?source=first.toml", data=CAL_2027.read_bytes(),
                        headers={**api._h(), "Content-Type": "application/toml"})
    assert r.status_code == 201, r.get_json()
    first = r.get_json()["version"]
    corrected = CAL_2027.read_text(encoding="utf-8").replace('workdays = ["2027-01-09"]', "workdays = []")
    r = api.post("/api/v1/calendar/years", json={"toml": corrected, "source": "second.toml"})
    assert r.status_code == 201
    assert r.get_json()["previous_version"] == first
    y = next(y for y in api.get("/api/v1/calendar/years").get_json() if y["year"] == 2027)
    assert y["known"] and y["origin"] == "database" and y["workdays"] == []
    assert [x["source"] for x in y["loads"]] == ["second.toml", "first.toml"]
    assert api.get("/api/v1/calendar/years/2027.toml").data.decode() == corrected


def test_add_working_days_endpoint(api):
    r = api.as_user("applicant1").get("/api/v1/calendar/add-working-days?start=2026-09-28&n=5")
    assert r.status_code == 200
    assert r.get_json()["date"] == "2026-10-10" and r.get_json()["provisional"] is False
    r = api.get("/api/v1/calendar/add-working-days?start=2026-12-28&n=5&rule=end_of_working_day")
    assert r.get_json()["at"] == "2027-01-05T23:59:59+08:00" and r.get_json()["provisional"] is True
    assert api.get("/api/v1/calendar/add-working-days?start=2026-13-01&n=5").status_code == 422
    assert api.get("/api/v1/calendar/add-working-days?start=2026-12-01&n=x").status_code == 422


def test_cli_add_working_days_and_load(app, runtime):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["calendar", "add-working-days", "2026-09-28", "5"])
    assert r.exit_code == 0, r.output
    assert r.output.strip().splitlines()[-1] == "2026-10-10"
    r = runner.invoke(args=["calendar", "add-working-days", "2026-12-28", "5"])
    assert r.output.strip().splitlines()[-1] == "2027-01-05 provisional"
    r = runner.invoke(args=["calendar", "load", str(CAL_2027), "--by", "ops"])
    assert r.exit_code == 0, r.output
    assert "loaded 2027" in r.output
    r = runner.invoke(args=["calendar", "add-working-days", "2026-12-28", "5"])
    assert r.output.strip().splitlines()[-1] == "2027-01-05"
    r = runner.invoke(args=["calendar", "end-of-working-day", "2026-12-28", "5"])
    assert r.output.strip().splitlines()[-1] == "2027-01-05T23:59:59+08:00"
    r = runner.invoke(args=["calendar", "years"])
    assert "2027\t" in r.output and "ops" in r.output


def test_cli_load_reports_errors(app, runtime, tmp_path):
    bad = tmp_path / "2027.toml"
    bad.write_text('year = 2027\nworkdays = ["2027-01-04"]\n[[holidays]]\nname = "x"\ndates = ["2027-01-01"]\n',
                   encoding="utf-8")
    r = app.test_cli_runner().invoke(args=["calendar", "load", str(bad)])
    assert r.exit_code == 1
    assert "line 2" in r.output and "Monday" in r.output


def test_deadline_kept_in_a_variable_is_recomputed_with_its_timer(api, clock, runtime):
    from datetime import timedelta as td

    from tests.support.diagrams import PUBLICITY_VAR as PUBLICITY_VAR_BPMN

    clock.set_state(DEC_28, td(0))
    assert api.as_user("owner").deploy(PUBLICITY_VAR_BPMN).status_code in (200, 201)
    r = api.as_user("reviewer").post("/api/v1/process-instances", json={"process_key": "cal_publicity_var"})
    assert r.status_code == 201, r.get_json()
    iid = r.get_json()["id"]
    detail = api.as_user("admin").instance(iid)
    assert detail["variables"]["publicity_end"] == "2027-01-05T23:59:59+08:00"
    assert [d["element_id"] for d in api.get("/api/v1/calendar/provisional").get_json()["deadlines"]] == ["pub_wait"]
    # a schedule with a bridging day off on Monday 4 January moves the end by one working day
    bridged = CAL_2027.read_text(encoding="utf-8").replace('to = "2027-01-03"', 'to = "2027-01-04"')
    r = api.post("/api/v1/calendar/years", json={"toml": bridged})
    assert r.status_code == 201
    detail = api.instance(iid)
    assert detail["variables"]["publicity_end"] == "2027-01-06T23:59:59+08:00"
    assert detail["timers"][0]["due_at"].startswith("2027-01-06T15:59:59")
    clock.set_state(datetime(2027, 1, 7, 0, 0, 1, tzinfo=CST), td(0))
    fire_due(runtime.uow())  # what the scheduler does: reading an instance never fires its timers
    assert api.instance(iid)["state"] == "completed"


def test_admins_are_told_once_when_a_deadline_falls_in_an_unpublished_year(api, clock, runtime):
    """DOMAIN §6: never silently count Mon–Fri — the admin is told, once per missing year."""
    _start_publicity(api, clock)
    _start_publicity(api, clock)
    items = api.as_user("admin").get("/api/v1/notifications").get_json()["items"]
    calendar_notes = [n for n in items if n["kind"] == "calendar"]
    assert len(calendar_notes) == 1 and "2027" in calendar_notes[0]["title"]
    others = api.as_user("reviewer").get("/api/v1/notifications").get_json()["items"]
    assert [n for n in others if n["kind"] == "calendar"] == []
