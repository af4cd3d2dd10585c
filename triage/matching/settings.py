"""Every weight and threshold matching uses, in one place, with its default.

Weights are in bits (log2 of how much more often a field agrees like this for the same person
than for two different people), in the manner of Fellegi and Sunter: a pair's score is the prior
plus the weights of its fields, turned into a figure from 0 to 1. Kept as named parameters so that
the policy lead can later move them into the ruleset's YAML; nothing here is fitted to one data set.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MatchSettings"]


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Thresholds and weights for candidates and search (defaults: see the README's figures)."""

    # a candidate is "likely" at or above this score (and when nothing rules "likely" out), shown
    # as "possible" at or above the lower one, and not shown below it
    likely_threshold: float = 0.9
    possible_threshold: float = 0.05
    # a pair with a reason for doubt (a different first name or date of birth) is scored no higher
    # than this: the weights assume fields agree independently, which twins and a household's
    # shared surname, address and postcode break, so their sum would overstate it
    doubtful_score_cap: float = 0.85
    # when several known people are likely for one incoming person, only the best stays likely,
    # and only if it is this many bits (2^4 = 16 times) more likely than the next; the others
    # become possible ("another known person matches as well"): a person decides between them
    ambiguity_margin: float = 4.0
    # the prior: log2 of the odds that the incoming person is one given known person before any
    # field is compared, 1 in the number of people indexed (more people, more lookalikes), but
    # never more than 1 in ``prior_population`` so that a small index does not link too easily
    prior_population: int = 65_536

    # identifiers: the same valid number; two different valid numbers rule a pair out
    nhs_number_same: float = 16.0
    upn_same: float = 14.0
    different_upn_rules_out: bool = True  # permanent UPNs only: a temporary UPN is replaced

    # names: an exact name weighs log2(agreement / frequency), the frequency that of the name among
    # the people indexed, smoothed towards a default so a small index behaves like a large one
    name_agreement: float = 0.95
    given_default_frequency: float = 0.005
    family_default_frequency: float = 0.002
    frequency_smoothing: float = 1000.0  # how many "default" people the smoothing counts
    given_exact_range: tuple[float, float] = (3.0, 9.0)
    family_exact_range: tuple[float, float] = (3.0, 10.0)
    given_variant: float = 4.0  # a known nickname or another spelling
    given_typo: float = 4.0  # one letter added, dropped, changed or two swapped
    given_similar: float = 1.0  # alike, but more than one letter apart
    given_initial: float = 0.0
    given_different: float = -6.0
    family_typo: float = 4.0
    family_partial: float = 4.0  # one part of a double-barrelled name
    family_similar: float = 1.0
    family_different: float = -6.0
    swapped_cost: float = 1.0  # first and last names the wrong way round weigh a little less
    typo_min_length: int = 4  # names shorter than this are never "one letter out" (Eva, Ava)
    similar_name: float = 0.85  # Jaro-Winkler similarity for "alike"

    # date of birth, as log2(how often for one person / how often for two people): two people's
    # dates agree about 1 time in 20,000 (ages 0 to 55), a record's date is right about 95 times in
    # 100 (dob_same, less than the 14 bits that gives, as births cluster and twins share one), has
    # day and month swapped about 1 in 100 (7.6 bits), one digit wrong about 2 in 100 while about
    # 30 dates in 20,000 are one digit from any date (3.7 bits), or differs otherwise about 3 in 100
    dob_same: float = 11.0
    dob_swapped: float = 7.0  # day and month the wrong way round
    dob_one_digit: float = 3.5  # one digit of YYYYMMDD different
    dob_different: float = -7.0

    sex_same: float = 0.5
    sex_different: float = -4.0

    # where they live: a family that moved keeps its people but not its postcode
    postcode_same: float = 5.0
    district_same: float = 1.0
    postcode_different: float = -1.5
    address_same: float = 2.0
    address_similar: float = 1.0
    similar_address: float = 90.0  # rapidfuzz token_sort_ratio for "similar first line"

    max_candidates: int = 10  # per incoming person
    max_block: int = 5000  # a blocking key shared by more records than this is too common to use
    search_limit: int = 50  # hits per search
    search_name_similarity: float = 0.85  # Jaro-Winkler, per name in the query
