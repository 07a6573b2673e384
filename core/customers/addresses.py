"""Delivery addresses (CUS-10): a Cin7 customer's Shipping addresses as one HubSpot property.

HubSpot gives a company one address, Cin7 a customer any number of delivery (Shipping)
addresses. They travel as one multi-line text property, one address per line, the default
first, the fields in a fixed order separated by "; " so a person can read and edit them and
an empty field keeps its place:

    12 Mill Road; Unit 4; Leeds; ; LS1 4AB; United Kingdom

One property rather than numbered ones (address_1, address_2, ...): Cin7 sets no limit on
how many a customer has, so numbered properties would need a cap and empty properties on
every company; one property holds any number and reads as a list on the company's page.

An import matches the lines with the customer's Shipping addresses by content: an identical
address keeps its row, an address that differs in a few fields updates the row it most
resembles (an edit), anything else is a new row. Rows missing from HubSpot are left in Cin7:
a sync never removes anything on the other side (PRD-4).
"""

from dataclasses import replace

from core.records import Address

PROPERTY = "cin7_delivery_addresses"
SHIPPING = "Shipping"
SEPARATOR = "; "
FIELDS = ("line1", "line2", "city", "state", "postcode", "country")
SIMILAR = 3  # of the six fields equal: the same address, edited


def delivery_addresses(customer):
    """The customer's Shipping addresses, the default first, otherwise in Cin7's order."""
    shipping = [a for a in customer.addresses if a.type == SHIPPING]
    return sorted(shipping, key=lambda a: not a.default_for_type)


def as_line(address):
    """One address as a line of the property."""
    return _line(address)


def _line(address):
    return SEPARATOR.join((getattr(address, f) or "").replace(";", ",").replace("\n", " ").strip()
                          for f in FIELDS)


def to_text(customer):
    """The property's value: one line per delivery address ("" when there is none)."""
    return "\n".join(_line(a) for a in delivery_addresses(customer))


def parse(text):
    """(Shipping addresses, warnings) from the property's text; the first is the default.

    A line with fewer than six fields keeps Line 1 first and the country last."""
    addresses, warnings = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        parts = [p.strip() for p in raw.split(";")]
        if not any(parts):
            continue
        if len(parts) < len(FIELDS):
            parts = parts[:-1] + [""] * (len(FIELDS) - len(parts)) + parts[-1:]
        values = dict(zip(FIELDS, parts[:len(FIELDS)], strict=True))
        if not values["line1"] or not values["country"]:
            warnings.append(f"delivery address on line {number} not imported: Cin7 needs "
                            "line 1 and a country (Line 1; Line 2; City; State; Postcode; "
                            "Country)")
            continue
        addresses.append(Address(**values, type=SHIPPING, default_for_type=not addresses))
    return addresses, warnings


def _key(address):
    return tuple((getattr(address, f) or "").strip().lower() for f in FIELDS)


def same_place(a, b):
    """Whether two addresses (of any types) hold the same place: the same text in every
    field, the street's two lines read as one (a CRM keeps the street in one field)."""
    return _place(a) == _place(b)


def _place(address):
    street = " ".join(f"{address.line1 or ''} {address.line2 or ''}".lower().split())
    return (street, *(value for f, value in zip(FIELDS, _key(address), strict=True)
                      if f not in ("line1", "line2")))


def _likeness(a, b):
    return sum(x == y for x, y in zip(_key(a), _key(b), strict=True))


def merge(existing, wanted):
    """`existing` addresses with the Shipping ones matched to `wanted` by content.

    Returns the full list to send to Cin7: other types untouched, matched rows keep their
    id, new rows have none, and only the first wanted address is the default."""
    shipping = [a for a in existing if a.type == SHIPPING]
    taken, result = set(), {}
    for i, new in enumerate(wanted):  # identical content first
        same = next((a for a in shipping if id(a) not in taken and _key(a) == _key(new)), None)
        if same is not None:
            taken.add(id(same))
            result[i] = replace(new, id=same.id)
    pairs = sorted(((_likeness(a, new), i, j) for i, new in enumerate(wanted) if i not in result
                    for j, a in enumerate(shipping) if id(a) not in taken), reverse=True)
    for score, i, j in pairs:  # then the most alike: an address edited in HubSpot
        if score >= SIMILAR and i not in result and id(shipping[j]) not in taken:
            taken.add(id(shipping[j]))
            result[i] = replace(wanted[i], id=shipping[j].id)
    kept = [a if a.type != SHIPPING or not wanted else replace(a, default_for_type=False)
            for a in existing if id(a) not in taken]  # left out in HubSpot: kept (PRD-4)
    return kept + [result.get(i, new) for i, new in enumerate(wanted)]
