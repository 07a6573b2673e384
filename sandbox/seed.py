"""Deterministic wholesale customers in Cin7 Core's shape, or customers loaded from a file.

generate_customers(n, seed) always starts with the guide's example: "Arabella", "Admiralty"
and "Revenge of New York", whose contacts Peter Blood, Henry Morgan and Richard Worley share
the e-mail corsair_1@mail.uk, in that LastModifiedOn order.
"""

import datetime
import json
import random
import uuid

from sandbox import cin7_customers, cin7_refs, clock

START = datetime.datetime(2023, 6, 1, 8, 0, tzinfo=clock.UTC)
SPAN_DAYS = 730  # customers' LastModifiedOn spread over two years from START
SALES_REPS = ["Olivia Bennett", "Marcus Reid", "Priya Shah", "Tom Hale", "Sofia Marquez"]
CORSAIRS = [("Arabella", "Peter Blood", "United Kingdom"),
            ("Admiralty", "Henry Morgan", "United Kingdom"),
            ("Revenge of New York", "Richard Worley", "United States")]
CORSAIR_EMAIL = "corsair_1@mail.uk"
# Small seeds (ten customers or more) still show every case a sync must handle: a customer
# without contacts, a Deprecated one, and a contact whose e-mail another customer also uses.
NO_CONTACTS_AT, DEPRECATED_AT, SHARED_EMAIL_AT = 4, 6, 8

# country: currency, weight, web suffix, tax rules, company suffixes, phone prefix, cities
COUNTRIES = {
    "United States": ("USD", 50, ".com", ["Sales Tax", "Tax Exempt"], ["Inc", "LLC", "Co."], "+1",
                      [("Portland", "OR"), ("Austin", "TX"), ("Denver", "CO"), ("Boston", "MA"),
                       ("Seattle", "WA"), ("Chicago", "IL"), ("Savannah", "GA")]),
    "United Kingdom": ("GBP", 15, ".co.uk", ["VAT 20%"], ["Ltd"], "+44",
                       [("Bristol", ""), ("Leeds", ""), ("Manchester", ""), ("Edinburgh", "")]),
    "Australia": ("AUD", 12, ".com.au", ["GST on Income", "GST Free Exports"], ["Pty Ltd"], "+61",
                  [("Melbourne", "VIC"), ("Sydney", "NSW"), ("Brisbane", "QLD")]),
    "New Zealand": ("NZD", 8, ".co.nz", ["GST 15%"], ["Ltd"], "+64",
                    [("Auckland", ""), ("Wellington", ""), ("Christchurch", "")]),
    "Canada": ("CAD", 8, ".ca", ["HST 13%"], ["Inc", "Ltd"], "+1",
               [("Toronto", "ON"), ("Vancouver", "BC"), ("Halifax", "NS")]),
    "Ireland": ("EUR", 4, ".ie", ["VAT Exempt"], ["Ltd"], "+353", [("Dublin", ""), ("Cork", "")]),
    "Germany": ("EUR", 3, ".de", ["VAT Exempt"], ["GmbH"], "+49",
                [("Hamburg", ""), ("Berlin", "")]),
}
PREFIXES = ["Harbour", "Summit", "Northwind", "Copper Kettle", "Bluebird", "Riverside", "Oak & Ash",
            "Meridian", "Saltwater", "Highland", "Foxglove", "Ironbark", "Lakeside", "Juniper",
            "Wildflower", "Granite Peak", "Evergreen", "Seaside", "Golden Gate", "Maple Leaf",
            "Red Rock", "Silver Birch", "Cobblestone", "Driftwood", "Pinecone", "Sunrise",
            "Marigold", "Thistle", "Kingfisher", "Brightwater"]
NOUNS = ["Outfitters", "Trading", "Supply", "Goods", "Provisions", "Mercantile", "Home & Living",
         "Apparel", "Boutique", "Outdoor", "General Store", "Collective", "Emporium", "Gifts",
         "Footwear", "Sports", "Design Store", "Market"]
FIRST = ["James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloe",
         "Oliver", "Grace", "Jack", "Ruby", "Henry", "Isla", "Leo", "Zoe", "Samuel", "Hannah",
         "Daniel", "Amelia", "Aroha", "Tane", "Priya", "Mateo", "Sofia", "Wei", "Aisha", "Finn"]
