"""Matching Cin7 customers with JOOR connections: pure functions, no store, no HTTP.

A customer and a connection are compared on their customer code, e-mails, normalised names
and location. Only pairs that share a blocking key (core.blocking) are scored, so
10,000 × 10,000 costs a couple of hundred thousand comparisons, not 10^8.
Each pair gets a score (0–100) with the reasons behind it; a pair is *certain* only when the
score is high, something besides the name agrees (an e-mail or its company domain, the
postcode), every word of one name has its twin in the other, and no other candidate of
either side comes close — so two branches of one company are asked about, never guessed.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz.distance import Indel

from core.joor import candidates as blocking
from core.joor.names import (  # noqa: F401  (normalise_name: part of what matching offers)
    name_tokens,
    normalise_city,
    normalise_country,
    normalise_name,
    normalise_postcode,
)

# Free mail providers: a shared domain there says nothing about the company.
FREE_MAIL = frozenset("""
    gmail.com googlemail.com hotmail.com hotmail.co.uk outlook.com live.com msn.com yahoo.com
    yahoo.co.uk icloud.com me.com mac.com aol.com proton.me protonmail.com gmx.de gmx.net
    web.de mail.com mail.uk bigpond.com xtra.co.nz
""".split())
EMAIL_FLOOR = 70  # the score of a pair whose only agreement is one buyer's e-mail


@dataclass(frozen=True)
class Thresholds:
    """Where a score becomes certain or worth a question (tuned by bench/bench_matching.py)."""

    certain: int = 90  # score at or above: linked without asking, if corroborated and clear
    doubtful: int = 65  # score at or above: put to a person
    margin: int = 10  # a certain pair must beat every rival of either side by this much
    name_floor: int = 75  # a certain pair's names must be at least this alike


@dataclass
class Party:
    """One side of a match: a Cin7 customer or a JOOR connection, reduced to what is compared."""

    id: str  # Cin7 customer id, or the JOOR customer code
    name: str
    code: str = ""  # customer code (Cin7: the field chosen in joor.customer_code_field)
    emails: tuple = ()
    city: str = ""
    postcode: str = ""
    country: str = ""


@dataclass
class Pair:
    cin7: Party
    joor: Party
    score: int
    reasons: list
    certain: bool = False


@dataclass
class Outcome:
    linked: list = field(default_factory=list)  # certain pairs
    review: list = field(default_factory=list)  # doubtful pairs, best first
    alternatives: dict = field(default_factory=dict)  # cin7 id -> other doubtful pairs
    unmatched_cin7: list = field(default_factory=list)
    unmatched_joor: list = field(default_factory=list)

    def summary(self):
        return {"linked": len(self.linked), "review": len(self.review),
                "unmatched": len(self.unmatched_cin7)}


@dataclass(slots=True)
class Prepared:
    """A Party with its normalised values, computed once."""

    party: Party
    tokens: list
    key: str  # sorted tokens: word order does not count
    seq: str  # tokens as written: a typo does not reorder them
    bare: str  # sorted tokens without the party's own city (names often carry the branch)
    bare_seq: str
    has_bare: bool  # the name holds the party's city
    code: str  # customer code, lower case
    emails: frozenset
    domains: frozenset
    postcode: str
    city: str
    country: str


def prepare(party):
    tokens = name_tokens(party.name)
    city = normalise_city(party.city or "")
    city_words = set(city.split())
    bare = [t for t in tokens if t not in city_words] or tokens
    emails = frozenset(e.strip().lower() for e in party.emails if e and "@" in e)
    domains = frozenset(e.split("@", 1)[1] for e in emails) - FREE_MAIL
    return Prepared(party, tokens, " ".join(sorted(tokens)), " ".join(tokens),
                    " ".join(sorted(bare)), " ".join(bare), len(bare) < len(tokens),
                    (party.code or "").strip().lower(), emails,
                    domains, normalise_postcode(party.postcode), city,
                    normalise_country(party.country or ""))


def name_score(a, b):
    """0–100: how alike two prepared names are, word order and the branch city aside."""
    similar = Indel.normalized_similarity
    best = similar(a.key, b.key)
    if best < 1:
        best = similar(a.seq, b.seq, score_cutoff=best) or best
        if a.has_bare or b.has_bare:
            best = similar(a.bare, b.bare, score_cutoff=best) or best
            best = similar(a.bare_seq, b.bare_seq, score_cutoff=best) or best
    return int(100 * best + 0.5)


@dataclass(slots=True)
class Score:
    value: int  # 0-100, shown to people
    raw: int  # uncapped: two pairs at "100" can still be told apart
    name: int
    corroborated: bool  # something besides the name agrees (code, e-mail, postcode)
    code: bool = False
    email: str = ""  # "same", "shared" or "domain"
    place: str = ""  # "country", "postcode", "city", "city-postcode", "same-city"


def score(a, b, shared_emails=frozenset(), same_email=None, floor=0):
    """How likely a Cin7 customer `a` and a JOOR connection `b` are the same retailer.

    Lean, since it runs for every candidate pair: None when the score is under `floor`;
    `same_email` False says the caller knows they share no e-mail. `reasons` puts a Score
    into words."""
    name = name_score(a, b)
    if a.code and a.code == b.code:
        return Score(100, 200, name, True, code=True)
    if same_email is False and name + 25 < floor:  # even a domain and a postcode would not do
        return None
    points, corroborated, email = name, False, ""
    common = a.emails & b.emails if same_email is not False else None
    if common and common - shared_emails:
        # One buyer's own address: worth a question even when the names differ (trading name).
        points, corroborated, email = max(points + 20, EMAIL_FLOOR), True, "same"
    elif common:  # the company's, or a buyer's for several shops: the rivals will tell
        points, corroborated, email = points + 5, True, "shared"
    elif a.domains and not a.domains.isdisjoint(b.domains):  # the company's own domain
        points, corroborated, email = points + 5, True, "domain"
    place = ""
    if a.country and b.country and a.country != b.country:
        points, corroborated, place = points - 40, False, "country"
    elif a.postcode and a.postcode == b.postcode:
        points, corroborated, place = points + 20, True, "postcode"
    elif a.city and b.city:
        if a.city != b.city:  # another branch: a different city is never corroboration
            points, corroborated, place = points - 30, False, "city"
        elif a.postcode and b.postcode:
            points, place = points - 5, "city-postcode"
        else:
            points, place = points + 8, "same-city"
    if points < floor:
        return None
    return Score(min(100, points), points, name, corroborated, False, email, place)


def reasons(a, b, s):
    """The score of a pair of Prepared records in words, for the person who decides."""
    if s.code:
        return [f"same customer code {b.party.code}"]
    out = [f"names {s.name}% alike"]
    common = sorted(a.emails & b.emails)
    out += {"same": [f"same e-mail {common[0] if common else ''}"],
            "shared": [f"e-mail {common[0] if common else ''} is used by several customers"],
            "domain": [f"same e-mail domain {min(a.domains & b.domains or {''})}"]}.get(s.email, [])
    out += {"country": [f"different country ({a.party.country} / {b.party.country})"],
            "postcode": [f"same postcode {b.party.postcode}"],
            "city": [f"different city ({a.party.city} / {b.party.city})"],
            "city-postcode": [f"same city {b.party.city}, different postcode"],
            "same-city": [f"same city {b.party.city}"]}.get(s.place, [])
    return out


def shared_emails(prepared):
    """E-mails found on more than one party of a side (a buyer for several shops)."""
    counts = Counter(e for p in prepared for e in p.emails)
    return frozenset(e for e, n in counts.items() if n > 1)


def _top_two(pairs):
    """Per Cin7 index and per JOOR index, the two best raw scores."""
    by_cin7, by_joor = {}, {}
    for (i, j), s in pairs.items():
        for side, key in ((by_cin7, i), (by_joor, j)):
            first, second = side.get(key, (0, 0))
            side[key] = (s.raw, first) if s.raw >= first else (first, max(second, s.raw))
    return by_cin7, by_joor


def _rival(raw, top):
    """The best score of another candidate, given the two best of that side."""
    return top[1] if top[0] == raw else top[0]


def is_certain(s, rival, thresholds):
    if s.code:
        return True
    return (s.corroborated and s.value >= thresholds.certain and s.name >= thresholds.name_floor
            and s.raw - rival >= thresholds.margin)


def _certain_pairs(pairs, thresholds, same_core):
    """Pairs certain enough to link, judged against the rivals still in `pairs`."""
    top_cin7, top_joor = _top_two(pairs)
    return [(i, j) for (i, j), s in pairs.items()
            if is_certain(s, max(_rival(s.raw, top_cin7[i]), _rival(s.raw, top_joor[j])),
                          thresholds) and (s.code or same_core(i, j))]


class Core:
    """Do two names hold the same words, cities aside (each within a typo of the other)?

    "Oak & Ash Goods" and "Oak and Ash Outdoor" share most of their letters, and a postcode
    can be shared by two shops; a word on one side with no counterpart on the other makes
    them two companies, or at least a question."""

    def __init__(self, cin7, joor):
        self.cin7, self.joor = cin7, joor
        self.cities = blocking.city_words(cin7, joor)

    def words(self, p):
        return [t for t in p.tokens if t not in self.cities]

    @staticmethod
    def found(word, tokens):
        return word in tokens or any(Indel.normalized_similarity(word, t) >= 0.75
                                     for t in tokens)

    def __call__(self, i, j):
        a, b = self.cin7[i], self.joor[j]
        return (all(self.found(w, b.tokens) for w in self.words(a))
                and all(self.found(w, a.tokens) for w in self.words(b)))


def scored_pairs(cin7, joor, thresholds, rejected=frozenset()):
    """{(i, j): Score} of the candidate pairs worth a question at least."""
    shared = shared_emails(cin7) | shared_emails(joor)
    pairs, floor = {}, thresholds.doubtful
    for i, js, by_email in blocking.candidates(cin7, joor):
        a = cin7[i]
        for j in js:
            s = score(a, joor[j], shared, j in by_email, floor)
            if s is not None and (a.party.id, joor[j].party.id) not in rejected:
                pairs[(i, j)] = s
    return pairs


def match(cin7_parties, joor_parties, rejected=frozenset(), thresholds=Thresholds()):
    """Pair customers with connections one to one: certain, doubtful, or unmatched.

    `rejected` holds (cin7 id, joor id) pairs a person said are different: never proposed.
    Certain pairs are taken first, in rounds: once a branch is linked to its twin, it is no
    longer a rival for the other branch.
    """
    cin7 = [prepare(p) for p in cin7_parties]
    joor = [prepare(p) for p in joor_parties]
    pairs = scored_pairs(cin7, joor, thresholds, rejected)
    outcome, used_cin7, used_joor = Outcome(), set(), set()

    def take(i, j, certain):
        s = pairs[(i, j)]
        used_cin7.add(i)
        used_joor.add(j)
        pair = Pair(cin7[i].party, joor[j].party, s.value, reasons(cin7[i], joor[j], s), certain)
        (outcome.linked if certain else outcome.review).append(pair)

    remaining, same_core = pairs, Core(cin7, joor)
    for _ in range(3):
        certain = _certain_pairs(remaining, thresholds, same_core)
        for i, j in certain:  # disjoint: a certain pair beats every rival by the margin
            if i not in used_cin7 and j not in used_joor:  # (unless two share a code)
                take(i, j, True)
        remaining = {(i, j): s for (i, j), s in remaining.items()
                     if i not in used_cin7 and j not in used_joor}
        if not certain:
            break
    spare = defaultdict(list)
    for (i, j), s in sorted(remaining.items(), key=lambda kv: (-kv[1].raw, kv[0])):
        if i in used_cin7 or j in used_joor:
            spare[i].append(Pair(cin7[i].party, joor[j].party, s.value,
                                 reasons(cin7[i], joor[j], s)))
        else:
            take(i, j, False)
    # Other candidates of a doubtful customer, for when a person rejects the first one.
    review_cin7, linked_joor = {p.cin7.id for p in outcome.review}, {p.joor.id for p in outcome.linked}
    for i, found in spare.items():
        found = [p for p in found if p.joor.id not in linked_joor]
        if found and cin7[i].party.id in review_cin7:
            outcome.alternatives[cin7[i].party.id] = found
    outcome.unmatched_cin7 = [p.party for i, p in enumerate(cin7) if i not in used_cin7]
    outcome.unmatched_joor = [p.party for j, p in enumerate(joor) if j not in used_joor]
    return outcome
