"""The committee cover report (Word and PDF), in the shape councils use.

Modelled on the seed reports (Tamworth, Spelthorne, Telford and Wrekin, Staffordshire): a
header block, purpose, recommendations, a short summary of priorities and performance with
reference points, implications (resources, legal, equalities, and the rest) and the list of
appendices. What only the officer can know — the meeting, the report's author, the money, the
equality impact — is left as highlighted placeholders to complete. Two to four pages.
"""

from __future__ import annotations

from pathlib import PurePath

from saferplaces.assessment import model as m
from saferplaces.assessment import statements
from saferplaces.reports import fmt
from saferplaces.reports.blocks import (
    Bullets,
    Cell,
    Column,
    Document,
    Para,
    Run,
    Section,
    Table,
)
from saferplaces.reports.content import (
    LEVELS,
    Labels,
    _has_ew,
    _sig,
    change_brief,
    change_sentence,
    comparators,
    compared_counts,
    gaps_sentences,
    labels,
    plain_caveats,
    priority_reasons,
)


def todo(text: str) -> Run:
    return Run(f"[{text}]", placeholder=True)


def _perf_rows(a: m.Assessment, lab: Labels) -> list[list]:
    rows = []
    rank = {r.measure: r for r in (a.peers.ranks if a.peers else [])}
    for label, block, key in (("Crime (excluding ASB)", a.overview.crime, "crime rate per 1,000"),
                              ("Anti-social behaviour", a.overview.asb, "ASB rate per 1,000")):  # fmt: skip
        comps = "; ".join(
            f"{c.area.name} {fmt.rate(getattr(c, 'crime' if key.startswith('crime') else 'asb').rate_per_1000)}"
            for c in comparators(a)
            if getattr(c, "crime" if key.startswith("crime") else "asb") is not None
        )
        r = rank.get(key)
        rows.append([
            label, fmt.count(block.count), fmt.rate(block.rate_per_1000),
            fmt.signed_pct(block.percent_change),
            _sig(block),
            comps or fmt.NA,
            (r.text or fmt.rank(r.rank, r.of)) if r and r.rank else fmt.NA,
        ])  # fmt: skip
    return rows


