"""The scheduled refresh, end to end: new police months and dropped partner files into the
warehouse, the read-only copy published, indicators recomputed, new emerging issues flagged,
and the people who own what changed told.

One refresh runs at a time per warehouse (``warehouse.refresh.refresh_lock``); a second is
refused with :class:`RefreshBusy`. Each step is recorded on the :class:`RefreshRun` as it
finishes, and a run that stopped part-way (its process killed, or a failure) is resumed by the
next refresh, which skips the recorded steps. Every step is safe to do again: loads replace
their units whole, the sync recomputes, and notifications carry a key that notifies a person
once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from django.urls import reverse
from django.utils import timezone

from saferplaces.warehouse import refresh as wr
from saferplaces.warehouse.fetch import DEFAULT_BASE_URL
from saferplaces.warehouse.store import WarehouseError
from saferplaces.warehouse.store import connect as warehouse_connect
from saferplaces.web import integrations
from saferplaces.web.audit.services import record
from saferplaces.web.partnerships.models import Membership, Partnership, Role
from saferplaces.web.performance.models import Indicator, IndicatorValue
from saferplaces.web.refresh.models import RefreshRun

log = logging.getLogger(__name__)

RefreshBusy = wr.RefreshBusy

STEPS: list[tuple[str, str]] = [
    ("check", "Checking data.police.uk for new months and the drop folder for partner files"),
    ("police", "Fetching and loading the new months"),
    ("measures", "Loading partner files from the drop folder"),
    ("publish", "Publishing the read-only copy for the web pages"),
    ("indicators", "Recomputing indicators"),
    ("emerging", "Looking for new emerging issues"),
    ("notify", "Telling the people who own what changed"),
]

ProgressFn = Callable[[int, int, str], None]


class RefreshFailed(WarehouseError):
    """A step could not finish; the message is one plain line."""


def workspace_folder() -> Path:
    """The folder of the main warehouse: downloads/ and drop/measures/ live beside it."""
    return integrations.warehouse_path().parent


def drop_folder() -> Path:
    return wr.drop_folder(workspace_folder())


def _month_words(months: list[str]) -> str:
    labels = [dt.date.fromisoformat(m + "-01").strftime("%B %Y") for m in months]
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _plain(exc: BaseException) -> str:
    if isinstance(exc, WarehouseError):
        return str(exc)
    return integrations.plain_failure(exc)


def refresh(
    *,
    base_url: str = DEFAULT_BASE_URL,
    today: dt.date | None = None,
    progress: ProgressFn | None = None,
) -> RefreshRun:
    """Run (or resume) one refresh. Raises RefreshBusy if another is running; a failure is
    recorded on the run (outcome "failed", the plain reason in ``error``) and returned."""
    warehouse = integrations.warehouse_path()
    with wr.refresh_lock(warehouse):
        run = _resume_or_start()
        work = _Work(run, warehouse, base_url, today, progress)
        try:
            work.run()
        except Exception as exc:
            log.exception("The refresh (run %s) failed", run.pk)
            run.outcome = RefreshRun.Outcome.FAILED
            run.error = _plain(exc)[:5000]
            run.finished = timezone.now()
            run.save()
        finally:
            work.close()
        return run


def _resume_or_start() -> RefreshRun:
    """The last run, if it stopped part-way (we hold the lock, so nobody is running it)."""
    last = RefreshRun.objects.first()
    now = timezone.now()
    if last is not None and last.outcome in (RefreshRun.Outcome.RUNNING, RefreshRun.Outcome.FAILED):
        last.attempts += 1
        last.outcome = RefreshRun.Outcome.RUNNING
        last.finished = None
        last.error = ""
        last.save()
        return last
    return RefreshRun.objects.create(started=now)


class _Work:
    def __init__(
        self,
        run: RefreshRun,
        warehouse: Path,
        base_url: str,
        today: dt.date | None,
        progress: ProgressFn | None,
    ) -> None:
        self.run_record = run
        self.warehouse = warehouse
        self.base_url = base_url
        self.today = today
        self.progress = progress
        self._con: duckdb.DuckDBPyConnection | None = None

    # The writer's connection, opened for the warehouse steps only.
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            if not self.warehouse.exists():
                raise RefreshFailed(
                    f"There is no warehouse at {self.warehouse} yet. Load police data first "
                    "(saferplaces fetch police --force F --from M --to M)."
                )
            self._con = warehouse_connect(self.warehouse)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            with contextlib.suppress(duckdb.Error):
                self._con.close()
            self._con = None

    def run(self) -> None:
        run = self.run_record
        for i, (step, label) in enumerate(STEPS):
            if step in run.steps:
                continue
            if self.progress:
                self.progress(i, len(STEPS), label)
            finished = getattr(self, f"step_{step}")()
            run.steps[step] = timezone.now().isoformat(timespec="seconds")
            run.save()
            if finished:
                break
        if self.progress:
            self.progress(len(STEPS), len(STEPS), run.message or "Done")

    # --- the steps; each returns True when the run has nothing more to do -------------------

    def step_check(self) -> bool:
        run = self.run_record
        check = wr.check_police(self.con, self.base_url, self.today)
        waiting = [p.name for p in wr.waiting_files(drop_folder())]
        run.months_found = check.new_months
        run.state["check"] = {
            "latest": check.latest, "archive": check.archive, "kinds": check.kinds
        }  # fmt: skip
        run.state["waiting"] = waiting
        if check.new_months or waiting:
            return False
        latest = sorted(set(check.latest.values()))
        if latest:
            what = (
                "data.police.uk has published nothing after "
                + _month_words(latest[-1:])
                + " (the latest month loaded)"
            )
        else:
            what = "no police data is loaded yet, so there is no force to refresh"
        run.outcome = RefreshRun.Outcome.NOTHING_NEW
        run.message = f"Nothing new: {what}, and no partner files are waiting."
        run.finished = timezone.now()
        return True

    def step_police(self) -> bool:
        run = self.run_record
        if not run.months_found:
            return False
        found = run.state["check"]
        check = wr.PoliceCheck(
            found["latest"], found["archive"], list(run.months_found), found.get("kinds", [])
        )
        wr.fetch_new(self.con, workspace_folder() / "downloads", check, self.base_url, self.today)
        # What is now in the warehouse, not what this attempt wrote: a resumed run counts the
        # months an earlier attempt loaded before it was stopped.
        months = [dt.date.fromisoformat(m + "-01") for m in run.months_found]
        marks = ",".join("?" * len(months))
        rows = self.con.execute(
            "SELECT DISTINCT strftime(month, '%Y-%m') FROM police_loads WHERE is_current "
            f"AND kind = 'street' AND month IN ({marks}) ORDER BY 1",
            months,
        ).fetchall()
        run.months_loaded = [r[0] for r in rows]
        return False

    def step_measures(self) -> bool:
        run = self.run_record
        results = wr.load_dropped_measures(self.con, drop_folder(), today=self.today)
        run.measure_files = list(run.measure_files) + [
            {"file": r.file, "loaded": r.loaded, "measure_id": r.measure_id,
             "periods": r.periods, "error": r.error}
            for r in results
        ]  # fmt: skip
        run.measures_loaded = sum(1 for f in run.measure_files if f["loaded"])
        return False

    def step_publish(self) -> bool:
        wr.publish_read_copy(self.con, self.warehouse)
        # The web steps read the published copy; the writer's connection is done.
        self.close()
        return False

    def step_indicators(self) -> bool:
        from saferplaces.web.performance.services import warehouse_sync

        run = self.run_record
        if "emerging_before" not in run.state:
            run.state["emerging_before"] = _emerging_now()
            run.save()
        sync = warehouse_sync(force=True)
        if sync is None or not sync.stamp:
            raise RefreshFailed(
                "The indicators could not be recomputed: "
                + (sync.message if sync is not None else integrations.NO_WAREHOUSE)
            )
        affected = _affected(run)
        run.state["affected"] = affected
        run.indicators_updated = len(affected)
        return False

    def step_emerging(self) -> bool:
        run = self.run_record
        before = run.state.get("emerging_before", {})
        after = _emerging_now()
        new = {
            pid: [k for k in keys if k not in set(before.get(pid, []))]
            for pid, keys in after.items()
        }
        new = {pid: keys for pid, keys in new.items() if keys}
        run.state["emerging_new"] = new
        run.emerging_flagged = sum(len(v) for v in new.values())
        return False

    def step_notify(self) -> bool:
        run = self.run_record
        run.people_notified += _notify_owners(run)
        parts = []
        if run.months_loaded:
            parts.append(f"police data for {_month_words(run.months_loaded)} loaded")
        if run.measure_files:
            failed = len(run.measures_failed)
            parts.append(
                f"{run.measures_loaded} partner file(s) loaded"
                + (f", {failed} refused (see the failed folder)" if failed else "")
            )
        parts.append(f"{run.indicators_updated} indicator(s) updated")
        parts.append(f"{run.emerging_flagged} new emerging issue(s)")
        parts.append(f"{run.people_notified} people told")
        text = "; ".join(parts) + "."
        run.message = text[0].upper() + text[1:]
        run.outcome = RefreshRun.Outcome.DONE
        run.finished = timezone.now()
        record(
            actor=None,
            verb="refresh",
            obj=run,
            object_type="data refresh",
            summary=run.message,
            after={"months_loaded": run.months_loaded, "measure_files": run.measure_files},
        )
        return True


def _emerging_now() -> dict[str, list[int]]:
    """Each partnership's police-data counts flagged by the emerging-issues test, now."""
    from saferplaces.web.performance.selectors import emerging_for

    out: dict[str, list[int]] = {}
    ids = (
        Indicator.objects.filter(
            source=Indicator.Source.WAREHOUSE,
            measure=Indicator.Measure.COUNT,
            archived_at__isnull=True,
        )
        .values_list("partnership_id", flat=True)
        .distinct()
    )
    for p in Partnership.objects.filter(pk__in=list(ids)).order_by("pk"):
        scan = emerging_for(p)
        out[str(p.pk)] = sorted(f.key for f in scan.flags) if scan is not None else []
    return out


