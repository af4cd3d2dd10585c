"""Matching quality and search speed, measured on generated people whose truth is known.

    python benchmarks/matching.py [--people 100000] [--incoming 6000] [--queries 2000] [--seed 1]

What it does
- Generates households (seeded) in a city: adults and children with realistic UK names (White
  British, South Asian, Eastern European, African and Caribbean), common names common (Zipf-like
  draws, so there are many "Mohammed Khan"s at different dates of birth), twins, NHS numbers
  (valid check digits) for some people and UPNs (valid check letters) for some school-age
  children. About ``--people`` person records go into a ``PeopleIndex`` (build time and memory
  printed); in some twin households one twin is held back, as a person not yet known.
- Makes ``--incoming`` new referrals' people, each of one kind: a known person again (same details;
  a one-letter typo in the first or last name; a nickname; first and last names swapped; day and
  month of birth swapped; one digit of the date of birth wrong; no NHS number or UPN; no date of
  birth; the whole household moved to a new postcode), or a person not known (a twin whose twin is
  known; someone with a known person's name but another date of birth and address; someone new).
  Outside the "no NHS number or UPN" kind, a known person's NHS number comes with the referral only
  sometimes (``--with-id``), so most pairs are matched on names, dates and places. The nicknames
  used here are this file's own list, which includes names the matcher's YAML does not know.
- Prints precision and recall of the default threshold for "likely" (exact identifier or likely:
  what a person would expect to confirm) and for "shown as candidate" (any strength), a confusion
  breakdown by kind, how often the true household comes first for moved households, and that twins
  and same-name-different-person are never "likely".
- Search latency over the whole index: p50, p95 and max per kind of query (name, misspelt name,
  surname, name and date of birth, date of birth, postcode, district, NHS number, UPN, referral id,
  household id), and candidate look-up latency.

Targets: precision and recall of "likely" >= 0.95; no twin or same-name-different-person ever
"likely"; search < 200 ms at 100,000 people.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from triage.identifiers import upn_check_letter  # noqa: E402
from triage.matching import Candidate, PeopleIndex, PersonRecord, Strength  # noqa: E402

TODAY = date(2026, 12, 1)
TARGET = 0.95
SEARCH_TARGET_MS = 200.0

# (given names male, given names female, family names), each list most common first
GROUPS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "white british": (
        "Oliver George Harry Jack Noah Charlie Jacob Thomas Oscar William James Henry Leo Alfie Joshua Freddie "
        "Archie Ethan Daniel Samuel Joseph Max Logan Isaac Lucas Mason Benjamin Dylan Jake Ryan Liam Michael "
        "David Paul Mark Andrew Richard Christopher Matthew Robert Anthony Stephen Peter Gary Lee Craig".split(),
        "Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Ivy Freya Harper "
        "Willow Charlotte Jessica Chloe Ruby Daisy Alice Phoebe Matilda Elizabeth Sarah Emma Rebecca Laura "
        "Hannah Rachel Claire Nicola Michelle Kelly Jennifer Victoria Katherine Margaret Samantha".split(),
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
        "Roberts Green Hall Wood Jackson Clarke Patel Harris Lewis Martin Turner Cooper Hill Ward Morris Moore "
        "Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett "
        "Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox "
        "Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell "
        "Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight "
        "Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher "
        "Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks "
        "West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry "
        "Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory "
        "Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter "
        "Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson "
        "Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton "
        "Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss "
        "McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace "
        "George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson "
        "Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann "
        "Frost Lambert Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomas Duncan MacDonald Fraser".split(),
    ),
    "south asian": (
        "Mohammed Muhammad Ali Hassan Hussain Ahmed Ibrahim Yusuf Zain Omar Usman Hamza Ayaan Bilal Imran "
        "Abdullah Ismail Adam Rayyan Musa Haris Arjun Rohan Aarav Harpreet Gurpreet Sanjay Ravi Amir Tariq "
        "Shahid Asif Kamran Zubair Faisal Idris Zakariya Mustafa".split(),
        "Aisha Fatima Maryam Zainab Amina Hafsa Sana Ayesha Noor Maryam Khadija Zara Inaya Safa Iqra Hiba "
        "Priya Anjali Simran Harleen Nadia Samina Shazia Rubina Nasreen Farah Yasmin Sadia Alisha Eshal".split(),
        "Khan Hussain Ahmed Ali Akhtar Begum Bibi Iqbal Mahmood Rashid Patel Singh Kaur Sharma Shah Mistry "
        "Chaudhry Malik Butt Qureshi Rehman Aslam Javed Anwar Siddiqui Mirza Ahmad Islam Uddin Miah Rahman".split(),
    ),
    "eastern european": (
        "Jakub Piotr Tomasz Mateusz Kacper Szymon Lukasz Oleksandr Andriy Mihai Andrei Bogdan Marek Pawel "
        "Krzysztof Michal Dawid Filip Adrian Bartosz Wojciech Grzegorz Stefan Ionut Vasile Dmytro Maksym".split(),
        "Zofia Julia Zuzanna Katarzyna Agnieszka Maja Oliwia Natalia Ioana Elena Olena Daria Anna Magdalena "
        "Aleksandra Joanna Monika Ewa Karolina Alina Andreea Iryna Sofiia Malgorzata Dorota Marta".split(),
        "Kowalski Nowak Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski Wozniak "
        "Dabrowski Kozlowski Jankowski Mazur Kwiatkowski Krawczyk Popescu Ionescu Popa Stan Dumitru "
        "Shevchenko Bondarenko Kovalenko Tkachenko Horvath Novak Dvorak Kowalska Nowakowska".split(),
    ),
    "african": (
        "Oluwaseun Chukwuemeka Babatunde Kwame Kofi Abdi Mohamed Emmanuel Samuel David Daniel Adebayo Femi "
        "Tobi Chidi Ifeanyi Kelechi Yaw Kwabena Abdullahi Abdirahman Mahad Tendai Tinashe Joshua Michael".split(),
        "Chiamaka Ngozi Adaeze Amara Ama Abena Fatuma Hodan Blessing Precious Folake Ife Ayomide Temitope "
        "Nkechi Chioma Akosua Efua Ayaan Hibo Ruth Esther Grace Faith Tendai Rutendo".split(),
        "Okafor Okonkwo Adeyemi Olawale Mensah Asante Boateng Owusu Osei Abdi Mohamud Hassan Warsame Nwosu "
        "Eze Adebayo Ogunleye Balogun Oyelaran Appiah Ansah Farah Ahmed Jama Moyo Ndlovu Banda Mwangi".split(),
    ),
    "caribbean": (
        "Tyrone Jermaine Marcus Andre Delroy Leon Dwayne Kareem Nathaniel Jerome Winston Clive Trevor Kyle".split(),
        "Shanice Keisha Tanisha Latoya Simone Chantelle Marcia Janelle Kezia Aaliyah Jada Beverley Maxine".split(),
        "Campbell Brown Williams Thompson Clarke Francis Grant Morgan Reid Bailey Henry McKenzie Gordon "
        "Walters Edwards Bennett Richards Samuels Gayle Forbes Barrett Spence Powell Lewis".split(),
    ),
}
GROUP_SHARES = {"white british": 0.6, "south asian": 0.18, "eastern european": 0.08, "african": 0.08, "caribbean": 0.06}

# this benchmark's own nicknames (not the matcher's YAML): some it knows, some it does not
NICKNAMES = {
    "William": ["Bill", "Will", "Liam"],
    "James": ["Jim", "Jamie"],
    "Thomas": ["Tom", "Tommy"],
    "Joseph": ["Joe"],
    "Samuel": ["Sam"],
    "Daniel": ["Dan", "Danny"],
    "Michael": ["Mike", "Mick"],
    "Robert": ["Rob", "Bob"],
    "Christopher": ["Chris"],
    "Anthony": ["Tony"],
    "Matthew": ["Matt"],
    "Benjamin": ["Ben"],
    "Alexander": ["Alex"],
    "Elizabeth": ["Beth", "Lizzie", "Liz"],
    "Katherine": ["Kate", "Katie"],
    "Rebecca": ["Becky"],
    "Jennifer": ["Jenny", "Jen"],
    "Victoria": ["Vicky", "Tori"],
    "Margaret": ["Maggie", "Peggy"],
    "Samantha": ["Sam"],
    "Jessica": ["Jess"],
    "Charlotte": ["Lottie"],
    "Isabella": ["Bella", "Izzy"],
    "Mohammed": ["Mo"],
    "Muhammad": ["Mo"],
    "Abdullahi": ["Abdi"],
    "Oluwaseun": ["Seun"],
    "Babatunde": ["Tunde"],
    "Chukwuemeka": ["Emeka"],
    "Katarzyna": ["Kasia"],
    "Malgorzata": ["Gosia"],
    "Oleksandr": ["Sasha"],
    "Wojciech": ["Wojtek"],
    "Aleksandra": ["Ola"],
    "Joshua": ["Josh"],
    "Nathaniel": ["Nate", "Nathan"],
    "Hannah": ["Annie"],
    "Temitope": ["Tope", "Temi"],
    "Oliver": ["Ollie"],
    "Frederick": ["Freddie"],
}
STREETS = (
    "Park Church Station Victoria Mill School Chapel Albert Queen King Manor Green Grange Spring Hill "
    "Cemetery Abbey Beech Oak Elm Ash Cherry Willow Meadow Orchard Cross Bridge Castle Market Princess "
    "Westfield Eastfield Northfield Hawthorn Rowan Holly Sycamore Laburnum Chestnut Poplar Birch Cedar"
).split()
STREET_KINDS = ["Road", "Street", "Lane", "Avenue", "Close", "Drive", "Grove", "Crescent", "Terrace", "Way"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DISTRICTS = [f"S{n}" for n in range(1, 36)]
KNOWN_KINDS = (
    "same details",
    "typo in first name",
    "typo in last name",
    "nickname",
    "names swapped",
    "day and month swapped",
    "date of birth digit wrong",
    "no NHS number or UPN",
    "no date of birth",
    "household moved",
)
UNKNOWN_KINDS = ("twin not known", "same name, different person", "new person")
NEVER_LIKELY = ("twin not known", "same name, different person")


def zipf(rng: random.Random, items: Sequence[str], s: float = 1.0) -> str:
    """A draw from ``items`` with the first most common (weights 1/rank^s)."""
    weights = [1.0 / (rank + 1) ** s for rank in range(len(items))]
    return rng.choices(items, weights=weights)[0]


def nhs_number(rng: random.Random) -> str:
    """A random NHS number whose check digit is right."""
    while True:
        body = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, body)) + str(0 if check == 11 else check)


def upn(rng: random.Random, admitted: int) -> str:
    """A permanent UPN for a pupil admitted in ``admitted`` (LA 373, a school, a serial)."""
    body = f"373{rng.randrange(2000, 5000):04d}{admitted % 100:02d}{rng.randrange(1000):03d}"
    return upn_check_letter(body) + body


@dataclass
class Person:
    """A true person: what every referral about them is drawn from."""

    record: PersonRecord
    group: str


class City:
    """Seeded generator of households and the people in them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people = 0
        self.households = 0
        self.postcodes: list[str] = []

    def postcode(self) -> str:
        """A postcode: mostly ones already used (neighbours), sometimes a new one."""
        if not self.postcodes or self.rng.random() < 0.08:
            district = self.rng.choice(DISTRICTS)
            letters = "".join(self.rng.choices(INWARD_LETTERS, k=2))
            self.postcodes.append(f"{district} {self.rng.randrange(1, 10)}{letters}")
        return self.rng.choice(self.postcodes)

    def address(self) -> str:
        return f"{self.rng.randrange(1, 200)} {self.rng.choice(STREETS)} {self.rng.choice(STREET_KINDS)}"

    def birthday(self, youngest: int, oldest: int) -> date:
        return TODAY - timedelta(days=self.rng.randrange(youngest * 365, oldest * 365 + 365))

    def given(self, group: str, sex: str) -> str:
        male, female, _ = GROUPS[group]
        return zipf(self.rng, male if sex == "male" else female, 0.8)

    def person(
        self, group: str, household: str, family: str, dob: date, place: tuple[str, str], sex: str | None = None
    ) -> Person:
        rng = self.rng
        self.people += 1
        sex = sex or rng.choice(("male", "female"))
        age = (TODAY - dob).days // 365
        record = PersonRecord(
            person_id=f"p{self.people}",
            household_id=household,
            given_name=self.given(group, sex),
            family_name=family,
            date_of_birth=dob,
            sex=sex,
            nhs_number=nhs_number(rng) if rng.random() < 0.6 else None,
            upn=upn(rng, TODAY.year - age + 5) if 4 <= age <= 17 and rng.random() < 0.7 else None,
            postcode=place[0],
            address_line_1=place[1],
            referral_id=f"R{self.people:07d}",
        )
        return Person(record, group)

    def household(self) -> tuple[list[Person], list[Person]]:
        """One household: (people known, people held back as not yet known: sometimes one of twins)."""
        rng = self.rng
        self.households += 1
        hid = f"H{self.households:06d}"
        group = rng.choices(list(GROUP_SHARES), weights=list(GROUP_SHARES.values()))[0]
        family = zipf(rng, GROUPS[group][2], 0.9)
        place = (self.postcode(), self.address())
        adults = [self.person(group, hid, family, self.birthday(20, 55), place)]
        if rng.random() < 0.6:
            adults.append(self.person(group, hid, family, self.birthday(20, 55), place))
        children: list[Person] = []
        held: list[Person] = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 4))):
            surname = family if rng.random() < 0.85 else zipf(rng, GROUPS[group][2], 0.9)
            children.append(self.person(group, hid, surname, self.birthday(0, 17), place))
        if children and rng.random() < 0.04:  # twins: same date of birth, a different first name
            first = children[0].record
            twin = self.person(group, hid, first.family_name or family, first.date_of_birth or TODAY, place)
            while twin.record.given_name == first.given_name:
                twin = Person(replace(twin.record, given_name=self.given(group, twin.record.sex or "male")), group)
            (held if rng.random() < 0.5 else children).append(twin)
        return adults + children, held


