"""The reference tables of checker/facts.py: every table names a dated source, dated lifecycle facts
are stated as of FACTS_AS_OF, the geography is consistent with itself, and no verdict reads the clock."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from checker import facts
from checker.policy.loader import load_policies

REPO = Path(__file__).resolve().parents[1]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _long_date(iso: str) -> str:
    """2026-06-30 -> '30 June 2026', the form the rule descriptions use."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


def test_every_table_names_known_sources() -> None:
    assert ISO.match(facts.FACTS_AS_OF)
    for name, keys in facts.TABLE_SOURCES.items():
        assert hasattr(facts, name), name
        assert keys, name
        for key in keys:
            assert key in facts.SOURCES, (name, key)
    tables = {name for name, value in vars(facts).items()
              if name.isupper() and name not in ("FACTS_AS_OF", "SOURCES", "TABLE_SOURCES")
              and not callable(value)}
    assert tables == set(facts.TABLE_SOURCES), tables ^ set(facts.TABLE_SOURCES)


def test_every_source_is_a_learn_or_aprl_page_with_its_date() -> None:
    for key, source in facts.SOURCES.items():
        assert source.url.startswith("https://"), key
        assert ISO.match(source.date) or source.date.startswith("undated"), (key, source.date)
        if ISO.match(source.date):
            assert source.date <= facts.FACTS_AS_OF, key


def test_dated_lifecycle_facts_hold_as_of_the_facts_date() -> None:
    entries = [*facts.VPN_SKU_LIFECYCLE.values(), facts.BASIC_PUBLIC_IP_RETIREMENT,
               facts.BASIC_PUBLIC_IP_VPN_GATEWAY_RETIREMENT]
    for entry in entries:
        assert entry.source in facts.SOURCES, entry
        if entry.status == "retired":
            assert entry.date is not None and ISO.match(entry.date), entry
            assert entry.date <= facts.FACTS_AS_OF, entry  # a retirement stated as a fact has happened
    assert facts.VPN_SKU_LIFECYCLE["standard"].date == "2026-06-30"
    assert facts.VPN_SKU_LIFECYCLE["vpngw1"].status == "retired"
    assert facts.VPN_SKU_LIFECYCLE["basic"].status == "limited"


def test_rule_descriptions_give_the_dates_of_the_facts_they_rest_on() -> None:
    loaded, errors = load_policies([REPO / "policies"])
    assert not errors
    rules = {p.id: p for p in loaded}
    legacy = _long_date(facts.VPN_SKU_LIFECYCLE["standard"].date or "")
    assert legacy in rules["VPN-SKU-CURRENT"].description and legacy in rules["VPN-SKU-CURRENT"].message
    general = _long_date(facts.BASIC_PUBLIC_IP_RETIREMENT.date or "")
    vpn = _long_date(facts.BASIC_PUBLIC_IP_VPN_GATEWAY_RETIREMENT.date or "")
    assert general in rules["GW-PIP-STANDARD-STATIC"].description
    assert vpn in rules["GW-PIP-STANDARD-STATIC"].description
    assert "September 2026" in rules["VPN-SKU-AZ"].description
    for rule in ("VPN-SKU-CURRENT", "VPN-SKU-AZ", "GW-PIP-STANDARD-STATIC"):
        assert facts.FACTS_AS_OF in " ".join(rules[rule].description.split()), rule


def test_geography_is_consistent() -> None:
    # a Local circuit reaches regions of its own geopolitical region, which the tables know
    for location, regions in facts.LOCAL_REGIONS_BY_PEERING_LOCATION.items():
        assert location in facts.GEO_BY_PEERING_LOCATION, location
        for region in regions:
            assert facts.GEO_BY_REGION.get(region) == facts.GEO_BY_PEERING_LOCATION[location], (location, region)
    # every region with a geopolitical region is in one of the zone tables (or known to be missing)
    zones = set(facts.ZONES_BY_REGION) | facts.REGIONS_WITHOUT_ZONES
    assert not set(facts.ZONES_BY_REGION) & facts.REGIONS_WITHOUT_ZONES
    assert set(facts.GEO_BY_REGION) <= zones


@pytest.mark.parametrize(("location", "region", "geo"), [
    ("canberra", "australiacentral", "Australia Government"),
    ("sydney", "australiaeast", "Oceania"),
    ("tel aviv", "israelcentral", "Israel"),
    ("dubai", "uaenorth", "UAE"),
    ("johannesburg", "southafricanorth", "South Africa"),
    ("doha", "qatarcentral", "Qatar"),
])
def test_geopolitical_regions_of_the_december_2026_tables(location: str, region: str, geo: str) -> None:
    assert facts.GEO_BY_PEERING_LOCATION[location] == geo
    assert facts.GEO_BY_REGION[region] == geo


def test_local_is_not_offered_at_dallas_and_bangalore_is_no_location() -> None:
    assert facts.LOCAL_REGIONS_BY_PEERING_LOCATION["dallas"] == ()
    assert facts.LOCAL_REGIONS_BY_PEERING_LOCATION["dubai2"] == ()
    assert "bangalore" not in facts.GEO_BY_PEERING_LOCATION
    assert facts.GEO_BY_PEERING_LOCATION["canberra"] != facts.GEO_BY_PEERING_LOCATION["sydney"]


def test_er_scale_circuit_limits() -> None:
    assert [facts.er_scale_circuit_limit(n) for n in (0, 1, 2, 9, 10, 40)] == [None, 4, 8, 8, 16, 16]


def _derivation_modules() -> list[Path]:
    views = REPO / "checker" / "views"
    paths = [REPO / "checker" / "facts.py", REPO / "checker" / "patterns.py",
             REPO / "checker" / "policy" / "engine.py", REPO / "checker" / "policy" / "conditions.py"]
    paths += sorted(views.glob("*.py")) if views.is_dir() else [REPO / "checker" / "views.py"]
    return paths


def test_no_verdict_reads_the_clock() -> None:
    """Facts are stated as of FACTS_AS_OF: the modules that derive facts and evaluate rules never import
    a clock, so a scan gives the same verdicts whatever day it runs (docs/facts.md)."""
    for path in _derivation_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in ("datetime", "time"), (path, name)
