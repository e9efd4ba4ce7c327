"""The field tables of docs/subjects.md, generated from the registry of subject fields and checked in
CI like the rule pages: ``python -m checker.views.docs`` writes them, ``--check`` fails when they are
out of date. The prose around the tables is written by hand."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from checker.views.registry import KindSchema, schemas

# ---------------------------------------------------------------------------------------------------
# docs/subjects.md: the tables between <!-- fields:KIND --> and <!-- /fields --> are generated
# ---------------------------------------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "subjects.md"
_BLOCK = re.compile(r"(<!-- fields:([a-z-]+) -->\n)(.*?)(<!-- /fields -->)", re.S)


def render_table(schema: KindSchema) -> str:
    lines = ["| field | type | meaning / computation |", "|---|---|---|"]
    for row in schema.fields:
        names = ", ".join(f"`{n}`" for n in row.names) + (f" {row.note}" if row.note else "")
        kind = row.type + (", may be unknown" if row.unknown else "") + (", live data only" if row.live else "")
        lines.append(f"| {names} | {kind} | {row.doc} |")
    return "\n".join(lines) + "\n"


def render_doc(text: str, kinds: Mapping[str, KindSchema]) -> str:
    def block(match: re.Match[str]) -> str:
        kind = match.group(2)
        if kind not in kinds:
            raise KeyError(f"docs/subjects.md names an unknown subject kind '{kind}'")
        return match.group(1) + render_table(kinds[kind]) + match.group(4)
    return _BLOCK.sub(block, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) the field tables of docs/subjects.md.")
    parser.add_argument("--check", action="store_true", help="fail when docs/subjects.md is not up to date")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    kinds = schemas()
    missing = [k for k in kinds if f"<!-- fields:{k} -->" not in text]
    if missing:
        print(f"{DOC}: no field table for {', '.join(missing)}", file=sys.stderr)
        return 1
    rendered = render_doc(text, kinds)
    if args.check:
        if rendered != text:
            print(f"{DOC} is out of date: run python -m checker.views.docs", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(rendered, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
