"""Adding simulated outcomes up (``triage.simulation.summary``) on hand-built outcomes.

A decision "changes" when its route, locality or priority differs (the reasons alone do not count);
workload is counted by team, where a MAST team is ``mast/<locality>``.
"""

from __future__ import annotations

from triage.simulation.render import as_data
from triage.simulation.run import Outcome, Routed
from triage.simulation.summary import Summary


def routed(
    route: str,
    locality: str | None = None,
    priority: str = "standard",
    reasons: tuple[str, ...] = ("why",),
    rule: str = "some_rule",
) -> Routed:
    return Routed(route, locality, priority, rule, reasons)


def outcome(referral_id: str, old: Routed | None, new: Routed | None, error: str | None = None) -> Outcome:
    return Outcome(referral_id, old, new, error)


NORTH = routed("mast", "north")
EAST = routed("mast", "east")
BSF = routed("bsf", priority="high")
SIGNPOST = routed("universal_signpost")


def summed(*outcomes: Outcome, sample_size: int = 10) -> Summary:
    summary = Summary(sample_size=sample_size)
    summary.add(list(outcomes))
    return summary


# --- total and changed --------------------------------------------------------------------------


def test_total_counts_every_outcome_including_errors() -> None:
    summary = summed(outcome("A", NORTH, NORTH), outcome("B", NORTH, BSF), outcome("C", None, None, "not decided: x"))
    assert summary.total == 3


def test_total_adds_up_over_several_chunks() -> None:
    summary = Summary()
    summary.add([outcome("A", NORTH, NORTH), outcome("B", NORTH, BSF)])
    summary.add([outcome("C", BSF, BSF)])
    assert (summary.total, summary.changed) == (3, 1)


def test_a_new_route_is_a_change() -> None:
    assert summed(outcome("A", NORTH, BSF)).changed == 1


def test_a_new_locality_on_the_same_route_is_a_change() -> None:
    assert summed(outcome("A", NORTH, EAST)).changed == 1


def test_the_same_route_with_another_priority_is_a_change() -> None:
    assert summed(outcome("A", routed("bsf", priority="standard"), routed("bsf", priority="high"))).changed == 1


def test_the_same_decision_with_other_reasons_is_not_a_change() -> None:
    before = routed("mast", "north", reasons=("need score 20",), rule="mast_early_help")
    after = routed("mast", "north", reasons=("need score 25", "a new reason"), rule="mast_early_help")
    assert summed(outcome("A", before, after)).changed == 0


def test_the_same_decision_by_another_rule_is_not_a_change() -> None:
    """Only route, locality and priority count: the work lands on the same team, as urgently."""
    assert (
        summed(
            outcome(
                "A",
                routed("universal_signpost", rule="no_dependent_children"),
                routed("universal_signpost", rule="below_threshold"),
            )
        ).changed
        == 0
    )


def test_an_error_is_not_a_change() -> None:
    assert summed(outcome("A", None, None, "invalid referral: x")).changed == 0


# --- transitions ---------------------------------------------------------------------------------


def test_transitions_count_old_route_to_new_route() -> None:
    summary = summed(
        outcome("A", NORTH, BSF), outcome("B", EAST, BSF), outcome("C", NORTH, NORTH), outcome("D", SIGNPOST, SIGNPOST)
    )
    assert dict(summary.transitions) == {
        ("mast", "bsf"): 2,
        ("mast", "mast"): 1,
        ("universal_signpost", "universal_signpost"): 1,
    }


def test_transitions_are_by_route_so_a_locality_move_stays_on_the_diagonal() -> None:
    assert dict(summed(outcome("A", NORTH, EAST)).transitions) == {("mast", "mast"): 1}


def test_transitions_leave_errors_out() -> None:
    assert sum(summed(outcome("A", NORTH, BSF), outcome("B", None, None, "x")).transitions.values()) == 1


def test_routes_lists_old_rows_and_new_columns_by_name() -> None:
    summary = summed(outcome("A", SIGNPOST, BSF), outcome("B", NORTH, NORTH))
    assert summary.routes() == (["mast", "universal_signpost"], ["bsf", "mast"])


def test_the_report_matrix_puts_each_count_in_its_row_and_column() -> None:
    summary = summed(outcome("A", NORTH, BSF), outcome("B", NORTH, BSF), outcome("C", SIGNPOST, NORTH))
    matrix = as_data(summary, {}, {"baseline": "b", "candidate": "c"})["transitions"]
    assert matrix == {"rows": ["mast", "universal_signpost"], "columns": ["bsf", "mast"], "counts": [[2, 0], [0, 1]]}


# --- team workload -------------------------------------------------------------------------------


