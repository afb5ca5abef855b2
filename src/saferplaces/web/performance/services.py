"""Writes for the performance framework, including values computed from the warehouse."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from saferplaces.web import integrations
from saferplaces.web.accounts.models import User
from saferplaces.web.audit.services import record, snapshot
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.performance.models import Indicator, IndicatorValue, WarehouseSync
from saferplaces.web.plans.services import check_current, set_archived

log = logging.getLogger(__name__)

INDICATOR_FIELDS = [
    "priority",
    "name",
    "definition",
    "source",
    "measure",
    "partner_measure",
    "category",
    "area_code",
    "owner",
    "unit",
    "baseline_value",
    "baseline_label",
    "target_value",
    "direction",
    "green_at",
    "red_at",
    "position",
]


def _check_indicator(ind: Indicator) -> None:
    errors: dict[str, str] = {}
    if ind.source == Indicator.Source.WAREHOUSE:
        if ind.measure not in Indicator.Measure.values:
            errors["measure"] = "Choose what to measure from the warehouse: a count, a rate or harm"
        if ind.category and ind.category not in integrations.warehouse_categories():
            errors["category"] = "Choose a police.uk crime category"
    elif ind.source == Indicator.Source.PARTNER:
        ind.measure = Indicator.Measure.COUNT
        ind.category = ""
        if not ind.partner_measure:
            errors["partner_measure"] = "Choose the partner measure from the warehouse"
        else:
            known = integrations.partner_measures()
            if known is not None and ind.partner_measure not in known:
                errors["partner_measure"] = (
                    "Choose one of the partner measures loaded into the warehouse"
                )
    else:
        ind.measure = ind.measure or ""
    if ind.priority_id and ind.priority.partnership_id not in {
        ind.partnership_id,
        ind.partnership.county_id,
    }:
        errors["priority"] = "Choose one of this partnership's priorities"
    elif ind.priority_id and ind.priority.is_archived:
        errors["priority"] = "That priority is archived. Choose a current one"
    g, r = ind.green_at, ind.red_at
    if g is not None and r is not None:
        if ind.direction == Indicator.Direction.DOWN and r < g:
            errors["red_at"] = (
                "When lower is better, the red threshold must be at or above the green one"
            )
        if ind.direction == Indicator.Direction.UP and r > g:
            errors["red_at"] = (
                "When higher is better, the red threshold must be at or below the green one"
            )
    if errors:
        raise ValidationError(errors)
    if ind.source != Indicator.Source.PARTNER:
        ind.partner_measure = ""
    if not ind.unit:
        ind.unit = {
            "count": "crimes",
            "rate": "per 1,000 residents",
            "harm": "harm per 1,000 residents",
        }.get(ind.measure, "")


@transaction.atomic
def indicator_create(*, actor: User | None, partnership: Partnership, **fields: Any) -> Indicator:
    ind = Indicator(partnership=partnership)
    for k, v in fields.items():
        if k not in INDICATOR_FIELDS:
            raise ValueError(k)
        setattr(ind, k, v)
    _check_indicator(ind)
    ind.full_clean()
    ind.save()
    record(actor=actor, verb="create", obj=ind, partnership=partnership, after=snapshot(ind))
    return ind


@transaction.atomic
def indicator_update(*, actor: User, indicator: Indicator, **fields: Any) -> Indicator:
    check_current(indicator)
    before = snapshot(indicator)
    for k, v in fields.items():
        if k not in INDICATOR_FIELDS:
            raise ValueError(k)
        setattr(indicator, k, v)
    _check_indicator(indicator)
    indicator.full_clean()
    indicator.save()
    record(
        actor=actor,
        verb="update",
        obj=indicator,
        partnership=indicator.partnership,
        before=before,
        after=snapshot(indicator),
    )
    return indicator


def indicator_archive(*, actor: User, indicator: Indicator) -> None:
    """Archives the indicator; its values stay, shown on its page and the Archived page."""
    set_archived(actor=actor, obj=indicator, partnership=indicator.partnership, archived=True)


def indicator_restore(*, actor: User, indicator: Indicator) -> None:
    if indicator.priority_id and indicator.priority.is_archived:
        raise ValidationError(
            f"Its priority, {indicator.priority.title}, is archived. Restore the priority first"
        )
    set_archived(actor=actor, obj=indicator, partnership=indicator.partnership, archived=False)


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


@transaction.atomic
def value_set(
    *,
    actor: User,
    indicator: Indicator,
    period: dt.date,
    value: float,
    note: str = "",
    source: str = IndicatorValue.Source.MANUAL,
) -> IndicatorValue:
    """Enters (or corrects) one month's value of a manually-entered indicator."""
    check_current(indicator, field="value")
    if indicator.priority_id:
        check_current(indicator.priority, field="value")
    if indicator.is_computed:
        raise ValidationError(
            {
                "value": "This indicator is computed from the warehouse each month and cannot be entered by hand"
            }
        )
    period = month_start(period)
    if period > month_start(timezone.localdate()):
        raise ValidationError({"period": "The month cannot be in the future"})
    existing = IndicatorValue.objects.filter(indicator=indicator, period=period).first()
    before = snapshot(existing, ["period", "value", "note", "source"])
    if existing is None:
        existing = IndicatorValue(indicator=indicator, period=period)
    existing.value, existing.note, existing.source, existing.entered_by = (
        float(value),
        note.strip(),
        source,
        actor,
    )
    existing.save()
    record(
        actor=actor,
        verb="update" if before else "create",
        obj=existing,
        partnership=indicator.partnership,
        object_label=f"{indicator.name}, {period:%B %Y}",
        before=before,
        after=snapshot(existing, ["period", "value", "note", "source"]),
    )
    return existing


