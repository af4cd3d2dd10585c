"""Reading one YAML file: hostile files (alias bombs, deep nesting, huge files) are refused before
anything is built, with the file and line, and no message names a folder on the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.rulebook import source
from triage.rulebook.source import MAX_DEPTH, MAX_FILE_BYTES, read_yaml

from support import alias_bomb, deeply_nested


def _read(tmp_path: Path, text: str) -> tuple[source.SourceFile | None, list[str]]:
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    found, problems = read_yaml(path, "rules/routing.yaml")
    return found, [str(p) for p in problems]


def test_an_alias_is_refused_naming_its_line(tmp_path):
    _, problems = _read(tmp_path, "need_score:\n  points_per_problem: 10\n  modifiers: *mods\n")
    assert problems == [
        (
            "rules/routing.yaml:3: (top level): YAML aliases (*name) are not allowed in "
            "policy files: write the value out in full"
        )
    ]


def test_an_anchor_is_refused_naming_its_line(tmp_path):
    _, problems = _read(tmp_path, "need_score:\n  points_per_problem: &ten 10\n")
    assert problems == [
        (
            "rules/routing.yaml:2: (top level): YAML anchors (&name) are not allowed in "
            "policy files: write the value out in full"
        )
    ]


def test_an_alias_bomb_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    built: list[int] = []  # (no exception in there: a traceback would print the 9**9-string node tree)
    monkeypatch.setattr(source, "_build", lambda *_: built.append(1))
    found, problems = _read(tmp_path, alias_bomb())
    assert (found, len(problems), "anchors" in problems[0], built) == (None, 1, True, [])


def test_nesting_deeper_than_the_limit_is_refused(tmp_path):
    found, problems = _read(tmp_path, deeply_nested(MAX_DEPTH + 1))
    assert (found, problems) == (
        None,
        [
            (
                f"rules/routing.yaml:1: (top level): nested more than {MAX_DEPTH} "
                "levels deep; a policy file never needs that many"
            )
        ],
    )


def test_nesting_up_to_the_limit_is_read(tmp_path):
    found, problems = _read(tmp_path, deeply_nested(MAX_DEPTH - 1))
    assert (found is not None, problems) == (True, [])


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    found, problems = _read(tmp_path, "notes: " + "x" * MAX_FILE_BYTES + "\n")
    assert (found, problems) == (
        None,
        [
            (
                f"rules/routing.yaml: (top level): the file is larger than "
                f"{MAX_FILE_BYTES // 1024} KiB, the most a policy file may be"
            )
        ],
    )


def test_a_number_too_long_to_read_is_a_problem_not_a_crash(tmp_path):
    _, problems = _read(tmp_path, "need_score:\n  points_per_problem: " + "9" * 5000 + "\n")
    assert problems == ["rules/routing.yaml:2: need_score.points_per_problem: the number is too long to read"]


def test_a_file_that_cannot_be_read_is_refused_without_naming_the_folder(tmp_path):
    (tmp_path / "routing.yaml").mkdir()
    found, problems = read_yaml(tmp_path / "routing.yaml", "rules/routing.yaml")
    assert (found, [p.file for p in problems]) == (None, ["rules/routing.yaml"])
    assert str(tmp_path) not in problems[0].message


@pytest.mark.parametrize("text", ["a: [1, 2\n", "a: b: c\n"])
def test_a_syntax_error_names_no_folder(tmp_path, text):
    _, problems = _read(tmp_path, text)
    assert len(problems) == 1 and str(tmp_path) not in problems[0] and "YAML syntax error" in problems[0]


def test_a_file_may_nest_fifty_levels_and_no_more(tmp_path):
    """The top-level mapping is a level too: 49 lists inside it make 50."""
    assert [_read(tmp_path, deeply_nested(lists))[0] is not None for lists in (49, 50)] == [True, False]


def test_a_file_may_be_one_mebibyte_and_no_more(tmp_path):
    sizes = (1_048_576, 1_048_577)
    assert [_read(tmp_path, "notes: " + "x" * (size - 8) + "\n")[0] is not None for size in sizes] == [True, False]


def test_a_syntax_error_says_what_the_parser_expected(tmp_path):
    assert _read(tmp_path, "routing: [1, 2\n")[1] == [
        "rules/routing.yaml:2: (top level): YAML syntax error: did not find expected ',' or ']'"
    ]


def test_a_file_that_cannot_be_read_says_why(tmp_path):
    (tmp_path / "routing.yaml").mkdir()
    assert [str(p) for p in read_yaml(tmp_path / "routing.yaml", "rules/routing.yaml")[1]] == [
        "rules/routing.yaml: (top level): cannot read file: Is a directory"
    ]


def test_nesting_is_counted_from_where_it_stands_after_a_closed_collection(tmp_path):
    found, problems = _read(tmp_path, "first: [1]\n" + deeply_nested(MAX_DEPTH, key="second"))
    assert (found, [p.split(": ", 2)[-1] for p in problems]) == (
        None,
        ["nested more than 50 levels deep; a policy file never needs that many"],
    )


@pytest.mark.parametrize(
    ("key", "shown"), [("1", "1"), ("[a, b]", "['a', 'b']")], ids=["a-number", "a-list-read-in-full"]
)
def test_a_key_that_is_not_text_is_refused(tmp_path, key, shown):
    assert _read(tmp_path, f"routing:\n  {key}: yes\n")[1] == [
        f"rules/routing.yaml:2: routing: key {shown} must be text"
    ]
