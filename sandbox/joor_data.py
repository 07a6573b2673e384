"""JOOR connections derived from Cin7 seed customers, with the noise real data has.

A brand's JOOR connections were typed by people over years: names with typos, other legal
suffixes, "&" for "and", the branch city tacked on, another case; e-mails missing or another
buyer's; addresses missing or formatted differently. Some customers are not in JOOR, and
JOOR holds retailers Cin7 never had (with names from the same pool, so they look alike).
Every connection carries `_source`, the Cin7 id it came from (None for JOOR-only ones): the
label the benchmark and tests score against. The API never shows it.
"""

import random

from sandbox import seed

SUFFIX_VARIANTS = {
    "Ltd": ["Limited", "Ltd.", "LTD", ""], "Inc": ["Inc.", "Incorporated", ""],
    "LLC": ["L.L.C.", "llc", ""], "Co.": ["Co", "Company", ""],
    "Pty Ltd": ["Pty. Ltd.", "PTY LTD", "Pty Limited", ""], "GmbH": ["GMBH", ""],
}
COUNTRY_CODES = {"United States": "US", "United Kingdom": "GB", "Australia": "AU",
                 "New Zealand": "NZ", "Canada": "CA", "Ireland": "IE", "Germany": "DE"}


def typo(rng, word):
    """One slip of the keyboard in `word` (never in the first letter)."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    if kind == "drop":
        return word[:at] + word[at + 1:]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + rng.choice("aeiourstnl") + word[at + 1:]


def _mistyped(name):
    """'Arabela' for 'Arabella': the first long word loses a letter."""
    words = name.split()
    i = next((n for n, w in enumerate(words) if len(w) > 4), 0)
    words[i] = words[i][:3] + words[i][4:]
    return " ".join(words)


def noisy_name(rng, name, city):
    """The name as someone at JOOR or the brand typed it."""
    words = name.split()
    for suffix, variants in SUFFIX_VARIANTS.items():
        if name.endswith(" " + suffix) and rng.random() < 0.5:
            base = name[: -len(suffix) - 1]
            words = (base + " " + rng.choice(variants)).split()
            break
    if "&" in words and rng.random() < 0.5:
        words = ["and" if w == "&" else w for w in words]
    if rng.random() < 0.25:
        i = rng.randrange(len(words))
        words[i] = typo(rng, words[i])
    if len(words) > 2 and rng.random() < 0.1:
        words[0], words[1] = words[1], words[0]
    if city and city not in words and rng.random() < 0.15:
        words += ["-", city]
    text = " ".join(w for w in words if w)
    if rng.random() < 0.05:
        text = text.replace("e", "é", 1)
    roll = rng.random()
    return text.upper() if roll < 0.08 else text.lower() if roll < 0.12 else text


def _address(rng, customer):
    addresses = customer.get("Addresses") or []
    if not addresses or rng.random() < 0.15:
        return []
    address = rng.choice(addresses) if rng.random() < 0.1 else addresses[0]
    postcode = address.get("Postcode") or ""
    if rng.random() < 0.3:
        postcode = postcode.replace(" ", "").lower()
    country = address.get("Country") or ""
    if rng.random() < 0.5:
        country = COUNTRY_CODES.get(country, country)
    return [{"billing_address_id": rng.randint(1000, 99999), "billing_code": "",
             "address_1": address.get("Line1") or "", "city": address.get("City") or "",
             "state": address.get("State") or "", "zip": postcode, "country": country}]


def _email(rng, customer):
    emails = [c["Email"] for c in customer.get("Contacts") or [] if c.get("Email")]
    roll = rng.random()
    if not emails or roll < 0.25:
        return ""
    if roll < 0.32:
        return "info@" + emails[0].split("@", 1)[1]  # the shop's general address instead
    return rng.choice(emails)


def connection(rng, customer, number, code):
    """One JOOR connection (v2 GET shape) made from one Cin7 customer's JSON."""
    address = _address(rng, customer)
    city = address[0]["city"] if address else ""
    contacts = customer.get("Contacts") or []
    return {
        "customer_code": code,
        "customer_alias": noisy_name(rng, customer["Name"], city),
        "customer_contact_name": customer["Name"],
        "customer_contact_email": _email(rng, customer),
        "customer_buyer_name": contacts[0]["Name"] if contacts else "",
        "customer_account_id": number,
        "customer_group_code": "", "sales_rep_code": "",
        "billing": {"billing_addresses": address},
        "_source": customer["ID"],
    }


def generate(customers, seed_value=42, share=0.7, extra=0.1, code_share=0.1, doubtful=0):
    """JOOR connections for `customers` (Cin7 JSON): `share` of them, plus `extra` × len
    JOOR-only retailers; `code_share` of the shared ones already carry the Cin7 id as code.
    The first `doubtful` shared ones keep only a mistyped name (no e-mail, no address): the
    pairs a person has to confirm."""
    rng = random.Random(seed_value * 7919 + 1)
    chosen = [c for c in customers if c.get("Status") == "Active" and rng.random() < share]
    strangers = seed.generate_customers(int(len(customers) * extra) + 3, seed_value + 1)[3:]
    out, number = [], 500000
    for k, customer in enumerate(chosen + strangers):
        number += rng.randint(1, 9)
        own = k < len(chosen)
        code = customer["ID"] if own and rng.random() < code_share else f"JR{number}"
        item = connection(rng, customer, number, code)
        if own and k < doubtful:
            item.update(customer_alias=_mistyped(customer["Name"]), customer_contact_email="",
                        billing={"billing_addresses": []}, customer_code=f"JR{number}")
        if not own:  # another business with a look-alike name: its own mailboxes
            item["_source"] = None
            email = item["customer_contact_email"]
            item["customer_contact_email"] = email.replace("@", "@the", 1) if email else ""
        out.append(item)
    rng.shuffle(out)
    return out