def build_committee(a: m.Assessment, files: dict[str, str] | None = None) -> Document:
    """``files`` names the appendices produced alongside (format → file name)."""
    files = files or {}
    lab = labels(a)
    area = a.area.name
    title = f"{area} Community Safety Strategic Assessment {lab.period}"
    rec = [p for p in a.recommended_priorities.priorities if p.recommended]
    sel = [x for x in a.priority_localities.localities if x.selected]

    purpose = Section("purpose", "Purpose").add(Para(
        f"To present the findings of the {area} community safety strategic assessment for "
        f"{lab.period} and the priorities it recommends for the Community Safety Partnership "
        "plan, so that the Committee can scrutinise the partnership's work and comment before "
        "the priorities are agreed."))  # fmt: skip

    recommendations = Section("recommendations", "Recommendations").add(
        Para("It is recommended that the Committee:"),
        Bullets([
            "notes the findings of the strategic assessment at Appendix 1;",
            "considers the recommended priorities in section 4 and gives any feedback that will "
            "help the partnership deliver them;",
            [Run("endorses "), todo("the priorities for the partnership plan / refers them to "
                                    "Cabinet on DATE — officer to complete")],
        ], ordered=True),
    )  # fmt: skip

    crime, asb = a.overview.crime, a.overview.asb
    summary = Section("summary", "Executive summary").add(
        Para(f"The Crime and Disorder Act 1998 and its 2007 regulations require the partnership "
             f"to assess crime, disorder and anti-social behaviour each year and to set its "
             f"priorities from that assessment. This assessment covers {area} "
             f"({LEVELS.get(a.area.level, a.area.level)}, {fmt.count(a.area.population)} "
             f"residents) for {lab.period}, using police-recorded crime and ASB from "
             f"data.police.uk; {lab.changes}."),
        Bullets([
            change_sentence("Recorded crime (excluding ASB)", crime, lab),
            change_sentence("Anti-social behaviour", asb, lab),
            *[[Run(f"{c.area.name}: ", bold=True),
               Run(f"crime {fmt.rate(c.crime.rate_per_1000)} per 1,000 residents a year, "
                   f"{change_brief(c.crime, lab)}.")]
              for c in comparators(a) if c.crime is not None],
            *([] if _has_ew(a) else [[Run("England and Wales: ", bold=True),
                                      Run("no reference point in this assessment (the national "
                                          "data was not loaded).")]]),
        ]),
    )  # fmt: skip

    changes = [c for c in a.categories if c.significant]
    priorities = Section("priorities", "Recommended priorities").add(
        Para("The assessment scores each community safety theme, from the police-recorded crime "
             "types and partner data that evidence it, from 1 (low) to 5 (high) on harm, "
             "volume against similar areas, trend, how much more it falls on the most deprived "
             "neighbourhoods, and how concentrated it is (the weights are the partnership's to "
             "change). It recommends:"),
        Table(
            "Recommended priorities",
            [Column("Rank", True), Column("Priority"), Column("Score (of 5)", True),
             Column("Why")],
            [[str(p.rank), Cell(p.theme, bold=True), fmt.number(p.total),
              priority_reasons(a, p)] for p in rec],
            row_headers=False, compact=True,
        ),
        *([Para([Run("Not ranked for want of evidence: ", bold=True),
                 Run(fmt.join_names([t.theme for t in a.recommended_priorities.without_evidence], 10)
                     + ". The loaded data has no evidence of these themes, so they are not scored; "
                     "that does not make them less important, and partner data would show them.")])]
          if a.recommended_priorities.without_evidence else []),
        Para([Run("Priority localities: ", bold=True),
              Run(fmt.join_names([x.area.name for x in sel], 10) + " (a combined index of "
                  "crime, ASB, harm and deprivation at least "
                  f"{statements.times(a.priority_localities.threshold / 100)} the {area} average)."
                  if sel else "no locality passed the threshold.")]),
        Para(["Public concern and the partnership's capacity are not yet scored: ",
              todo("officer to add the results of the public consultation and partners' views")]
             if not a.recommended_priorities.inputs_file else
             f"Public concern and capacity scores come from {PurePath(a.recommended_priorities.inputs_file).name}."
             + _residents_said(a)),
    )  # fmt: skip

    performance = Section("performance", "Summary of performance").add(
        Table(
            f"{area}: {lab.period} (change: {lab.compared} against {lab.comparison})",
            [Column("Measure"), Column("Number", True), Column("Per 1,000 a year", True),
             Column("Change", True), Column("More than chance?"), Column("Reference areas (per 1,000)"),
             Column("Rank among similar areas")],
            _perf_rows(a, lab), compact=True,
        ),
        Table(
            f"Changes that are more than chance, {lab.compared} against {lab.comparison}",
            [Column("Category"), Column(lab.compared, True), Column(lab.comparison, True),
             Column("Change")],
            [[c.category, *(fmt.whole(x) for x in compared_counts(c)), change_brief(c, lab)]
             for c in changes] or [["None", "–", "–", "–"]],
            compact=True,
        ),
        Para([Run("Caveat: ", bold=True),
              Run(" ".join(gaps_sentences(a, lab)) or next(iter(plain_caveats(a, lab)), "None."))],
             style="note"),
        Para(statements.WHAT_THE_DATA_CANNOT_SHOW, style="note"),
    )  # fmt: skip

    implications = Section("implications", "Implications")
    implications.sub(Section("resources", "Resources and finance").add(Para([
        todo("Officer to complete: the budgets that fund the priorities (for example the "
             "Police and Crime Commissioner's locality fund and council community safety "
             "budget), and any new resource the priorities need."),
    ])))  # fmt: skip
    implications.sub(Section("legal", "Legal").add(Para(
        "Sections 5 to 7 of the Crime and Disorder Act 1998 require the responsible authorities "
        "to formulate and implement a strategy to reduce crime and disorder, informed by an "
        "annual strategic assessment (Crime and Disorder (Formulation and Implementation of "
        "Strategy) Regulations 2007, as amended). Section 17 requires the council to consider "
        "crime and disorder in all it does. Section 19 of the Police and Justice Act 2006 gives "
        "the council's crime and disorder committee its scrutiny role."), Para([
        todo("Legal officer to confirm or add to these implications.")])))  # fmt: skip
    implications.sub(Section("equalities", "Equalities").add(Para([
        todo("Officer to complete: the equality impact assessment of the priorities. The "
             "police open data is not broken down by age, sex, ethnicity or other protected "
             "characteristics, so the assessment cannot show differences between groups."),
    ])))  # fmt: skip
    implications.sub(Section("other", "Risk, data protection and sustainability").add(Para([
        Run("The assessment uses published open data only and holds no personal data. "),
        todo("Officer to add risks to delivery and any other implications."),
    ])))  # fmt: skip

    appendix_items = [
        f"Appendix 1: {area} strategic assessment, {lab.period}"
        + (f" ({files['pdf']})" if "pdf" in files else ""),
    ]
    if "xlsx" in files or "csv" in files:
        appendix_items.append("Appendix 2: open data tables with small numbers suppressed ("
                              + (files.get("xlsx") or files.get("csv", "")) + ")")  # fmt: skip
    appendices = Section("appendices", "Appendices and background papers").add(
        Bullets(appendix_items),
        Para(["Background papers: ", todo("officer to list, or 'None'")]),
        Para(f"Figures produced with Safer Places {a.provenance.software_version} on "
             f"{fmt.timestamp(a.generated_at)}. {a.provenance.licence}", style="note"),
    )  # fmt: skip

    meta = [
        ("Meeting", [todo("Committee name")]),
        ("Date", [todo("Date of meeting")]),
        (
            "Report of",
            [
                todo("Portfolio holder for community safety"),
                Run(" / "),
                todo("Assistant director responsible"),
            ],
        ),
        ("Report author", [todo("Name, job title, email, telephone")]),
        ("Wards affected", "All wards"),
        ("Exempt information", [Run("None "), todo("officer to confirm")]),
        ("Key decision", [todo("Yes / No")]),
    ]
    return Document(
        title=title,
        subtitle="Report to committee",
        running_header=f"{title}: committee report",
        meta=meta,  # type: ignore[arg-type]
        sections=[
            purpose,
            recommendations,
            summary,
            priorities,
            performance,
            implications,
            appendices,
        ],
        kind_label="Committee report",
    ).number()


def _residents_said(a: m.Assessment) -> str:
    """The survey's headline for councillors: the two themes most often called a big problem,
    with the likely range, from the assessment's consultation section (no new figures)."""
    c = a.consultation
    if c is None or not c.themes:
        return ""
    top = sorted(c.themes, key=lambda t: t.share, reverse=True)[:2]

    def said(t: m.ConsultationTheme) -> str:
        text = f"{t.theme.lower()} ({t.share * 100:.0f}%"
        if t.low is not None and t.high is not None:
            text += f", likely between {t.low * 100:.0f}% and {t.high * 100:.0f}%"
        return text + ")"

    return (f" In {c.source}, the themes residents most often called a big problem were "
            + " and ".join(said(t) for t in top) + ".")  # fmt: skip

