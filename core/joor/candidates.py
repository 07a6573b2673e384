"""Which Cin7 customer / JOOR connection pairs are worth scoring (candidate blocking).

Two records are compared only when they share a key:
- exact: an e-mail, the customer code, or the postcode;
- by name: two words of the name, each cut to its first four letters, and again to its last
  four (so one typo, in any word, leaves a key in common; word order never matters). Words
  that are a city somewhere in the data are left out of these keys: "Harbour Outfitters
  Portland" and "Summit Outdoor Portland" have nothing in common.
Name keys are scoped by country (a connection without a country is compared with every
country), and a name key so common that its block would hold more than BLOCK_LIMIT pairs
is dropped: such words ("General Store") say nothing about which company it is.
"""

from collections import Counter, defaultdict
from itertools import combinations

BLOCK_LIMIT = 2500  # pairs a single name key may produce
MAX_WORDS = 6


def _word_keys(words):
    """Keys from the words of a name."""
    if len(words) == 1:
        return [f"n:{words[0][:4]}", f"s:{words[0][-4:]}"]
    words = words[:MAX_WORDS]
    keys = []
    for a, b in combinations(words, 2):
        pair = "|".join(sorted((a[:4], b[:4])))
        keys.append("n:" + pair)
        keys.append("s:" + "|".join(sorted((a[-4:], b[-4:]))))
    return keys


def name_keys(prepared, city_words):
    """The name keys of one record, without its scope."""
    every = list(dict.fromkeys(prepared.tokens))
    words = [w for w in every if w not in city_words] or every
    return _word_keys(words) if words else []


def exact_keys(prepared):
    keys = [f"e:{e}" for e in prepared.emails]
    if prepared.party.code:
        keys.append(f"c:{prepared.party.code.strip().lower()}")
    if prepared.postcode:
        keys.append(f"p:{prepared.postcode}")
    return keys


def _joor_scopes(p):
    # Indexed under its country and under "all"; one without a country under "*" and "all".
    return ((p.country, "all") if p.country else ("*", "all"))


def _cin7_scopes(p):
    # Looks in its country and among connections without one; without a country, everywhere.
    return ((p.country, "*") if p.country else ("all",))


def city_words(cin7, joor):
    """Every word of every city in the data."""
    return {w for p in (*cin7, *joor) for w in p.city.split()}


def candidates(cin7, joor):
    """For each index i into `cin7`: (i, {j sharing a key}, {j sharing an e-mail}), where j
    indexes `joor` (both lists of matching.Prepared)."""
    cities = city_words(cin7, joor)
    index = defaultdict(list)
    for j, p in enumerate(joor):
        for key in exact_keys(p):
            index[key].append(j)
        for key in name_keys(p, cities):
            for scope in _joor_scopes(p):
                index[f"{scope}:{key}"].append(j)
    lookups = []
    for p in cin7:
        names = [f"{scope}:{key}" for key in name_keys(p, cities) for scope in _cin7_scopes(p)]
        lookups.append((exact_keys(p), names))
    wanted = Counter(key for _, names in lookups for key in names)
    too_common = {key for key, n in wanted.items() if n * len(index.get(key, ())) > BLOCK_LIMIT}
    for i, (exact, names) in enumerate(lookups):
        found, by_email = set(), set()
        for key in exact:
            js = index.get(key)
            if js:
                found.update(js)
                if key.startswith("e:"):
                    by_email.update(js)
        for key in names:
            if key not in too_common:
                found.update(index.get(key, ()))
        if found:
            yield i, found, by_email