LAST = ["Smith", "Taylor", "Brown", "Wilson", "Nguyen", "Walker", "Harris", "Clarke", "Patel",
        "Murphy", "O'Brien", "Campbell", "Kelly", "Robinson", "Wright", "Thompson", "Evans",
        "Ngata", "Schmidt", "Rossi", "Chen", "Garcia", "MacDonald", "Fraser", "Hughes"]
TITLES = ["Buyer", "Purchasing Manager", "Owner", "Store Manager", "Accounts Payable",
          "Operations Director", "Merchandiser", None]
STREETS = ["Harbour Street", "Mill Road", "King Street", "Station Road", "Queen Street",
           "Market Lane", "Church Street", "Wharf Road", "High Street", "Elm Avenue"]
TAGS = ["wholesale", "key-account", "boutique", "online", "department-store", "trade-show"]


def _weighted(rng, options):
    """Pick from [(value, weight)]."""
    return rng.choices([o[0] for o in options], [o[1] for o in options])[0]


def _postcode(rng, country, city):
    if country == "United Kingdom":
        inward = f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
        return f"{city[:2].upper()}{rng.randint(1, 20)} {inward}"
    if country == "Canada":
        return (f"{rng.choice('MVB')}{rng.randint(1, 9)}{rng.choice('ABCEG')} "
                f"{rng.randint(1, 9)}{rng.choice('HJKLM')}{rng.randint(1, 9)}")
    if country == "Ireland":
        return f"D{rng.randint(1, 24):02d} {rng.choice('ACDEFHKN')}{rng.randint(100, 999)}"
    digits = 5 if country in ("United States", "Germany") else 4
    return str(rng.randint(10 ** (digits - 1), 10 ** digits - 1))


def _phone(rng, prefix):
    return f"{prefix} {rng.randint(200, 989)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _address(rng, country, city, state, kind, default):
    line1 = f"{rng.randint(1, 480)} {rng.choice(STREETS)}"
    line2 = rng.choice([None, None, f"Unit {rng.randint(1, 40)}", "Loading dock B"])
    return {"ID": None, "Line1": line1, "Line2": line2, "City": city, "State": state,
            "Postcode": _postcode(rng, country, city), "Country": country, "Type": kind,
            "DefaultForType": default}


def _contact(rng, domain, phone_prefix, first_contact, taken=()):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", first, "orders", "accounts"])
    email = f"{local}@{domain}".lower().replace("'", "")
    if email in taken:  # two people of one shop never share an address
        email = f"{first}.{last}.{rng.randint(2, 99)}@{domain}".lower().replace("'", "")
    email = None if rng.random() < 0.05 else email
    return {"ID": None, "Name": f"{first} {last}", "JobTitle": rng.choice(TITLES),
            "Phone": _phone(rng, phone_prefix),
            "MobilePhone": _phone(rng, phone_prefix) if rng.random() < 0.5 else None,
            "Fax": None, "Email": email,
            "Website": f"https://www.{domain}" if rng.random() < 0.3 else None,
            "Default": first_contact, "Comment": None,
            "IncludeInEmail": first_contact or rng.random() < 0.3, "MarketingConsent": 1}


def _unique_name(rng, taken, city, suffixes):
    base = f"{rng.choice(PREFIXES)} {rng.choice(NOUNS)}"
    suffix = rng.choice(suffixes)
    for name in (f"{base} {suffix}", f"{base} {city} {suffix}"):
        if name.lower() not in taken:
            return name
    n = 2
    while f"{base} {city} {n} {suffix}".lower() in taken:
        n += 1
    return f"{base} {city} {n} {suffix}"


