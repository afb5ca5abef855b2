"""A realistic consultation export, made from Tamworth's real population structure.

How it is made (``make_survey(seed=2026)``; the committed file is that output):

1. **Who answers.** 900 respondents drawn (NumPy ``default_rng(2026)``) from Tamworth's residents
   aged 16+: age band from the mid-2020 estimates (``population.ages``) and ward from Census 2021
   (``population.wards``), independently (the reference data has no age-by-ward table). Each
   draw is kept with a response propensity by age band (16-24: 0.35, 25-34: 0.5, 35-44: 0.75,
   45-54: 1.0, 55-64: 1.3, 65-74: 1.6, 75+: 1.1; relative to the largest, 1.6), so older residents
   are over-represented as in most council surveys; drawing continues until 900 are kept.
   Sex: female 56%, male 42%, "Prefer not to say" 2% (a stated assumption about who answers, not
   a population figure). 3% leave the ward blank.
2. **What they answer.** "How safe do you feel walking alone after dark?": the chance of "A bit
   unsafe" or "Very unsafe" is 0.30, plus 0.10 for women, plus 0.08 in Castle ward (the town
   centre), plus 0.05 for 75+. "How much of a problem is ... in your area?" for anti-social
   behaviour (base chance of "Very big" or "Fairly big problem" 0.45), drug dealing and drug use
   (0.40), vehicle crime (0.25), shoplifting (0.20): +0.10 aged 55+, +0.10 in Castle and
   Glascote; the top answer is a third of those. 4% "Don't know". Free text "What one thing
   would make you feel safer?" (70% answer) picks from a list of 24 plausible answers.
3. **Format.** Columns as a survey platform exports them (Response ID, Start time, Completion
   time, one column per question with its full text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from saferplaces.web.consultation import population

SAMPLE_FILE = Path(__file__).with_name("data") / "tamworth_community_safety_survey_2026.csv"
TAMWORTH = "E22000271"
PROPENSITY = {"16-24": 0.35, "25-34": 0.5, "35-44": 0.75, "45-54": 1.0, "55-64": 1.3,
              "65-74": 1.6, "75+": 1.1}  # fmt: skip
SAFE_Q = "How safe do you feel walking alone in your area after dark?"
SAFE = ["Very safe", "Fairly safe", "A bit unsafe", "Very unsafe"]
PROBLEM = ["A very big problem", "A fairly big problem", "Not a very big problem",
           "Not a problem at all", "Don't know"]  # fmt: skip
PROBLEMS = [  # (column text, base chance of a big problem)
    ("How much of a problem is anti-social behaviour in your area?", 0.45),
    ("How much of a problem is drug dealing and drug use in your area?", 0.40),
    ("How much of a problem is vehicle crime in your area?", 0.25),
    ("How much of a problem is shoplifting in your area?", 0.20),
]
FREE_Q = "What one thing would make you feel safer where you live?"
FREE = [
    "More police patrols, especially at night",
    "See more police officers on foot",
    "Better street lighting on the footpaths",
    "The street lights on our road are always out",
    "Stop the youths gathering by the shops",
    "Something for young people to do in the evenings",
    "Deal with the drug dealing in the park",
    "CCTV in the town centre",
    "Stop the speeding cars on our road",
    "Cut back the bushes along the alleyway",
    "Clear up the litter and fly-tipping",
    "More PCSOs who know the area",
    "Faster response when we report anti-social behaviour",
    "Youth clubs open again",
    "More CCTV cameras by the station",
    "Police presence at weekends",
    "Action on people dealing drugs from cars",
    "Nothing, I feel safe",
    "Better lighting in the underpass",
    "Stop off-road bikes on the estate",
    "Neighbourhood watch scheme",
    "Something done about the noise from the flats",
    "More police visible in Castle ward",
    "Knowing who to call",
]


def make_survey(seed: int = 2026, n: int = 900) -> tuple[list[str], list[list[str]]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    ages = population.ages([TAMWORTH])
    wards = population.wards([TAMWORTH])
    bands, a_p = list(ages), np.array(list(ages.values()), float)
    w_names = [v[0] for v in wards.values()]
    w_p = np.array([v[1] for v in wards.values()], float)
    header = ["Response ID", "Start time", "Completion time", "What is your age?",
              "What is your sex?", "Which ward do you live in?", SAFE_Q,
              *[q for q, _ in PROBLEMS], FREE_Q]  # fmt: skip
    rows: list[list[str]] = []
    start = dt.datetime(2026, 9, 1, 8, 0)
    top = max(PROPENSITY.values())
    while len(rows) < n:
        band = bands[rng.choice(len(bands), p=a_p / a_p.sum())]
        if rng.random() > PROPENSITY[band] / top:
            continue
        ward = w_names[rng.choice(len(w_names), p=w_p / w_p.sum())]
        sex = rng.choice(["Female", "Male", "Prefer not to say"], p=[0.56, 0.42, 0.02])
        lo, hi = (16, 90) if band == "75+" else (int(band.split("-")[0]), int(band.split("-")[1]))
        age = int(rng.integers(lo, min(hi, 90) + 1)) if band != "75+" else int(rng.integers(75, 91))
        unsafe = (
            0.30 + 0.10 * (sex == "Female") + 0.08 * (ward == "Castle") + 0.05 * (band == "75+")
        )
        safe = (SAFE[2 + int(rng.random() < 0.3)] if rng.random() < unsafe
                else SAFE[int(rng.random() < 0.6)])  # fmt: skip
        answers = []
        for _, base in PROBLEMS:
            p = (
                base
                + 0.10 * (band in ("55-64", "65-74", "75+"))
                + 0.10 * (ward in ("Castle", "Glascote"))
            )
            u = rng.random()
            if u < 0.04:
                answers.append(PROBLEM[4])
            elif rng.random() < p:
                answers.append(PROBLEM[0] if rng.random() < 1 / 3 else PROBLEM[1])
            else:
                answers.append(PROBLEM[2] if rng.random() < 0.6 else PROBLEM[3])
        free = FREE[int(rng.integers(len(FREE)))] if rng.random() < 0.7 else ""
        t0 = start + dt.timedelta(minutes=int(rng.integers(0, 60 * 24 * 42)))
        t1 = t0 + dt.timedelta(seconds=int(rng.integers(120, 900)))
        rows.append([str(1000 + len(rows)), f"{t0:%d/%m/%Y %H:%M}", f"{t1:%d/%m/%Y %H:%M}",
                     str(age), str(sex), "" if rng.random() < 0.03 else ward, safe, *answers, free])  # fmt: skip
    return header, rows


def write_sample(path: Path = SAMPLE_FILE) -> Path:
    header, rows = make_survey()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path