def warehouse_sync(
    *, partnerships: list[Partnership] | None = None, actor: User | None = None, force: bool = False
) -> WarehouseSync | None:
    """Computes every warehouse-sourced indicator's monthly values.

    Runs when the warehouse file has changed since the last sync (each month's load), or when
    asked. Returns None when there is no warehouse to read. A sync that could not read the
    warehouse (a load holds its lock, the file is damaged, the disk is full) is recorded with an
    empty stamp and one plain line as its message, so callers can say so rather than "Success"
    and the next scheduled sync tries again.
    """
    stamp = integrations.warehouse_stamp()
    if stamp is None:
        return None
    last = WarehouseSync.objects.first()
    if not force and partnerships is None and last is not None and last.stamp == stamp:
        return last
    qs = (
        Indicator.objects.filter(source__in=[Indicator.Source.WAREHOUSE, Indicator.Source.PARTNER])
        .select_related("partnership")
        .prefetch_related("partnership__areas")
    )
    if partnerships is not None:
        qs = qs.filter(partnership__in=partnerships)
    indicators = list(qs)
    n_values, notes = 0, []
    try:
        con = integrations.connect()
    except integrations.WarehouseUnavailable as exc:
        return WarehouseSync.objects.create(stamp="", message=str(exc))
    by_partnership: dict[int, list[Indicator]] = {}
    # Force coverage, national counts and peer features are read once for every indicator.
    data = integrations.ReferenceData(con)
    try:
        for ind in indicators:
            codes = (
                [ind.area_code] if ind.area_code else [a.code for a in ind.partnership.areas.all()]
            )
            try:
                if ind.is_partner:
                    series = integrations.partner_series(con, codes, ind.partner_measure, data)
                else:
                    series = integrations.measure_series(
                        con, codes, ind.measure, ind.category, data
                    )
            except Exception as exc:  # one bad indicator must not stop the rest
                log.exception("Computing indicator %s failed", ind.pk)
                notes.append(f"{ind.name}: {integrations.plain_failure(exc)}")
                continue
            if series.note:
                notes.append(f"{ind.name}: {series.note}")
            if series.definition is not None:
                _copy_definition(ind, series.definition)
            now = timezone.now()
            rows = [
                IndicatorValue(
                    indicator=ind,
                    period=m,
                    value=round(v, 4),
                    reference_value=round(series.reference[m], 4)
                    if m in series.reference
                    else None,
                    reference_label=series.reference_label if m in series.reference else "",
                    rate=round(series.rates[m], 4) if m in series.rates else None,
                    reference_points=series.points.get(m, []),
                    source=IndicatorValue.Source.PARTNER
                    if ind.is_partner
                    else IndicatorValue.Source.WAREHOUSE,
                    entered_at=now,
                )
                for m, v in sorted(series.values.items())
            ]
            with transaction.atomic():
                IndicatorValue.objects.bulk_create(
                    rows,
                    update_conflicts=True,
                    unique_fields=["indicator", "period"],
                    update_fields=[
                        "value",
                        "reference_value",
                        "reference_label",
                        "rate",
                        "reference_points",
                        "source",
                        "entered_at",
                    ],
                )
            n_values += len(rows)
            by_partnership.setdefault(ind.partnership_id, []).append(ind)
    except Exception as exc:  # the database refused a write (disk full...): say so plainly
        log.exception("Computing figures from the warehouse failed")
        return WarehouseSync.objects.create(stamp="", message=integrations.plain_failure(exc))
    finally:
        con.close()
    sync = WarehouseSync.objects.create(
        stamp=stamp, indicators=len(indicators), values=n_values, message="\n".join(notes)[:5000]
    )
    for inds in by_partnership.values():
        record(
            actor=actor,
            verb="compute",
            partnership=inds[0].partnership,
            object_type="indicator values",
            object_label=f"{len(inds)} warehouse indicators",
            summary="Figures computed from the warehouse",
            after={"indicators": [i.pk for i in inds], "warehouse": stamp},
        )
    return sync


