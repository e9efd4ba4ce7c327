"""ARM parameter files (deploymentParameters): recognise them (and templates, apart from them) and read
their values, keeping where each value was written and whether it is a Key Vault reference (whose
value is never known here)."""

from __future__ import annotations

from checker.model import CheckerError, Origin, Unknown
from checker.records import Frozen
from checker.sources.decode import position_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class ParameterValue(Frozen):
    """One value given for a template parameter (from a parameter file or a nested deployment).

    ``value`` is the literal as written (parameter files are never evaluated as expressions), or an
    :class:`Unknown` for a Key Vault reference (``key_vault`` is then True)."""

    _fields = ("value", "origin", "key_vault", "for_every_template")
    value: Any
    origin: Origin
    key_vault: bool
    #: given for every template of a scan (``-p``/``--set``), not written for this template: a value
    #: for a parameter the template does not declare is then ignored rather than refused
    for_every_template: bool

    def __init__(self, value: Any, origin: Origin, key_vault: bool = False, for_every_template: bool = False) -> None:
        fields = self.__dict__
        fields["value"] = value
        fields["origin"] = origin
        fields["key_vault"] = key_vault
        fields["for_every_template"] = for_every_template


def schema_of(doc: Any) -> str:
    """A document's ``$schema`` in lower case ("" when it has none)."""
    schema = doc.get("$schema") if isinstance(doc, dict) else None
    return schema.lower() if isinstance(schema, str) else ""


def _looks_like_entry(entry: Any) -> bool:
    return isinstance(entry, dict) and ("value" in entry or "reference" in entry)


def is_template(doc: Any) -> bool:
    """True for an ARM deployment template, recognised by content: a deploymentTemplate ``$schema``
    (any scope), or ``resources`` (array or object) beside template sections."""
    if not isinstance(doc, dict):
        return False
    schema = schema_of(doc)
    if "deploymenttemplate" in schema:
        return True
    if "deploymentparameters" in schema:
        return False
    return isinstance(doc.get("resources"), (list, dict)) and any(
        key in doc for key in ("contentVersion", "parameters", "variables", "outputs", "languageVersion"))


def is_parameter_file(doc: Any) -> bool:
    """True for a deploymentParameters document: by ``$schema``, or by shape (``parameters`` holding
    ``value``/``reference`` entries and no ``resources``)."""
    if not isinstance(doc, dict):
        return False
    if "deploymentparameters" in schema_of(doc):
        return True
    if "resources" in doc:
        return False
    parameters = doc.get("parameters")
    if not isinstance(parameters, dict) or not parameters:
        return False
    return all(_looks_like_entry(entry) for entry in parameters.values())


def key_vault_reason(reference: Any) -> str:
    """The Unknown reason for a Key Vault reference ``{"keyVault": {...}, "secretName": ...}``."""
    secret_name = reference.get("secretName") if isinstance(reference, dict) else None
    if isinstance(secret_name, str) and secret_name:
        return f"Key Vault reference to secret '{secret_name}'"
    return "Key Vault reference"


def _read_entry(name: str, entry: Any, file: str, pointer: str, fallback_line: int | None) -> ParameterValue:
    """One ``{"value": ...}`` or ``{"reference": {...}}`` entry. Raises CheckerError for other shapes."""
    line, column = position_of(entry)
    origin = Origin(file, line if line is not None else fallback_line, column, pointer)
    if isinstance(entry, dict) and "reference" in entry:
        reference = entry["reference"]
        if not isinstance(reference, dict) or not isinstance(reference.get("keyVault"), dict):
            raise CheckerError(f"parameter '{name}': 'reference' is not a Key Vault reference",
                               file=file, line=origin.line, column=origin.column,
                               hint='write {"reference": {"keyVault": {"id": "<vault id>"}, '
                                    '"secretName": "<name>"}}')
        return ParameterValue(Unknown(key_vault_reason(reference)), origin, key_vault=True)
    if isinstance(entry, dict) and "value" in entry:
        return ParameterValue(entry["value"], origin, key_vault=False)
    raise CheckerError(f"parameter '{name}' has neither 'value' nor 'reference'",
                       file=file, line=origin.line, column=origin.column,
                       hint='write {"value": ...} or a Key Vault {"reference": ...}')


def read_parameter_file(doc: Any, file: str) -> dict[str, ParameterValue]:
    """The values of a parameter file by parameter name (as written; match names case-insensitively).

    Raises :class:`CheckerError` (with file and line) when the document is not a parameter file or an
    entry has neither ``value`` nor a Key Vault ``reference``."""
    doc_line, _ = position_of(doc)
    if not isinstance(doc, dict) or not isinstance(doc.get("parameters"), dict):
        raise CheckerError("not a parameter file: no 'parameters' object", file=file, line=doc_line or 1,
                           hint="a parameter file holds {\"parameters\": {\"name\": {\"value\": ...}}}")
    parameters = doc["parameters"]
    parameters_line, _ = position_of(parameters)
    values: dict[str, ParameterValue] = {}
    for name, entry in parameters.items():
        pointer = "/parameters/" + _escape_pointer(name)
        values[name] = _read_entry(name, entry, file, pointer, parameters_line)
    return values


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