def test_a_mast_team_is_the_route_and_locality() -> None:
    assert (NORTH.team, BSF.team) == ("mast/north", "bsf")


def test_workload_before_and_after_by_team() -> None:
    summary = summed(
        outcome("A", NORTH, BSF), outcome("B", NORTH, NORTH), outcome("C", EAST, EAST), outcome("D", SIGNPOST, BSF)
    )
    assert summary.teams() == [("bsf", 0, 2), ("mast/east", 1, 1), ("mast/north", 2, 1), ("universal_signpost", 1, 0)]


def test_workload_moves_between_localities() -> None:
    assert summed(outcome("A", NORTH, EAST)).teams() == [("mast/east", 0, 1), ("mast/north", 1, 0)]


def test_workload_leaves_errors_out() -> None:
    assert summed(outcome("A", None, None, "x")).teams() == []


def test_the_report_gives_each_team_its_change_and_capacity() -> None:
    summary = summed(outcome("A", NORTH, BSF), outcome("B", NORTH, NORTH), outcome("C", SIGNPOST, SIGNPOST))
    teams = as_data(summary, {"bsf": 160, "mast/north": 225}, {"baseline": "b", "candidate": "c"})["teams"]
    assert teams == [
        {"team": "bsf", "before": 0, "after": 1, "change": 1, "capacity": 160},
        {"team": "mast/north", "before": 2, "after": 1, "change": -1, "capacity": 225},
        {"team": "universal_signpost", "before": 1, "after": 1, "change": 0, "capacity": None},
    ]


# --- errors --------------------------------------------------------------------------------------


def test_errors_are_counted_by_reason() -> None:
    summary = summed(
        outcome("A", None, None, "invalid referral: age"),
        outcome("B", NORTH, NORTH),
        outcome("C", None, None, "invalid referral: age"),
        outcome("D", None, None, "not decided: boom"),
    )
    assert dict(summary.errors) == {"invalid referral: age": 2, "not decided: boom": 1}


def test_an_outcome_without_a_decision_or_a_reason_counts_as_not_decided() -> None:
    assert dict(summed(outcome("A", NORTH, None)).errors) == {"not decided": 1}


# --- the sample ----------------------------------------------------------------------------------


def changes(n: int, start: int = 0) -> list[Outcome]:
    return [outcome(f"R-{i:02d}", NORTH, BSF) for i in range(start, start + n)]


def test_the_sample_holds_only_changed_referrals() -> None:
    summary = summed(outcome("same", NORTH, NORTH), outcome("moved", NORTH, BSF), outcome("bad", None, None, "x"))
    assert [o.referral_id for o in summary.sample] == ["moved"]


def test_the_sample_stops_at_its_size_while_changed_counts_on() -> None:
    summary = summed(*changes(7), sample_size=3)
    assert (len(summary.sample), summary.changed) == (3, 7)


def test_the_sample_keeps_the_first_changed_in_input_order_across_chunks() -> None:
    summary = Summary(sample_size=4)
    summary.add([outcome("same", NORTH, NORTH), *changes(2, start=0)])
    summary.add([*changes(5, start=2)])
    assert [o.referral_id for o in summary.sample] == ["R-00", "R-01", "R-02", "R-03"]


def test_a_sample_size_of_zero_samples_nothing() -> None:
    summary = summed(*changes(2), sample_size=0)
    assert (summary.sample, summary.changed) == ([], 2)


def test_the_report_sample_has_both_explanations() -> None:
    before = routed("mast", "north", reasons=("old reason",), rule="mast_early_help")
    after = routed("bsf", priority="high", reasons=("new reason 1", "new reason 2"), rule="bsf_intensive")
    [item] = as_data(summed(outcome("R-1", before, after)), {}, {"baseline": "b", "candidate": "c"})["sample"]
    assert item == {
        "referral_id": "R-1",
        "old": {"team": "mast/north", "priority": "standard", "rule": "mast_early_help", "reasons": ["old reason"]},
        "new": {
            "team": "bsf",
            "priority": "high",
            "rule": "bsf_intensive",
            "reasons": ["new reason 1", "new reason 2"],
        },
    }


def test_the_report_gives_the_changed_share_of_the_total() -> None:
    data = as_data(
        summed(outcome("A", NORTH, BSF), *[outcome(f"S{i}", NORTH, NORTH) for i in range(7)]),
        {},
        {"baseline": "b", "candidate": "c"},
    )
    assert (data["total"], data["changed"], data["changed_pct"]) == (8, 1, "12.5%")


def test_an_empty_report_has_no_share_to_divide() -> None:
    data = as_data(Summary(), {}, {"baseline": "b", "candidate": "c"})
    assert (data["total"], data["changed_pct"], data["teams"], data["sample"]) == (0, "0%", [], [])