def _affected(run: RefreshRun) -> list[int]:
    """Current computed indicators with a value for a month loaded, or fed by a partner file
    loaded, in this run."""
    months = [dt.date.fromisoformat(m + "-01") for m in run.months_loaded]
    measures = {f["measure_id"] for f in run.measure_files if f.get("loaded")}
    current = Indicator.objects.filter(archived_at__isnull=True).filter(
        source__in=[Indicator.Source.WAREHOUSE, Indicator.Source.PARTNER]
    )
    ids = set(
        IndicatorValue.objects.filter(
            indicator__in=current.filter(source=Indicator.Source.WAREHOUSE), period__in=months
        )
        .values_list("indicator_id", flat=True)
        .distinct()
    )
    if measures:
        ids |= set(
            current.filter(
                source=Indicator.Source.PARTNER, partner_measure__in=measures
            ).values_list("pk", flat=True)
        )
    return sorted(ids)


def _figure(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _notify_owners(run: RefreshRun) -> int:
    """One notification per person per partnership: indicators they own, or under priorities
    they lead, that have new figures or were newly flagged as emerging; managers get all of
    their partnership's."""
    from saferplaces.web.notifications.models import Kind
    from saferplaces.web.notifications.services import notify

    affected = set(run.state.get("affected", []))
    emerging = {int(k) for keys in run.state.get("emerging_new", {}).values() for k in keys}
    inds = (
        Indicator.objects.filter(pk__in=affected | emerging)
        .select_related("partnership", "priority", "priority__lead_officer", "owner")
        .order_by("partnership_id", "position", "name")
    )
    by_partnership: dict[int, list[Indicator]] = {}
    for ind in inds:
        by_partnership.setdefault(ind.partnership_id, []).append(ind)
    months = _month_words(run.months_loaded) if run.months_loaded else ""
    sent = 0
    for inds_p in by_partnership.values():
        p = inds_p[0].partnership
        lines_for: dict[int, list[str]] = {}
        users: dict[int, Any] = {}

        managers = [
            m.user
            for m in Membership.objects.filter(partnership=p, role=Role.MANAGER).select_related(
                "user"
            )
        ]
        flagged = 0
        for ind in inds_p:
            lines = []
            if ind.pk in emerging:
                flagged += 1
                lines.append(
                    f"Emerging issue: {ind.name} has been higher than usual in the latest "
                    "three months."
                )
            if ind.pk in affected:
                latest = ind.values.order_by("-period").first()
                figure = (
                    f", latest {_figure(latest.value)}"
                    + (f" {ind.unit}" if ind.unit else "")
                    + f" in {latest.period:%B %Y}"
                    if latest is not None
                    else ""
                )
                lines.append(
                    f"{ind.name}: new figures"
                    + (f" for {months}" if months and ind.is_warehouse else "")
                    + figure
                    + "."
                )
            lead = ind.priority.lead_officer if ind.priority_id else None
            for user in (ind.owner, lead, *managers):
                if user is None:
                    continue
                users[user.pk] = user
                told = lines_for.setdefault(user.pk, [])
                told += [line for line in lines if line not in told]
        subject = f"{p.name}: " + (
            f"new police data to {_month_words(run.months_loaded[-1:])}" if months
            else "new partner data"
        )  # fmt: skip
        if flagged:
            subject += f", {flagged} new emerging issue{'s' if flagged != 1 else ''}"
        url = reverse("performance:list", args=[p.slug])
        for pk, user in users.items():
            sent += notify(
                [user],
                kind=Kind.DATA_REFRESHED,
                subject=subject,
                body="\n".join(lines_for[pk]),
                url=url,
                partnership=p,
                key=f"refresh-{run.pk}-{p.pk}",
            )
    return sent


def publish_now() -> Path:
    """Publish the read-only copy without a refresh (after loading data by hand). Raises
    RefreshBusy if a refresh is running (it publishes when it finishes)."""
    return wr.publish_now(integrations.warehouse_path())
