"""Deterministic wholesale customers and products in Cin7 Core's shape, or customers loaded
from a file.

generate_customers(n, seed) always starts with the guide's example: "Arabella", "Admiralty"
and "Revenge of New York", whose contacts Peter Blood, Henry Morgan and Richard Worley share
the e-mail corsair_1@mail.uk, in that LastModifiedOn order; some customers have several
delivery (Shipping) addresses. generate_products(n, seed, ...)
and generate_stock(products, seed, ...) make the catalogue and its stock per location;
generate_sales(store, n, seed) adds sales at every stage, made through the sandbox's own rules.
"""

import datetime
import json
import random
import uuid
import zlib

from sandbox import (
    cin7_customers,
    cin7_products,
    cin7_refs,
    cin7_sale_tasks,
    cin7_sales,
    cin7_suppliers,
    clock,
)

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
MANY_DELIVERY_AT = 3  # the first generated shop: two more delivery addresses than it had

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
    extra = random.Random(f"delivery-{seed}")  # its own stream: the rest of the seed is unchanged
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
        _more_delivery_addresses(extra, customer, i)
        customers.append(cin7_customers.complete(customer, make_id))
    return customers


def _more_delivery_addresses(rng, customer, i):
    """Customers with several delivery (Shipping) addresses: the first shop always, then
    about a third of those that have one (CUS-10)."""
    shipping = [a for a in customer["Addresses"] if a["Type"] == "Shipping"]
    if i != MANY_DELIVERY_AT and not (shipping and rng.random() < 0.35):
        return
    base = (shipping or customer["Addresses"])[0]
    country = base["Country"]
    for k in range(2 if i == MANY_DELIVERY_AT else rng.randint(1, 2)):
        city, state = rng.choice(COUNTRIES[country][6])
        address = _address(rng, country, city, state, "Shipping", not shipping and k == 0)
        address["ID"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        customer["Addresses"].append(address)


MAKERS = ["Loomcraft Mills", "Pacific Dye Works", "Northern Cotton Co", "Atlas Packaging",
          "Fjord Wool Traders", "Crescent Buttons", "Sunline Freight", "Kettle Ceramics"]
SAME_NAME_AT = (5, 9)  # suppliers named as the customers at these positions (CUS-11)


def generate_suppliers(customers, seed=42):
    """Eight suppliers in Cin7's shape: two share a name with a customer, one has no
    contacts and one is Deprecated; LastModifiedOn spread like the customers'."""
    rng = random.Random(f"suppliers-{seed}")

    def make_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    names = list(MAKERS)
    for k, at in enumerate(SAME_NAME_AT):
        if at < len(customers):
            names[k + 1] = customers[at]["Name"]
    suppliers, moment = [], START
    for i, name in enumerate(names):
        country = rng.choice(["United States", "United Kingdom", "Australia", "New Zealand"])
        currency, _, web, taxes, _, prefix, cities = COUNTRIES[country]
        city, state = rng.choice(cities)
        domain = "".join(ch for ch in name.lower() if ch.isalnum()) + "-supply" + web
        contacts = [] if i == 3 else [_contact(rng, domain, prefix, k == 0)
                                      for k in range(rng.randint(1, 2))]
        moment += datetime.timedelta(days=rng.randint(20, 90), milliseconds=rng.randint(1, 999))
        suppliers.append(cin7_suppliers.complete({
            "Name": name, "Currency": currency, "TaxRule": taxes[0],
            "Status": "Deprecated" if i == 6 else "Active", "LastModifiedOn": clock.iso(moment),
            "Addresses": [_address(rng, country, city, state, "Business", True)],
            "Contacts": contacts}, make_id))
    return suppliers


def load_customers(path, seed=42):
    """Customers from a JSON file shaped like GET /customer: {"CustomerList": [...]}."""
    with open(path, encoding="utf-8") as handle:
        body = json.load(handle)
    items = body.get("CustomerList", []) if isinstance(body, dict) else body
    rng = random.Random(seed)

    def make_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    return [cin7_customers.complete(item, make_id) for item in items]


# Products --------------------------------------------------------------------------------------
# Small seeds (eight products or more) still show every case a product sync must handle: a
# Service item (no stock), a Deprecated item and one not for sale (Sellable false).
SERVICE_AT, PRODUCT_DEPRECATED_AT, NOT_SELLABLE_AT = 3, 5, 7
TOPS = [(s, s, 1.0) for s in ("XS", "S", "M", "L", "XL")]
WAISTS = [(s, s, 1.0) for s in ("30", "32", "34", "36", "38")]
SHOES = [(s, s, 1.0) for s in ("7", "8", "9", "10", "11", "12")]
ONE_SIZE = [(None, None, 1.0)]  # size label, SKU code, price factor
BEDS = [("Single", "SB", 1.0), ("Queen", "QB", 1.3), ("King", "KB", 1.5)]
COLOURS = [("Navy", "NAV"), ("White", "WHT"), ("Black", "BLK"), ("Sage", "SAG"),
           ("Oatmeal", "OAT"), ("Charcoal", "CHA"), ("Rust", "RST"), ("Sky Blue", "SKY"),
           ("Olive", "OLV"), ("Sand", "SND"), ("Forest", "FOR"), ("Clay", "CLY")]
SCENTS = [("Sea Salt", "SEA"), ("Fig & Cedar", "FIG"), ("Lavender", "LAV"), ("Amber", "AMB"),
          ("Citrus Grove", "CIT"), ("Vetiver", "VET")]
STYLES = [  # code, name, category, brand, UOM, sizes, colours, retail, kg, material, origin
    ("LSH", "Linen Shirt", "Apparel", "Linen & Loom", "Item", TOPS, COLOURS, 89, 0.28,
     "Linen", "Portugal"),
    ("OXS", "Oxford Shirt", "Apparel", "Harbourside", "Item", TOPS, COLOURS, 79, 0.3,
     "Cotton", "India"),
    ("CTE", "Crew Tee", "Apparel", "Harbourside", "Item", TOPS, COLOURS, 35, 0.18,
     "Organic cotton", "India"),
    ("MKN", "Merino Knit", "Apparel", "Tidewater", "Item", TOPS, COLOURS, 129, 0.35,
     "Merino wool", "New Zealand"),
    ("HOD", "Fleece Hoodie", "Apparel", "Northbound", "Item", TOPS, COLOURS, 110, 0.6,
     "Cotton fleece", "Vietnam"),
    ("CHN", "Chino Pant", "Apparel", "Harbourside", "Item", WAISTS, COLOURS, 99, 0.55,
     "Cotton twill", "Vietnam"),
    ("DRS", "Wrap Dress", "Apparel", "Linen & Loom", "Item", TOPS[:4], COLOURS, 149, 0.4,
     "Linen", "Portugal"),
    ("PKA", "Rain Parka", "Outdoor", "Northbound", "Item", TOPS, COLOURS, 229, 0.9,
     "Recycled nylon", "Vietnam"),
    ("PFV", "Puffer Vest", "Outdoor", "Northbound", "Item", TOPS, COLOURS, 179, 0.45,
     "Recycled polyester", "China"),
    ("HKS", "Hiking Sock", "Accessories", "Northbound", "Pair", TOPS[1:4], COLOURS, 22, 0.08,
     "Merino wool", "New Zealand"),
    ("CVS", "Canvas Sneaker", "Footwear", "Tidewater", "Pair", SHOES, COLOURS, 95, 0.9,
     "Canvas", "Vietnam"),
    ("CHB", "Chelsea Boot", "Footwear", "Tidewater", "Pair", SHOES, COLOURS[:6], 249, 1.4,
     "Leather", "Portugal"),
    ("BNE", "Wool Beanie", "Accessories", "Tidewater", "Item", ONE_SIZE, COLOURS, 32, 0.1,
     "Merino wool", "New Zealand"),
    ("TTB", "Canvas Tote Bag", "Accessories", "Harbourside", "Item", ONE_SIZE, COLOURS, 39,
     0.3, "Canvas", "India"),
    ("LBT", "Leather Belt", "Accessories", "Tidewater", "Item", TOPS[1:4], COLOURS[:6], 69,
     0.25, "Leather", "Portugal"),
    ("LTT", "Linen Tea Towel", "Homewares", "Saltmarsh Home", "Item", ONE_SIZE, COLOURS, 18,
     0.1, "Linen", "Portugal"),
    ("LNP", "Linen Napkins Set of 4", "Homewares", "Saltmarsh Home", "Set", ONE_SIZE, COLOURS,
     45, 0.3, "Linen", "Portugal"),
    ("CSH", "Cushion Cover", "Homewares", "Saltmarsh Home", "Item",
     [("45x45cm", "45", 1.0), ("50x50cm", "50", 1.15)], COLOURS, 49, 0.25, "Linen", "India"),
    ("TRW", "Waffle Throw", "Homewares", "Saltmarsh Home", "Item", ONE_SIZE, COLOURS, 119, 1.2,
     "Cotton", "Turkey"),
    ("QLC", "Linen Quilt Cover", "Homewares", "Linen & Loom", "Item", BEDS, COLOURS, 249, 1.5,
     "Linen", "Portugal"),
    ("TWL", "Cotton Towel", "Homewares", "Saltmarsh Home", "Item",
     [("Hand", "HND", 0.5), ("Bath", "BTH", 1.0)], COLOURS, 49, 0.6, "Cotton", "Turkey"),
    ("SCD", "Soy Candle", "Homewares", "Kettle & Wick", "Item",
     [("200g", "200", 1.0), ("400g", "400", 1.6)], SCENTS, 34, 0.45, "Soy wax", "Australia"),
    ("STM", "Stoneware Mug", "Homewares", "Kettle & Wick", "Item", ONE_SIZE, COLOURS, 24, 0.35,
     "Stoneware", "China"),
    ("PCS", "Picnic Blanket", "Outdoor", "Northbound", "Item", ONE_SIZE, COLOURS, 89, 1.1,
     "Recycled wool", "New Zealand"),
]
# Further ranges of a style once its colours run out, so large seeds keep unique SKUs.
LINES = [("", ""), ("Organic ", "O"), ("Heritage ", "H"), ("Relaxed ", "R"), ("Summer ", "S"),
         ("Essential ", "E"), ("Classic ", "C"), ("Studio ", "D")]
SERVICES = [  # name, SKU, category, price (the same for every tier in use)
    ("Gift Card - $50", "GC-50", "Gift Cards", 50),
    ("Gift Card - $100", "GC-100", "Gift Cards", 100),
    ("Logo Embroidery - per Garment", "SVC-EMB", "Apparel", 8.5),
    ("Gift Wrapping", "SVC-WRAP", "Accessories", 6),
    ("Custom Hemming", "SVC-HEM", "Apparel", 12),
    ("Boot Resoling", "SVC-RESOLE", "Footwear", 65),
    ("Monogramming - per Item", "SVC-MONO", "Accessories", 15),
    ("Tent Repair", "SVC-TENT", "Outdoor", 45),
    ("Bedroom Styling Consultation", "SVC-STYLE", "Homewares", 120),
    ("Gift Card - $25", "GC-25", "Gift Cards", 25),
]
ORIGIN_CODES = {"Portugal": "PRT", "India": "IND", "Vietnam": "VNM", "China": "CHN",
                "New Zealand": "NZL", "Turkey": "TUR", "Australia": "AUS"}
SEASONS = ["SS24", "AW24", "SS25", "AW25", "Core"]
PRODUCT_TAGS = ["core-range", "bestseller", "new-arrival", "eco", "clearance", "gift-idea"]
# Price per tier as a share of retail: by the tier's name when it says what it is (this
# tenant renamed tiers 1-3), else by position (Tier 1 retail, Tier 2 wholesale, ...).
NAMED_TIERS = {"retail": 1.0, "rrp": 1.0, "wholesale": 0.5, "distributor": 0.42}
TIER_POSITIONS = {1: 1.0, 2: 0.5, 3: 0.45, 4: 0.48, 5: 0.46}  # Tiers 6-10 unused: price 0


def _names(items):
    """Names from a reference book ([{"Name": ...}]) or a plain list of names."""
    return [i["Name"] if isinstance(i, dict) else str(i) for i in items]


def _tier_shares(names):
    return [next((share for word, share in NAMED_TIERS.items() if word in name.lower()),
                 TIER_POSITIONS.get(position, 0.0)) for position, name in enumerate(names, 1)]


def _retail(amount):
    """A shelf price: whole dollars from $50, else ending in .95."""
    whole = max(5, round(amount))
    return float(whole) if whole >= 50 else whole - 0.05


def _ean13(number):
    digits = f"930060{number:06d}"  # a GS1 company prefix, then the item number
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return digits + str(check)


class _Catalogue:
    """Variants (style x colour x size) in groups, as a buyer adds a style's colourways."""

    def __init__(self, rng, locations):
        self.rng, self.locations, self.pending = rng, locations, []
        self.ranges = {}  # style code -> (range in use, its colours not used yet)

    def next(self):
        """(style, name prefix, SKU stem, colour, size, group) of the next variant; a group
        shares its season and default location."""
        if not self.pending:
            self._add_group()
        return self.pending.pop(0)

    def _add_group(self):
        style = self.rng.choice(STYLES)
        line, free = self.ranges.get(style[0], (-1, []))
        if not free:  # the style's next range, with every colour again
            line, free = line + 1, self.rng.sample(style[6], len(style[6]))
        count = min(len(free), self.rng.choice([1, 2, 2, 3]))
        colours, free = free[:count], free[count:]
        self.ranges[style[0]] = (line, free)
        prefix, suffix = LINES[line] if line < len(LINES) else (f"Series {line} ", str(line))
        weights = [3] + [1] * (len(self.locations) - 1)  # most stock sits in the first
        group = {"season": self.rng.choice(SEASONS),
                 "location": self.rng.choices(self.locations, weights)[0]}
        self.pending += [(style, prefix, style[0] + suffix, colour, size, group)
                         for colour in colours for size in style[5]]


def _pick(wanted, names):
    """`wanted` when the reference book has it (any case), else always the same other name."""
    by_lower = {n.lower(): n for n in names}
    return by_lower.get(str(wanted).lower()) or names[zlib.crc32(str(wanted).encode())
                                                       % len(names)]


def _variant(rng, catalogue, brands, categories, shares):
    style, prefix, stem, (colour, colour_code), (size, size_code, factor), group = \
        catalogue.next()
    code, name, category, brand, uom, _, _, retail, kg, material, origin = style
    retail = _retail(retail * factor * (1.1 if prefix else 1.0))
    title = f"{prefix}{name} - {colour}" + (f" - {size}" if size else "")
    season = group["season"]
    return {
        "SKU": f"{stem}-{colour_code}" + (f"-{size_code}" if size_code else ""), "Name": title,
        "Category": _pick(category, categories), "Brand": _pick(brand, brands),
        "Type": "Stock", "DefaultLocation": group["location"], "UOM": uom, "Weight": round(kg * factor, 3), "WeightUnits": "kg",
        "DimensionsUnits": "cm",
        "DropShipMode": "Optional Drop Ship" if category == "Homewares" and rng.random() < 0.1
        else "No Drop Ship",
        **{f"PriceTier{i}": round(retail * share, 2) for i, share in enumerate(shares, 1)},
        "AverageCost": round(retail * rng.uniform(0.2, 0.3), 4),
        "ShortDescription": f"{prefix}{name}, {colour.lower()}, {material.lower()}.",
        "Description": f"{material}. From our {season} range. "
                       + rng.choice(["Pre-washed for softness.", "Made to last.",
                                     "Cut for an easy fit.", "Designed in-house."]),
        "Tags": ",".join([season] + rng.sample(PRODUCT_TAGS, rng.choice([0, 1, 1, 2]))),
        "AdditionalAttribute1": season, "AdditionalAttribute2": material,
        "RevenueAccount": "200", "InventoryAccount": "630",
        "CountryOfOrigin": origin, "CountryOfOriginCode": ORIGIN_CODES[origin],
    }


def _service(count, categories, shares):
    name, sku, category, price = SERVICES[count % len(SERVICES)]
    if count >= len(SERVICES):  # large seeds: the same services again, numbered
        name, sku = f"{name} {count // len(SERVICES) + 1}", f"{sku}-{count // len(SERVICES) + 1}"
    return {
        "SKU": sku, "Name": name, "Category": _pick(category, categories), "Brand": None,
        "Type": "Service", "UOM": "Item", "Barcode": "",
        **{f"PriceTier{i}": float(price) if share else 0.0
           for i, share in enumerate(shares, 1)},
        "ShortDescription": name, "Description": "", "Tags": "service",
        "RevenueAccount": "260",
    }


def generate_products(n, seed=42, tiers=None, categories=None, brands=None, locations=None):
    """`n` products in Cin7's JSON shape (as GET /product returns them), the same for one seed.

    Wholesale apparel and homewares ("Linen Shirt - Navy - M", SKU "LSH-NAV-M") in colour and
    size runs, about 10% Service items, 5% Deprecated and 5% not for sale; positions 3, 5 and 7
    are always a Service, a Deprecated item and an item with Sellable false. Tiers, categories,
    brands and locations are names or reference-book entries (default: the sandbox's books);
    LastModifiedOn rises over two years, a few products sharing one. Stock: generate_stock.
    """
    rng = random.Random(f"products-{seed}")  # not the customers' stream: distinct IDs

    def make_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    tiers = cin7_products.tier_names(tiers or cin7_refs.price_tiers())[:cin7_products.TIERS]
    categories = _names(categories or cin7_refs.CATEGORIES)
    brands = _names(brands or cin7_refs.BRANDS)
    locations = _names(locations or cin7_refs.LOCATIONS)
    shares = _tier_shares(tiers)
    catalogue, services, products = _Catalogue(rng, locations), 0, []
    step = datetime.timedelta(days=SPAN_DAYS) / max(n, 1)
    moment = START
    for i in range(n):
        special = i in (SERVICE_AT, PRODUCT_DEPRECATED_AT, NOT_SELLABLE_AT)
        if i == SERVICE_AT or (not special and rng.random() < 0.1):
            product = _service(services, categories, shares)
            services += 1
        else:
            product = _variant(rng, catalogue, brands, categories, shares)
            product["Barcode"] = _ean13(i + 1)
        deprecated = i == PRODUCT_DEPRECATED_AT or (not special and rng.random() < 0.05)
        product["Status"] = "Deprecated" if deprecated else "Active"
        product["Sellable"] = not (i == NOT_SELLABLE_AT or (not special and rng.random() < 0.05))
        if i == 0 or rng.random() > 0.03:  # ~3% share a timestamp with the previous one
            jitter = datetime.timedelta(milliseconds=rng.randint(1, 999))
            moment += step * rng.uniform(0.5, 1.5) + jitter
        product["LastModifiedOn"] = clock.iso(moment)
        products.append(cin7_products.complete(product, tiers, make_id))
    return products


ATTACHMENT_URL = "https://inventory.dearsystems.com/Attachment/Download"


def attachment(rng, file_name, content_type="image/jpeg"):
    """One product attachment as GET /product?IncludeAttachments=true lists it (no IsDefault:
    the portal says only the attachments endpoint shows it)."""
    attachment_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return {"ID": attachment_id, "ContentType": content_type, "FileName": file_name,
            "DownloadUrl": f"{ATTACHMENT_URL}?ID={attachment_id}&ContentType={content_type}"
                           f"&FileName={file_name}&isPublic=True"}


def generate_attachments(products, seed=42):
    """Attachments of about half the Stock products: one to three photos, now and then a
    PDF spec sheet (not an image): {product ID: [attachment]}. The first product always
    has two photos and a spec sheet (PRD-5)."""
    rng = random.Random(f"attachments-{seed}")
    found = {}
    for i, product in enumerate(products):
        if product["Type"] != "Stock" or (i and rng.random() < 0.5):
            continue
        sku = product["SKU"].lower()
        photos = 2 if i == 0 else rng.randint(1, 3)
        items = [attachment(rng, f"{sku}-{k + 1}.jpg") for k in range(photos)]
        if i == 0 or rng.random() < 0.2:
            items.insert(0, attachment(rng, f"{sku}-spec.pdf", "application/pdf"))
        found[product["ID"]] = items
    return found


def generate_stock(products, seed=42, locations=None):
    """Stock of the Stock products at 2-3 locations each (the default one first):
    {product ID: {location: {"OnHand", "Allocated", "OnOrder", "InTransit",
    "NextDeliveryDate"}}}. Service products hold none."""
    rng = random.Random(f"stock-{seed}")
    names = _names(locations or cin7_refs.LOCATIONS)
    horizon = START + datetime.timedelta(days=SPAN_DAYS)
    stock = {}
    for product in products:
        if product["Type"] != "Stock":
            continue
        home = product["DefaultLocation"] if product["DefaultLocation"] in names \
            else rng.choice(names)
        others = [n for n in names if n != home]
        places = [home] + rng.sample(others, min(len(others), rng.choice([1, 1, 2])))
        rows = stock[product["ID"]] = {}
        for k, place in enumerate(places):
            on_hand = 0 if rng.random() < 0.08 else rng.randint(6, 360 if k == 0 else 120)
            if product["Status"] == "Deprecated":
                on_hand = rng.choice([0, 0, rng.randint(1, 12)])
            allocated = rng.randint(0, on_hand // 4) if rng.random() < 0.5 else 0
            on_order = rng.randint(2, 20) * 6 if rng.random() < 0.25 else 0
            due = horizon + datetime.timedelta(days=rng.randint(7, 60))
            rows[place] = {
                "OnHand": float(on_hand), "Allocated": float(allocated),
                "OnOrder": float(on_order),
                "InTransit": float(rng.randint(1, 4) * 6) if rng.random() < 0.05 else 0.0,
                "NextDeliveryDate": due.strftime("%Y-%m-%dT00:00:00") if on_order else None,
            }
    return stock


# Sales -----------------------------------------------------------------------------------------
# Target stage -> weight. A sale aimed at ORDERED may come out BACKORDERED when stock is short,
# as in Cin7; BACKORDERED ones order more than the location holds.
SALE_STAGES = [("ESTIMATING", 12), ("ESTIMATED", 10), ("ORDERED", 22), ("BACKORDERED", 10),
               ("INVOICED", 18), ("COMPLETED", 22), ("VOIDED", 6)]
SALE_SPAN_DAYS = 540  # sales' Updated spread over 18 months from START


def _sale_lines(rng, store, customer, sale, backorder, count=None):
    """`count` (default 1-6) lines of sellable products at the customer's tier price."""
    products = sorted((p for p in store["products"].values()
                       if p["Status"] == "Active" and p["Sellable"]), key=lambda p: p["SKU"])
    picked = rng.sample(products, min(len(products), count or rng.choice([1, 2, 2, 3, 4, 5, 6])))
    lines = []
    for product in picked:
        price = product["PriceTiers"].get(customer["PriceTier"]) or product["PriceTier1"] or 10.0
        quantity = rng.choice([1, 2, 4, 6, 6, 12, 12, 24]) if product["Type"] == "Stock" else 1
        lines.append({"ProductID": product["ID"], "Name": product["Name"], "Quantity": quantity,
                      "Price": price, "Discount": rng.choice([0, 0, 0, 5, 10])})
    stock = [ln for ln in lines if store["products"][ln["ProductID"]]["Type"] == "Stock"]
    if backorder and stock:
        place = store["stock"].get(stock[0]["ProductID"], {}).get(sale["Location"]) or {}
        stock[0]["Quantity"] = int(place.get("OnHand", 0)) + rng.randint(6, 48)
    return lines


def _advance(rng, store, sale, stage, lines, when, make_id):
    """Take a new sale to `stage` through the same rules the endpoints apply."""
    quote = "DRAFT" if stage == "ESTIMATING" else "AUTHORISED"
    cin7_sales.save_quote(store, {"SaleID": sale["ID"], "Status": quote, "Lines": lines})
    if stage in ("ESTIMATING", "ESTIMATED", "VOIDED"):
        if stage == "VOIDED":
            cin7_sales.void_or_undo(store, sale["ID"], void=True)
        return
    cin7_sales.save_order(store, {"SaleID": sale["ID"], "Status": "AUTHORISED"})
    if stage in ("INVOICED", "COMPLETED"):
        cin7_sale_tasks.invoice(store, sale, when, make_id)
        shipped = stage == "COMPLETED" or rng.random() < 0.4
        if shipped:
            tracking = f"1Z{rng.randint(10 ** 9, 10 ** 10 - 1)}" if rng.random() < 0.8 else ""
            cin7_sale_tasks.ship(store, sale, when, tracking, make_id=make_id)
        if stage == "COMPLETED" or rng.random() < 0.3:
            total = sale["Invoices"][0]["Total"]
            amount = None if stage == "COMPLETED" else round(total * 0.3, 2)
            cin7_sale_tasks.pay(store, sale, when, amount, make_id)


def generate_sales(store, n, seed=42, lines=None):
    """`n` sales of the store's customers and products, at every stage, the same per seed."""
    rng = random.Random(f"sales-{seed}")
    lines_each = lines

    def make_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    customers = sorted(store["customers"].values(), key=lambda c: (c["LastModifiedOn"], c["ID"]))
    if not customers or not store["products"]:
        return
    step = datetime.timedelta(days=SALE_SPAN_DAYS) / max(n, 1)
    moment = START
    for _ in range(n):
        moment += step * rng.uniform(0.5, 1.5) + datetime.timedelta(milliseconds=rng.randint(1, 999))
        when = clock.iso(moment)
        customer = rng.choice(customers)
        stage = _weighted(rng, SALE_STAGES)
        sale = cin7_sales.create(store, {"CustomerID": customer["ID"],
                                         "CustomerReference": f"PO-{rng.randint(1000, 99999)}"},
                                 make_id)
        sale.update(_Created=when, SaleOrderDate=moment.strftime("%Y-%m-%dT00:00:00"))
        lines = _sale_lines(rng, store, customer, sale, stage == "BACKORDERED", lines_each)
        _advance(rng, store, sale, stage, lines, when, make_id)
        cin7_sales.touch(sale, when)