def _copy_definition(ind: Indicator, defn: Any) -> None:
    """Keeps the partner measure's source, sharing basis, small-number rule and period type on
    the indicator, as its definition in the warehouse now says."""
    fields = {
        "measure_source": defn.source or "",
        "measure_sharing": defn.licence or "",
        "suppress_below": int(defn.suppress_below),
        "period_type": defn.period_type
        if defn.period_type in Indicator.PeriodType.values
        else Indicator.PeriodType.MONTH,
    }
    if not ind.unit:
        fields["unit"] = defn.unit or ""
    if any(getattr(ind, k) != v for k, v in fields.items()):
        Indicator.objects.filter(pk=ind.pk).update(**fields)
        for k, v in fields.items():
            setattr(ind, k, v)


def indicator_baseline_like_for_like(
    *,
    actor: User | None,
    indicator: Indicator,
    start: dt.date,
    end: dt.date,
    target_change: float | None = None,
) -> Indicator:
    """Sets a police-data indicator's baseline from the like-for-like comparison
    (:func:`saferplaces.assessment.like_for_like`): the average a month over the baseline months
    matched to the period's months, never a partial year set against a whole one. With
    ``target_change`` (-0.05 for 5% fewer) the target and green threshold follow from it.
    Counts get records a month; rates and harm are left as they are (their baselines are per
    resident and are set by hand)."""
    if not indicator.is_warehouse or indicator.measure != Indicator.Measure.COUNT:
        raise ValidationError(
            {"baseline_value": "A like-for-like baseline is set only for counts from police data"}
        )
    from saferplaces.assessment import like_for_like

    codes = (
        [indicator.area_code]
        if indicator.area_code
        else [a.code for a in indicator.partnership.areas.all()]
    )
    if len(codes) != 1:
        raise ValidationError(
            {"baseline_value": "A like-for-like baseline needs the indicator's one area"}
        )
    con = integrations.connect()
    try:
        lfl = like_for_like(codes[0], f"{start:%Y-%m}", f"{end:%Y-%m}", con=con)
    finally:
        con.close()
    if indicator.category == "Anti-social behaviour":
        block = lfl.asb
    elif indicator.category:
        block = lfl.categories.get(indicator.category)
    else:
        block = lfl.crime
    if block is None or block.baseline_per_month is None or not lfl.label:
        raise ValidationError(
            {"baseline_value": "There are no matching months to set a like-for-like baseline from"}
        )
    base = block.baseline_per_month
    now_months, _, base_months = lfl.label.partition(" against ")
    label = f"Average a month, {base_months} (like for like with {now_months})"
    fields: dict[str, Any] = {
        "baseline_value": round(base, 2),
        "baseline_label": label[: Indicator._meta.get_field("baseline_label").max_length],
    }
    if target_change is not None:
        fields["target_value"] = round(base * (1 + target_change), 2)
        fields["green_at"] = fields["target_value"]
        fields["red_at"] = round(base * (1 - target_change), 2)
    return indicator_update(actor=actor, indicator=indicator, **fields)