def one_edit(rng: random.Random, word: str) -> str:
    """The word with one slip: a letter dropped, doubled, changed, or two neighbours swapped."""
    letters = list(word)
    i = rng.randrange(1, len(letters)) if len(letters) > 1 else 0
    kind = rng.choice(("drop", "double", "change", "swap"))
    if kind == "drop" and len(letters) > 3:
        del letters[i]
    elif kind == "double":
        letters.insert(i, letters[i])
    elif kind == "swap" and i + 1 < len(letters) and letters[i] != letters[i + 1]:
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    else:
        letters[i] = rng.choice([c for c in "aeiourstnlm" if c != letters[i].lower()])
    return "".join(letters)


def digit_wrong(rng: random.Random, day: date) -> date:
    """The date with one digit of day, month or year mistyped (still a real date)."""
    while True:
        text = list(day.strftime("%Y%m%d"))
        i = rng.choice((2, 3, 5, 6, 7))
        text[i] = str(rng.randrange(10))
        try:
            changed = date(int("".join(text[:4])), int("".join(text[4:6])), int("".join(text[6:])))
        except ValueError:
            continue
        if changed != day and changed < TODAY:
            return changed


@dataclass
class Incoming:
    """A person on a new referral, and who they truly are (None: nobody known)."""

    record: PersonRecord
    kind: str
    truth: str | None
    household_truth: str | None = None


