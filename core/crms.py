"""The connected CRM in its own words: its name and what it calls a deal.

One CRM per install (settings "crm"). Every surface says "Cin7 → Salesforce" and
"opportunity" to a Salesforce user, so the words live here, once.
"""

from dataclasses import dataclass

from core import settings


@dataclass(frozen=True)
class Crm:
    key: str
    name: str
    deal: str  # what a Cin7 sale becomes (or comes from)
    deals: str


CRMS = {
    "hubspot": Crm("hubspot", "HubSpot", "deal", "deals"),
    "salesforce": Crm("salesforce", "Salesforce", "opportunity", "opportunities"),
    "capsule": Crm("capsule", "Capsule", "opportunity", "opportunities"),
}


def current():
    """The connected CRM (HubSpot unless the admin chose another)."""
    return CRMS[settings.crm()]


def direction_label(direction):
    """'Cin7 → Salesforce' for export, 'Salesforce → Cin7' for import; other words unchanged."""
    name = current().name
    return {"export": f"Cin7 → {name}", "import": f"{name} → Cin7"}.get(direction, direction)
