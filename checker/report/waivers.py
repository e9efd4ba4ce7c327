"""Waivers: accepted findings with a reason and an expiry date, from the configuration file or from
a resource's template metadata, applied to results after evaluation."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from checker.model import CheckerError, normalise_id
from checker.records import replace
from checker.report.model import Result, Suppression

INLINE_KEY = "hybrid-check"
WAIVABLE = ("fail", "unknown")
_INLINE_HINT = ('write {"hybrid-check": {"ignore": [{"rule": "RULE-ID", "reason": "why", '
                '"expires": "YYYY-MM-DD"}]}} in the resource metadata')


@dataclass(frozen=True)
class Waiver:
    rule: str  # rule id glob, case-insensitive
    resource: str  # resource id or name glob, case-insensitive
    reason: str
    expires: date  # the last day the waiver applies
    source: str  # "config" | "inline"
    file: str | None = None
    line: int | None = None
    #: an inline waiver that names its resource (``"resource": "/subscriptions/..."``) rather than
    #: applying to the resource it is written on
    named: bool = False

    def matches(self, result: Result) -> bool:
        if not fnmatch.fnmatchcase(result.rule.lower(), self.rule.lower()):
            return False
        pattern = self.resource.strip()
        if self.source == "inline":
            # The waiver sits on the resource itself: its id is literal, never a glob. It applies to
            # findings located in its own file (another template declaring the same id is not waived
            # by it), or wherever the id it names explicitly is found.
            if normalise_id(result.resource.id) != normalise_id(pattern):
                return False
            return self.named or self.file is None or _same_file(result.location.file, self.file)
        if pattern.startswith("/"):
            return fnmatch.fnmatchcase(normalise_id(result.resource.id), normalise_id(pattern))
        return (fnmatch.fnmatchcase(result.resource.name.lower(), pattern.lower())
                or fnmatch.fnmatchcase(normalise_id(result.resource.id), pattern.lower()))

    def expired_on(self, today: date) -> bool:
        return today > self.expires


def _same_file(located: str | None, file: str) -> bool:
    return located is not None and located.replace("\\", "/") == file.replace("\\", "/")


def parse_expiry(value: Any, *, file: str | None, line: int | None, what: str = "expires") -> date:
    """An ISO date (YAML and TOML may already have made it a date)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CheckerError(f"{what}: {value!r} is not a date", file=file, line=line,
                       hint="write the last day the waiver applies as YYYY-MM-DD")


def _line_of(node: Any, default: int | None) -> int | None:
    line = getattr(node, "line", None)
    return line if isinstance(line, int) else default


def _get_ci(mapping: Mapping, key: str) -> Any:
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.lower() == key:
            return value
    return None


def inline_waivers(resource_metadata: Mapping, resource_id: str, file: str | None,
                   line: int | None) -> list[Waiver]:
    """Waivers written in a resource's ``metadata``: ``{"hybrid-check": {"ignore": [{"rule", "reason",
    "expires"}]}}``. They apply to that resource's findings located in ``file`` only, or, with
    ``"resource": "<id>"``, to the findings of the resource it names. A waiver without reason or expiry is
    an error."""
    section = _get_ci(resource_metadata, INLINE_KEY)
    if section is None:
        return []
    line = _line_of(section, line)
    if not isinstance(section, Mapping):
        raise CheckerError(f"metadata.{INLINE_KEY} must be an object", file=file, line=line, hint=_INLINE_HINT)
    entries = _get_ci(section, "ignore")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise CheckerError(f"metadata.{INLINE_KEY}.ignore must be a list", file=file,
                           line=_line_of(entries, line), hint=_INLINE_HINT)
    waivers = []
    for index, entry in enumerate(entries):
        where = f"metadata.{INLINE_KEY}.ignore[{index}]"
        entry_line = _line_of(entry, line)
        if not isinstance(entry, Mapping):
            raise CheckerError(f"{where} must be an object", file=file, line=entry_line, hint=_INLINE_HINT)
        rule, reason, expires, named = (_get_ci(entry, key) for key in ("rule", "reason", "expires", "resource"))
        if named is not None and (not isinstance(named, str) or not named.strip().startswith("/")):
            raise CheckerError(f"{where}.resource must be a resource id (/subscriptions/...)", file=file,
                               line=entry_line, hint="leave 'resource' out to waive the resource the waiver is "
                                                     "written on, or give the full id of the resource to waive")
        for key, value in (("rule", rule), ("reason", reason)):
            if not isinstance(value, str) or not value.strip():
                raise CheckerError(f"{where}.{key} is missing: a waiver needs a rule, a reason and an "
                                   "expiry date", file=file, line=entry_line, hint=_INLINE_HINT)
        if expires is None:
            raise CheckerError(f"{where}.expires is missing: a waiver needs a rule, a reason and an "
                               "expiry date", file=file, line=entry_line, hint=_INLINE_HINT)
        waivers.append(Waiver(rule=rule.strip(), resource=named.strip() if named is not None else resource_id,
                              reason=reason.strip(),
                              expires=parse_expiry(expires, file=file, line=entry_line,
                                                   what=f"{where}.expires"),
                              source="inline", file=file, line=entry_line, named=named is not None))
    return waivers


def _suppression(waiver: Waiver, *, expired: bool) -> Suppression:
    return Suppression(reason=waiver.reason, expires=waiver.expires.isoformat(), source=waiver.source,
                       expired=expired)


def apply_waivers(results: list[Result], waivers: Sequence[Waiver], *, today: date) -> list[Result]:
    """A live waiver turns a matching fail/unknown into ``suppressed``; an expired one leaves the status
    and marks ``suppression.expired`` so the report says the waiver ran out. Other statuses are kept."""
    if not waivers:
        return list(results)
    out = []
    for result in results:
        if result.status not in WAIVABLE:
            out.append(result)
            continue
        matching = [w for w in waivers if w.matches(result)]
        live = [w for w in matching if not w.expired_on(today)]
        if live:
            chosen = max(live, key=lambda w: w.expires)
            out.append(replace(result, status="suppressed",
                                           suppression=_suppression(chosen, expired=False)))
        elif matching:
            chosen = max(matching, key=lambda w: w.expires)
            out.append(replace(result, suppression=_suppression(chosen, expired=True)))
        else:
            out.append(result)
    return out


NOT_EXPANDED_RULE = "NOT-EXPANDED"


def waive_unexpanded(notices: Sequence[Any], waivers: Sequence[Waiver],
                     today: date | None = None) -> tuple[list[Any], list[Waiver]]:
    """A deployment that was not expanded gates like an unknown result; a configuration waiver with
    rule ``NOT-EXPANDED`` (exactly, no glob) whose resource is a glob of the notice's file accepts it.
    Such a notice becomes kind ``not-expanded-waived`` (still reported); an expired waiver keeps it gating.
    Returns the notices and the waivers that were used."""
    today = today or date.today()
    out: list[Any] = []
    used: list[Waiver] = []
    for notice in notices:
        if notice.kind == "not-expanded":
            for waiver in waivers:
                if (waiver.source == "config" and waiver.rule.strip().upper() == NOT_EXPANDED_RULE
                        and fnmatch.fnmatchcase(str(notice.file).replace("\\", "/").lower(),
                                                waiver.resource.strip().replace("\\", "/").lower())):
                    used.append(waiver)
                    if not waiver.expired_on(today):
                        notice = replace(
                            notice, kind="not-expanded-waived",
                            message=f"{notice.message} (waived until {waiver.expires}: {waiver.reason})")
                    break
        out.append(notice)
    return out, used