def referral_copy(rng: random.Random, known: PersonRecord, n: int, with_id: float) -> PersonRecord:
    """A known person as a new referral writes them: new ids, identifiers only sometimes."""
    return replace(
        known,
        person_id=f"in{n}",
        household_id=None,
        referral_id=f"N{n:07d}",
        nhs_number=known.nhs_number if rng.random() < with_id else None,
        upn=known.upn if rng.random() < with_id else None,
        address_line_1=known.address_line_1 if rng.random() < 0.7 else None,
        sex=known.sex if rng.random() < 0.9 else None,
    )


def make_known(
    rng: random.Random, kind: str, person: Person, n: int, with_id: float, city: City
) -> PersonRecord | None:
    """A known person again, changed as ``kind`` says (None if the kind cannot apply to them)."""
    k = person.record
    r = referral_copy(rng, k, n, with_id)
    given, family, dob = k.given_name or "", k.family_name or "", k.date_of_birth
    if kind == "typo in first name":
        return replace(r, given_name=one_edit(rng, given))
    if kind == "typo in last name":
        return replace(r, family_name=one_edit(rng, family))
    if kind == "nickname":
        return replace(r, given_name=rng.choice(NICKNAMES[given])) if given in NICKNAMES else None
    if kind == "names swapped":
        return replace(r, given_name=family, family_name=given)
    if kind == "day and month swapped":
        if dob is None or dob.day > 12 or dob.day == dob.month:
            return None
        return replace(r, date_of_birth=dob.replace(day=dob.month, month=dob.day))
    if kind == "date of birth digit wrong":
        return replace(r, date_of_birth=digit_wrong(rng, dob)) if dob else None
    if kind == "no NHS number or UPN":
        return replace(r, nhs_number=None, upn=None)
    if kind == "no date of birth":
        return replace(r, date_of_birth=None)
    if kind == "household moved":
        return r  # the caller moves the whole household
    return r


