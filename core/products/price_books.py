"""Cin7 price tiers -> Salesforce price books: the books as last read, and the mapping.

The admin maps each Cin7 price tier to an active custom price book (setting
"salesforce.price_books", {tier name: Pricebook2 id}); the standard book always carries the
default tier ("products.price_tier"). Books are read from Salesforce by a refresh run and
kept here, so the panel and the settings check a mapping without waiting on Salesforce.
"""

from core import references

KIND = "salesforce_pricebooks"  # the references row holding the books as last read


class MappingError(ValueError):
    """A tier -> book mapping the books as read do not allow; the message says why."""


def load(salesforce):
    """Read every price book from Salesforce and keep them; returns them."""
    found = salesforce.pricebooks()
    references.save(KIND, [{"id": b.id, "name": b.get("Name"), "active": bool(b.get("IsActive")),
                            "standard": bool(b.get("IsStandard"))} for b in found])
    return books()


def books():
    """The books as last read: [{"id", "name", "active", "standard"}], standard first."""
    return references.names(KIND)


def read_at():
    return references.read_at(KIND)


def parse_map(text):
    """{tier name: book id} from a dict or "Tier=01s…,Other tier=01s…"; "" clears it."""
    if isinstance(text, dict):
        pairs = list(text.items())
    else:
        pairs = []
        for part in str(text).split(","):
            if part.strip():
                tier, sep, book = part.partition("=")
                if not sep:
                    raise MappingError(f"{part.strip()!r}: write it as Tier name=price book id")
                pairs.append((tier, book))
    mapping = {str(t).strip(): str(b).strip() for t, b in pairs if str(b).strip()}
    found = books()
    problems = problems_of(mapping, found)
    if problems:
        raise MappingError("; ".join(problems))
    full = {b["id"][:15]: b["id"] for b in found}  # kept as the 18-character ids reads return
    return {tier: full.get(book[:15], book) for tier, book in mapping.items()}


def problems_of(mapping, found, tiers=None):
    """Why `mapping` cannot be used with the books `found` ([] when it can): a book unknown,
    inactive, the standard one, or mapped twice; a tier Cin7 does not have."""
    by_id = {b["id"]: b for b in found}
    by_short = {b["id"][:15]: b for b in found}  # Salesforce accepts 15-character ids too
    tiers = tiers if tiers is not None else references.names("price_tiers")
    problems, seen = [], {}
    for tier, book_id in mapping.items():
        book = by_id.get(book_id) or by_short.get(book_id[:15])
        if tiers and tier not in tiers:
            problems.append(f"Cin7 has no price tier {tier!r} (tiers: {', '.join(tiers)})")
        if book is None:
            known = "none read yet: load them first" if not found else "load them again"
            problems.append(f"tier {tier!r}: Salesforce has no price book {book_id} ({known})")
            continue
        if book["standard"]:
            problems.append(f"tier {tier!r}: {book['name']} is the standard price book, which "
                            "always gets the default tier (products.price_tier)")
        elif not book["active"]:
            problems.append(f"tier {tier!r}: price book {book['name']!r} is inactive: activate "
                            "it in Salesforce (and load the books again) or choose another")
        if book["id"] in seen:
            problems.append(f"price book {book['name']!r} is mapped to both {seen[book['id']]!r} "
                            f"and {tier!r}: a product has one price per book")
        seen[book["id"]] = tier
    return problems


def standard(found):
    """The standard book of `found`, or None."""
    return next((b for b in found if b["standard"]), None)
