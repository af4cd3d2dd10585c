"""A folder of policy YAML read as one set of sections, and validated with every problem pinned
to its file, line and key.

Policy leads may split a folder's sections across files as they like; the policy bundle
(``triage.rulebook.loader``) and the cost-benefit data (``triage.costs``) are read the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from triage.field_paths import dotted_path
from triage.rulebook.errors import PolicyProblem
from triage.rulebook.source import KeyPath, SourceFile, read_yaml


def read_folder(root: Path, folder: str, problems: list[PolicyProblem]) -> tuple[dict[str, Any], dict[str, SourceFile]]:
    """Merge the top-level sections of every YAML file in a folder, remembering each one's file.

    Policy leads may split a folder's sections across files as they like; the cost-benefit data
    (``triage.costs``) is read the same way."""
    directory = root / folder
    merged: dict[str, Any] = {}
    owners: dict[str, SourceFile] = {}
    if not directory.is_dir():
        problems.append(PolicyProblem(f"{folder}/", None, "", "folder not found in the policy folder"))
        return merged, owners
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        source, found = read_yaml(path, f"{folder}/{path.name}")
        problems.extend(found)
        if source is None or source.data is None:
            continue
        if not isinstance(source.data, dict):
            problems.append(source.problem((), "a rule file must be a mapping of sections"))
            continue
        for section, value in source.data.items():
            if section in owners:
                problems.append(source.problem((section,), f"section also defined in {owners[section].name}"))
                continue
            merged[section], owners[section] = value, source
    return merged, owners


def validate_folder(
    model: type[BaseModel],
    folder: str,
    data: dict[str, Any],
    owners: dict[str, SourceFile],
    problems: list[PolicyProblem],
) -> Any:
    """A folder's merged sections as ``model``, or None with each problem pinned to its file and line."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            loc: KeyPath = tuple(item["loc"])
            source = owners.get(str(loc[0])) if loc else None
            if source is None:
                message = (
                    f"section is missing: add it to one of the files in {folder}/"
                    if item["type"] == "missing"
                    else _friendly(item)
                )
                problems.append(PolicyProblem(f"{folder}/", None, dotted_path(loc), message))
            else:
                problems.append(source.problem(loc, _friendly(item)))
        return None


def _friendly(item: ErrorDetails) -> str:
    """Pydantic's message, with the fixes policy leads most often need spelt out."""
    if item["type"] == "extra_forbidden":
        return "unknown key (check the spelling)"
    if item["type"] == "missing":
        return "required key is missing"
    message = str(item["msg"])
    if item["loc"][-1:] == ("version",) and item["loc"][0] != "definitions" and not isinstance(item.get("input"), str):
        message += ' (write versions in quotes, e.g. "2026.1")'
    return message