def generate(args: argparse.Namespace) -> tuple[list[PersonRecord], list[Incoming], dict[str, list[Person]]]:
    """Known records, incoming people with truth, and households (for moved-household cases)."""
    city = City(args.seed)
    known: list[Person] = []
    held: list[Person] = []
    households: dict[str, list[Person]] = defaultdict(list)
    while len(known) < args.people:
        people, not_known = city.household()
        known += people
        held += not_known
        for p in people:
            households[p.record.household_id or ""].append(p)
    rng = random.Random(args.seed + 1)
    incoming: list[Incoming] = []
    n = 0
    per_kind = args.incoming // (len(KNOWN_KINDS) + len(UNKNOWN_KINDS))
    for kind in KNOWN_KINDS:
        made = 0
        while made < per_kind:
            person = rng.choice(known)
            if kind == "household moved":
                place = (city.postcode(), city.address())
                for member in households[person.record.household_id or ""]:
                    n += 1
                    r = referral_copy(rng, member.record, n, args.with_id)
                    moved = replace(r, postcode=place[0], address_line_1=place[1])
                    incoming.append(Incoming(moved, kind, member.record.person_id, member.record.household_id))
                    made += 1
                continue
            n += 1
            record = make_known(rng, kind, person, n, args.with_id, city)
            if record is not None:
                incoming.append(Incoming(record, kind, person.record.person_id, person.record.household_id))
                made += 1
    twins = [
        p
        for p in held
        if any(k.record.date_of_birth == p.record.date_of_birth for k in households[p.record.household_id or ""])
    ]
    for twin in twins[:per_kind]:
        n += 1
        incoming.append(Incoming(referral_copy(rng, twin.record, n, 0.0), "twin not known", None))
    # the most common names again, each at a date of birth no known person of that name has
    common = Counter((p.record.given_name, p.record.family_name) for p in known)
    births: dict[tuple[str | None, str | None], set[date | None]] = defaultdict(set)
    for p in known:
        births[(p.record.given_name, p.record.family_name)].add(p.record.date_of_birth)
    by_name = [name for name, _ in common.most_common(200)]
    for _ in range(per_kind):
        n += 1
        given, family = rng.choice(by_name)
        born = city.birthday(0, 55)
        while born in births[(given, family)]:
            born = city.birthday(0, 55)
        other = city.person("white british", "new", family or "", born, (city.postcode(), city.address()))
        namesake = replace(referral_copy(rng, other.record, n, 0.0), given_name=given)
        incoming.append(Incoming(namesake, "same name, different person", None))
    for _ in range(per_kind):
        n += 1
        group = rng.choices(list(GROUP_SHARES), weights=list(GROUP_SHARES.values()))[0]
        new = city.person(
            group, "new", zipf(rng, GROUPS[group][2], 0.9), city.birthday(0, 55), (city.postcode(), city.address())
        )
        incoming.append(Incoming(referral_copy(rng, new.record, n, 0.3), "new person", None))
    return [p.record for p in known], incoming, households


