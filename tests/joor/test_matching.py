"""Matching quality on a small labelled set: what is linked, what is asked, what is not."""

import random
from types import SimpleNamespace

from core.connectors.cin7 import to_customer
from core.connectors.joor import to_connection
from core.joor import candidates as blocking
from core.joor import matching
from core.joor.customers import row_of
from core.joor.match import connection_party, customer_party
from core.joor.matching import Party
from sandbox import joor_data, seed


def customer(id, name, email="", city="", postcode="", country="United Kingdom", code=""):
    return Party(id=id, name=name, code=code or id, emails=(email,) if email else (),
                 city=city, postcode=postcode, country=country)


def connection(code, name, email="", city="", postcode="", country="GB"):
    return Party(id=code, name=name, code=code, emails=(email,) if email else (), city=city,
                 postcode=postcode, country=country)


CIN7 = [
    customer("c1", "Harbour Outfitters Ltd", "ana@harbour.co.uk", "Bristol", "BS1 4DJ"),
    customer("c2", "Harbour Outfitters Leeds Ltd", "ben@harbour.co.uk", "Leeds", "LS1 1AA"),
    customer("c3", "Café Zoë & Co.", "zoe@cafezoe.fr", "Lyon", "69001", "France"),
    customer("c4", "The Oak & Ash Company", "", "Manchester", "M1 2AB"),
    customer("c5", "Summit Provisions Pty Ltd", "orders@summit.com.au", "Sydney", "2000",
             "Australia"),
    customer("c6", "Northwind Goods Inc", "li@northwind.com", "Boston", "02110", "United States"),
    customer("c7", "Meridian Mercantile Ltd", "", "Leeds", "LS2 7EE"),
    customer("c8", "Bluebird Apparel Ltd", "", "Leeds", "LS3 1AA"),
]
JOOR = [
    # the Bristol shop: another legal suffix, same e-mail, postcode written differently
    connection("J1", "HARBOUR OUTFITTERS LIMITED", "ana@harbour.co.uk", "Bristol", "bs14dj"),
    # the Leeds shop: the city is not in JOOR's name, only in its address
    connection("J2", "Harbour Outfitters", "", "Leeds", "LS1 1AA"),
    connection("J3", "Cafe Zoe and Co", "zoe@cafezoe.fr", "Lyon", "69001", "FR"),
    connection("J4", "Oak and Ash", "", "Manchester", "M1 2AB"),
    connection("J5", "Provisions Summit", "orders@summit.com.au", "Sydney", "2000", "AU"),
    # a typo and no e-mail or address: a person must say
    connection("J6", "Northwnd Goods Inc", "", "", "", ""),
    # a different retailer in another city with a look-alike name
    connection("J7", "Meridian Mercantile", "", "York", "YO1 7HH"),
]
TRUTH = {"J1": "c1", "J2": "c2", "J3": "c3", "J4": "c4", "J5": "c5", "J6": "c6"}


def test_names_are_normalised_for_case_accents_punctuation_suffixes_and_word_order():
    assert matching.normalise_name("Café Zoë & Co.") == matching.normalise_name("CAFE ZOE AND CO")
    assert matching.normalise_name("The Oak & Ash Co., Ltd.") == "ash oak"
    assert matching.normalise_name("Harbour Outfitters L.L.C.") == "harbour outfitters"
    assert matching.normalise_name("Outfitters, Harbour GmbH") == "harbour outfitters"
    assert matching.normalise_name("Summit Pty. Ltd.") == matching.normalise_name("Summit")
    assert matching.normalise_name("O'Brien Sports Ldt") == "obrien sports"  # a mistyped suffix


def test_certain_pairs_are_linked_and_none_of_them_is_wrong():
    outcome = matching.match(CIN7, JOOR)
    linked = {p.joor.id: p.cin7.id for p in outcome.linked}
    assert linked == {"J1": "c1", "J2": "c2", "J3": "c3", "J4": "c4", "J5": "c5"}
    assert all(TRUTH.get(j) == c for j, c in linked.items())


