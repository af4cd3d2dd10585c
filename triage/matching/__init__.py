"""Matching people and households across referrals, and finding them again (pure: no database,
no web). It proposes candidates with a score and reasons; a person always confirms or rejects.

    index = PeopleIndex(known_people)
    index.candidates(person)            # who this person may be
    index.household_candidates(people)  # which earlier households a referral's people may belong to
    index.search("Mo Khan 2/3/2014")    # what the front door's search box finds
"""

from triage.matching.index import PeopleIndex
from triage.matching.records import Candidate, HouseholdCandidate, PersonRecord, SearchHit, Strength
from triage.matching.settings import MatchSettings

__all__ = ["Candidate", "HouseholdCandidate", "MatchSettings", "PeopleIndex", "PersonRecord", "SearchHit", "Strength"]