def is_likely(candidate: Candidate) -> bool:
    return candidate.strength in (Strength.EXACT_IDENTIFIER, Strength.LIKELY)


def quality(index: PeopleIndex, incoming: list[Incoming]) -> list[float]:
    """Print precision/recall for "likely" and "shown", and the breakdown by kind; returns the
    candidate look-up times (ms)."""
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    timings: list[float] = []
    for item in incoming:
        start = time.perf_counter()
        candidates = index.candidates(item.record)
        timings.append((time.perf_counter() - start) * 1000)
        row = rows[item.kind]
        row["n"] += 1
        for level, chosen in (("likely", [c for c in candidates if is_likely(c)]), ("shown", candidates)):
            ids = {c.person.person_id for c in chosen}
            row[f"tp {level}"] += item.truth in ids
            row[f"fp {level}"] += len(ids - {item.truth})
            row[f"fn {level}"] += item.truth is not None and item.truth not in ids
    totals: Counter[str] = Counter()
    for row in rows.values():
        totals.update(row)

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.3f}" if b else "  -  "

    print(f"\nMatching quality ({len(incoming):,} incoming people against {len(index):,} known)")
    for level in ("likely", "shown"):
        tp, fp, fn = totals[f"tp {level}"], totals[f"fp {level}"], totals[f"fn {level}"]
        name = '"likely" (exact identifier or likely)' if level == "likely" else '"shown as candidate" (any strength)'
        print(f"  {name:42} precision {ratio(tp, tp + fp)}  recall {ratio(tp, tp + fn)}  (tp {tp}, fp {fp}, fn {fn})")
    print(f"\n  {'kind':30} {'n':>5} {'likely: found':>14} {'wrong':>6} {'shown: found':>13} {'wrong':>6}")
    for kind in (*KNOWN_KINDS, *UNKNOWN_KINDS):
        row = rows[kind]
        known = row["tp likely"] + row["fn likely"]
        found_l = f"{row['tp likely']}/{known}" if known else "-"
        found_s = f"{row['tp shown']}/{known}" if known else "-"
        print(f"  {kind:30} {row['n']:>5} {found_l:>14} {row['fp likely']:>6} {found_s:>13} {row['fp shown']:>6}")
    never = sum(rows[k]["fp likely"] for k in NEVER_LIKELY)
    tp, fp, fn = totals["tp likely"], totals["fp likely"], totals["fn likely"]
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f'\n  twins and same-name-different-person ever "likely": {never} (target 0)')
    verdict = "met" if precision >= TARGET and recall >= TARGET and never == 0 else "NOT met"
    print(f'  target precision and recall of "likely" >= {TARGET}: {verdict}')
    return timings


