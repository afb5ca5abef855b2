"""The police forces that publish on data.police.uk, with their force area (PFA) codes.

Slugs are the ones data.police.uk uses in file names (``2025-01-staffordshire-street.csv``);
names are what the files carry in "Reported by" / "Falls within". British Transport Police
and the Police Service of Northern Ireland have no police force area in England and Wales.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Force:
    slug: str
    name: str
    pfa_code: str | None


FORCES: tuple[Force, ...] = (
    Force("avon-and-somerset", "Avon and Somerset Constabulary", "E23000036"),
    Force("bedfordshire", "Bedfordshire Police", "E23000026"),
    Force("btp", "British Transport Police", None),
    Force("cambridgeshire", "Cambridgeshire Constabulary", "E23000023"),
    Force("cheshire", "Cheshire Constabulary", "E23000006"),
    Force("city-of-london", "City of London Police", "E23000034"),
    Force("cleveland", "Cleveland Police", "E23000013"),
    Force("cumbria", "Cumbria Constabulary", "E23000002"),
    Force("derbyshire", "Derbyshire Constabulary", "E23000018"),
    Force("devon-and-cornwall", "Devon & Cornwall Police", "E23000035"),
    Force("dorset", "Dorset Police", "E23000039"),
    Force("durham", "Durham Constabulary", "E23000008"),
    Force("dyfed-powys", "Dyfed-Powys Police", "W15000004"),
    Force("essex", "Essex Police", "E23000028"),
    Force("gloucestershire", "Gloucestershire Constabulary", "E23000037"),
    Force("greater-manchester", "Greater Manchester Police", "E23000005"),
    Force("gwent", "Gwent Police", "W15000002"),
    Force("hampshire", "Hampshire Constabulary", "E23000030"),
    Force("hertfordshire", "Hertfordshire Constabulary", "E23000027"),
    Force("humberside", "Humberside Police", "E23000012"),
    Force("kent", "Kent Police", "E23000032"),
    Force("lancashire", "Lancashire Constabulary", "E23000003"),
    Force("leicestershire", "Leicestershire Police", "E23000021"),
    Force("lincolnshire", "Lincolnshire Police", "E23000020"),
    Force("merseyside", "Merseyside Police", "E23000004"),
    Force("metropolitan", "Metropolitan Police Service", "E23000001"),
    Force("norfolk", "Norfolk Constabulary", "E23000024"),
    Force("north-wales", "North Wales Police", "W15000001"),
    Force("north-yorkshire", "North Yorkshire Police", "E23000009"),
    Force("northamptonshire", "Northamptonshire Police", "E23000022"),
    Force("northern-ireland", "Police Service of Northern Ireland", None),
    Force("northumbria", "Northumbria Police", "E23000007"),
    Force("nottinghamshire", "Nottinghamshire Police", "E23000019"),
    Force("south-wales", "South Wales Police", "W15000003"),
    Force("south-yorkshire", "South Yorkshire Police", "E23000011"),
    Force("staffordshire", "Staffordshire Police", "E23000015"),
    Force("suffolk", "Suffolk Constabulary", "E23000025"),
    Force("surrey", "Surrey Police", "E23000031"),
    Force("sussex", "Sussex Police", "E23000033"),
    Force("thames-valley", "Thames Valley Police", "E23000029"),
    Force("warwickshire", "Warwickshire Police", "E23000017"),
    Force("west-mercia", "West Mercia Police", "E23000016"),
    Force("west-midlands", "West Midlands Police", "E23000014"),
    Force("west-yorkshire", "West Yorkshire Police", "E23000010"),
    Force("wiltshire", "Wiltshire Police", "E23000038"),
)

BY_SLUG = {f.slug: f for f in FORCES}
BY_NAME = {f.name.lower(): f for f in FORCES}
BY_PFA = {f.pfa_code: f for f in FORCES if f.pfa_code}


def force_for(text: str) -> Force | None:
    """A force from its slug, its published name, or its PFA code (case-insensitive)."""
    key = text.strip().lower()
    return BY_SLUG.get(key) or BY_NAME.get(key) or BY_PFA.get(text.strip().upper())