def _customer(rng, name, country):
    currency, _, _, taxes, _, _, cities = COUNTRIES[country]
    city, state = rng.choice(cities)
    return {
        "ID": None, "Name": name, "Status": "Deprecated" if rng.random() < 0.05 else "Active",
        "Currency": currency, "PaymentTerm": _weighted(rng, [("30 days", 50), ("14 days", 15),
                                                             ("7 days", 5), ("COD", 5),
                                                             ("20th of next month", 15),
                                                             ("Last day of next month", 10)]),
        "Discount": rng.choice([0.0] * 6 + [5.0, 10.0, 15.0]), "TaxRule": rng.choice(taxes),
        "Carrier": rng.choice(cin7_refs.CARRIERS), "Location": rng.choice(cin7_refs.LOCATIONS),
        "SalesRepresentative": rng.choice(SALES_REPS + [None]),
        "Comments": rng.choice([""] * 8 + ["Prefers delivery before 10am", "Call before shipping"]),
        "AccountReceivable": "610", "RevenueAccount": "200",
        "PriceTier": _weighted(rng, [("Wholesale", 60), ("Distributor", 15), ("Retail", 10),
                                     ("Tier 4", 10), ("Tier 5", 5)]),
        "TaxNumber": "" if rng.random() < 0.6 else str(rng.randint(10 ** 8, 10 ** 9 - 1)),
        "AdditionalAttribute1": rng.choice(["", "", "Key account", "Seasonal"]),
        "Tags": ",".join(rng.sample(TAGS, rng.choice([0, 1, 1, 2]))),
        "CreditLimit": rng.choice([0.0, 2500.0, 5000.0, 10000.0, 25000.0]),
        "IsOnCreditHold": rng.random() < 0.03,
        "Addresses": [_address(rng, country, city, state, "Business", True)]
        + ([_address(rng, country, city, state, "Shipping", True)] if rng.random() < 0.4 else []),
        "Contacts": [],
    }


def _shop(rng, i, taken, domains, emails):
    """One generated wholesale customer (the i-th), with 0-3 contacts at its own domain."""
    country = _weighted(rng, [(c, v[1]) for c, v in COUNTRIES.items()])
    _, _, web, _, suffixes, prefix, cities = COUNTRIES[country]
    name = _unique_name(rng, taken, rng.choice(cities)[0], suffixes)
    customer = _customer(rng, name, country)
    # One web domain per shop (its name without the legal suffix), so addresses only repeat
    # across customers where the seed means them to.
    domain = "".join(ch for ch in name.lower().rsplit(" ", 1)[0] if ch.isalnum()) + web
    if domain in domains:
        domain = "".join(ch for ch in name.lower() if ch.isalnum()) + web
    domains.add(domain)
    count = _weighted(rng, [(0, 10), (1, 20), (2, 35), (3, 35)])
    count = 0 if i == NO_CONTACTS_AT else max(count, int(i == SHARED_EMAIL_AT))
    contacts = []
    for k in range(count):
        contacts.append(_contact(rng, domain, prefix, k == 0, {c["Email"] for c in contacts}))
    for k, contact in enumerate(contacts):
        if emails and (rng.random() < 0.02 or (i, k) == (SHARED_EMAIL_AT, 0)):
            contact["Email"] = rng.choice(emails)  # the same person buys for two shops
    if i == DEPRECATED_AT:
        customer["Status"] = "Deprecated"
    emails += [c["Email"] for c in contacts if c["Email"]]
    customer["Contacts"] = contacts
    return customer


def generate_customers(n, seed=42):
    """`n` customers in Cin7's JSON shape (about two contacts each), the same for one seed."""
    rng = random.Random(seed)

    def make_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    customers, taken, emails, domains = [], set(), [], set()
    step = datetime.timedelta(days=SPAN_DAYS) / max(n, 1)
    moment = START
    for i in range(n):
        if i < len(CORSAIRS):
            name, person, country = CORSAIRS[i]
            customer = _customer(rng, name, country)
            customer["Status"] = "Active"
            contact = _contact(rng, "mail.uk", COUNTRIES[country][5], True)
            customer["Contacts"] = [{**contact, "Name": person, "Email": CORSAIR_EMAIL}]
        else:
            customer = _shop(rng, i, taken, domains, emails)
        taken.add(customer["Name"].lower())
        if i == 0 or rng.random() > 0.03:  # ~3% share a timestamp with the previous one
            jitter = datetime.timedelta(milliseconds=rng.randint(1, 999))
            moment += step * rng.uniform(0.5, 1.5) + jitter
        customer["LastModifiedOn"] = clock.iso(moment)
        customers.append(cin7_customers.complete(customer, make_id))
    return customers


def load_customers(path, seed=42):
    """Customers from a JSON file shaped like GET /customer: {"CustomerList": [...]}."""
    with open(path, encoding="utf-8") as handle:
        body = json.load(handle)
    items = body.get("CustomerList", []) if isinstance(body, dict) else body
    rng = random.Random(seed)

    def make_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    return [cin7_customers.complete(item, make_id) for item in items]