def households_found(index: PeopleIndex, incoming: list[Incoming]) -> None:
    """For each moved household: is the true household the first household candidate?"""
    groups: dict[str, list[Incoming]] = defaultdict(list)
    for item in incoming:
        if item.kind == "household moved" and item.household_truth:
            groups[item.household_truth].append(item)
    first = sum(
        1
        for hid, items in groups.items()
        if (found := index.household_candidates([i.record for i in items])) and found[0].household_id == hid
    )
    print(f"  moved households whose true household comes first: {first}/{len(groups)}")


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):7.2f}  p95 {p95:7.2f}  max {ordered[-1]:7.2f} ms"


def search_latency(index: PeopleIndex, records: list[PersonRecord], count: int, seed: int) -> float:
    """Time searches of each kind; returns the slowest (ms)."""
    rng = random.Random(seed + 2)
    makers: dict[str, Callable[[PersonRecord], str | None]] = {
        "name": lambda r: f"{r.given_name} {r.family_name}",
        "misspelt name": lambda r: f"{one_edit(rng, r.given_name or '')} {r.family_name}",
        "surname": lambda r: r.family_name,
        "name and date of birth": lambda r: f"{r.given_name} {r.family_name} {r.date_of_birth:%d/%m/%Y}",
        "date of birth": lambda r: f"{r.date_of_birth:%d/%m/%Y}",
        "postcode": lambda r: r.postcode,
        "district": lambda r: (r.postcode or "").split()[0],
        "NHS number": lambda r: r.nhs_number and f"{r.nhs_number[:3]} {r.nhs_number[3:6]} {r.nhs_number[6:]}",
        "UPN": lambda r: r.upn,
        "referral id": lambda r: r.referral_id,
        "household id": lambda r: r.household_id,
    }
    print(f"\nSearch latency over {len(index):,} people ({count} queries of each kind)")
    slowest = 0.0
    everything: list[float] = []
    for kind, make in makers.items():
        times: list[float] = []
        misses = 0
        while len(times) < count:
            query = make(rng.choice(records))
            if not query:
                continue
            start = time.perf_counter()
            hits = index.search(query)
            times.append((time.perf_counter() - start) * 1000)
            misses += not hits
        everything += times
        slowest = max(slowest, max(times))
        print(f"  {kind:24} {percentiles(times)}  (found nothing: {misses})")
    print(f"  {'all':24} {percentiles(everything)}")
    verdict = "met" if slowest < SEARCH_TARGET_MS else "NOT met"
    print(f"  target every search < {SEARCH_TARGET_MS:.0f} ms: {verdict}")
    return slowest


def rss_mib() -> float:
    """Resident memory now (Linux /proc), MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import resource

    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--incoming", type=int, default=6_500)
    parser.add_argument("--queries", type=int, default=300, help="searches of each kind")
    parser.add_argument(
        "--with-id", type=float, default=0.3, help="share of referrals that give a known NHS number/UPN"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    records, incoming, _ = generate(args)
    gc.collect()
    before = rss_mib()
    start = time.perf_counter()
    index = PeopleIndex(records)
    built = time.perf_counter() - start
    gc.collect()
    print(f"Index of {len(index):,} people built in {built:.1f} s; memory {rss_mib() - before:.0f} MiB")
    timings = quality(index, incoming)
    households_found(index, incoming)
    print(f"\nCandidate look-up per incoming person: {percentiles(timings)}")
    search_latency(index, records, args.queries, args.seed)


if __name__ == "__main__":
    main()