def test_a_name_alone_is_put_to_a_person_with_its_score_and_reasons():
    outcome = matching.match(CIN7, JOOR)
    (pair,) = [p for p in outcome.review if p.joor.id == "J6"]
    assert pair.cin7.id == "c6" and 65 <= pair.score < 100
    assert any("names" in r and "alike" in r for r in pair.reasons)


def test_a_look_alike_in_another_city_is_never_linked():
    outcome = matching.match(CIN7, JOOR)
    assert "J7" not in {p.joor.id for p in outcome.linked}
    assert "c7" in {p.id for p in outcome.unmatched_cin7} | {p.cin7.id for p in outcome.review}


def test_two_branches_of_one_company_are_asked_about_when_jooor_gives_no_address():
    branches = [customer("b1", "Harbour Outfitters Ltd", "", "Bristol", "BS1 4DJ"),
                customer("b2", "Harbour Outfitters Leeds Ltd", "", "Leeds", "LS1 1AA")]
    # JOOR knows one shop by the bare company name: it could be either branch
    outcome = matching.match(branches, [connection("J1", "Harbour Outfitters", "", "", "", "")])
    assert outcome.linked == []
    assert [p.joor.id for p in outcome.review] == ["J1"]


def test_an_email_shared_by_several_customers_does_not_decide_alone():
    corsairs = [customer(str(i), name, "corsair_1@mail.uk", "London", f"E{i} 1AA")
                for i, name in enumerate(("Arabella", "Admiralty", "Revenge of New York"))]
    outcome = matching.match(corsairs, [connection("J1", "Admiralty Trading", "corsair_1@mail.uk")])
    assert outcome.linked == []


def test_the_same_customer_code_is_certain_whatever_the_name():
    outcome = matching.match([customer("c1", "Harbour Outfitters Ltd", code="HO-041")],
                             [connection("HO-041", "HO Bristol shop")])
    assert [(p.cin7.id, p.joor.id, p.reasons) for p in outcome.linked] == [
        ("c1", "HO-041", ["same customer code HO-041"])]


def test_a_rejected_pair_is_never_proposed_again():
    outcome = matching.match(CIN7, JOOR, rejected={("c6", "J6")})
    assert "J6" not in {p.joor.id for p in outcome.linked + outcome.review}


def test_each_customer_and_connection_is_used_once():
    outcome = matching.match(CIN7, JOOR)
    pairs = outcome.linked + outcome.review
    assert len({p.cin7.id for p in pairs}) == len(pairs) == len({p.joor.id for p in pairs})


def test_blocking_compares_a_small_share_of_all_pairs_and_keeps_the_true_ones():
    cin7_json = seed.generate_customers(800, 3)
    joor_json = joor_data.generate(cin7_json, 3)
    cin7 = [matching.prepare(customer_party(SimpleNamespace(**row_of(to_customer(c)))))
            for c in cin7_json]
    joor = [matching.prepare(connection_party(to_connection(c))) for c in joor_json]
    found = {(i, j) for i, js, _ in blocking.candidates(cin7, joor) for j in js}
    assert len(found) < len(cin7) * len(joor) / 20
    index = {p.party.id: i for i, p in enumerate(cin7)}
    truth = [(index[c["_source"]], j) for j, c in enumerate(joor_json) if c["_source"]]
    assert sum(pair in found for pair in truth) / len(truth) > 0.99


def test_noisy_seed_data_is_matched_without_a_wrong_automatic_link():
    cin7_json = seed.generate_customers(600, 11)
    joor_json = joor_data.generate(cin7_json, 11, share=0.7)
    random.Random(1).shuffle(joor_json)
    truth = {c["customer_code"]: c["_source"] for c in joor_json}
    outcome = matching.match(
        [customer_party(SimpleNamespace(**row_of(to_customer(c)))) for c in cin7_json],
        [connection_party(to_connection(c)) for c in joor_json])
    wrong = [p for p in outcome.linked if truth[p.joor.id] != p.cin7.id]
    assert wrong == []
    assert len(outcome.linked) >= 0.85 * sum(1 for v in truth.values() if v)
