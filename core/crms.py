"""The connected CRM in its own words: its name and what it calls a company, a deal, …

One CRM per install (settings "crm"). Every surface says "Account" to a Salesforce user and
"Organisation" to a Capsule user, so the words live here, once.
"""

from dataclasses import dataclass

from core import settings


@dataclass(frozen=True)
class Crm:
    key: str
    name: str
    company: str  # what a Cin7 customer with contacts becomes
    contact: str
    deal: str  # what a Cin7 sale becomes (or comes from)
    product: str


CRMS = {
    "hubspot": Crm("hubspot", "HubSpot", "company", "contact", "deal", "product"),
    "salesforce": Crm("salesforce", "Salesforce", "account", "contact", "opportunity", "product"),
    "capsule": Crm("capsule", "Capsule", "organisation", "person", "opportunity", "product"),
}


def current():
    """The connected CRM (HubSpot unless the admin chose another)."""
    return CRMS[settings.crm()]


def direction_label(direction):
    """'Cin7 → Salesforce' for export, 'Salesforce → Cin7' for import; other words unchanged."""
    name = current().name
    return {"export": f"Cin7 → {name}", "import": f"{name} → Cin7"}.get(direction, direction)
