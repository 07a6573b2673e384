"""Company names, postcodes and countries as matching compares them.

'The Oak & Ash Co., Ltd.' and 'OAK AND ASH' are the same words once case, accents,
punctuation, legal suffixes (Ltd, LLC, GmbH, Pty, Inc, Co, SARL, …) and "&"/"and" are set
aside; 'GB' and 'United Kingdom' are the same country.
"""

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel

# Words that say what kind of company it is, not which one.
LEGAL_WORDS = frozenset("""
    ltd limited llc llp lp inc incorporated corp corporation co company cie plc pty pte pvt
    gmbh mbh ag kg ohg ug ev sarl sas sa srl spa snc bv nv oy ab as aps asa kk
    the and et und y e
""".split())
LONG_LEGAL = ("limited", "incorporated", "corporation", "company")  # often mistyped
SHORT_LEGAL = ("ltd", "llc", "inc", "pty", "plc", "gmbh", "corp", "sarl")
COUNTRIES = {
    "uk": "gb", "gb": "gb", "united kingdom": "gb", "great britain": "gb", "england": "gb",
    "scotland": "gb", "wales": "gb", "us": "us", "usa": "us", "united states": "us",
    "united states of america": "us", "au": "au", "australia": "au", "nz": "nz",
    "new zealand": "nz", "ca": "ca", "canada": "ca", "ie": "ie", "ireland": "ie", "de": "de",
    "germany": "de", "deutschland": "de", "fr": "fr", "france": "fr",
}

def fold(text):
    """Lower case without accents: 'Café Zoë' -> 'cafe zoe'."""
    text = text or ""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=65536)
def _legal(token):
    if token in LEGAL_WORDS:
        return True
    return len(token) >= 6 and any(Indel.normalized_similarity(token, w) >= 0.85
                                   for w in LONG_LEGAL)


@lru_cache(maxsize=65536)
def _mistyped_suffix(token):
    """'Ldt', 'Incc', 'GmH': a legal suffix with one slip of the keyboard."""
    return any(OSA.distance(token, word, score_cutoff=1) <= 1 for word in SHORT_LEGAL)


def name_tokens(name):
    """The words that identify a company: no case, accents, punctuation or legal words."""
    text = fold(name).replace("&", " and ").replace("+", " and ")
    text = re.sub(r"['’`.]", "", text)  # O'Brien -> obrien, L.L.C. -> llc, Co. -> co
    tokens = [t for t in re.split(r"[^a-z0-9]+", text) if t and not _legal(t)]
    if len(tokens) > 2 and len(tokens[-1]) < 5 and _mistyped_suffix(tokens[-1]):
        tokens.pop()
    return tokens


def normalise_name(name):
    """'The Oak & Ash Co., Ltd.' -> 'ash oak' (sorted, so word order does not matter)."""
    return " ".join(sorted(name_tokens(name)))


def normalise_postcode(text):
    return re.sub(r"[^a-z0-9]", "", fold(text))


@lru_cache(maxsize=4096)
def normalise_country(text):
    key = " ".join(re.split(r"[^a-z]+", fold(text))).strip()
    return COUNTRIES.get(key, key)


@lru_cache(maxsize=65536)
def normalise_city(text):
    return " ".join(name_tokens(text))
