"""Plain records built by the connectors from API JSON; nothing else touches raw JSON."""

import datetime
from dataclasses import dataclass, field


@dataclass
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    type: str = "Billing"  # Billing, Business, Shipping
    default_for_type: bool = False
    id: str = ""


@dataclass
class Contact:
    """A contact of a Cin7 customer."""

    name: str
    email: str = ""
    phone: str = ""
    mobile: str = ""
    job_title: str = ""
    default: bool = False
    id: str = ""

    @property
    def email_key(self):
        return self.email.strip().lower()


@dataclass
class Customer:
    """A Cin7 Core customer with its contacts and addresses."""

    id: str
    name: str
    status: str = "Active"  # Active or Deprecated
    currency: str = ""
    payment_term: str = ""
    tax_rule: str = ""
    revenue_account: str = ""
    account_receivable: str = ""
    price_tier: str = ""
    carrier: str = ""
    location: str = ""
    sales_representative: str = ""
    comments: str = ""
    tax_number: str = ""
    discount: float | None = None
    credit_limit: float | None = None
    is_on_credit_hold: bool = False
    tags: str = ""
    attribute_set: str = ""
    attributes: dict = field(default_factory=dict)  # AdditionalAttribute1..10
    contacts: list = field(default_factory=list)
    addresses: list = field(default_factory=list)
    modified: datetime.datetime | None = None

    @property
    def deprecated(self):
        return self.status.lower() == "deprecated"

    def main_address(self, *types):
        """The default address of the first of `types` present, else the first address."""
        for kind in types or ("Billing", "Business", "Shipping"):
            for address in self.addresses:
                if address.type == kind and address.default_for_type:
                    return address
            for address in self.addresses:
                if address.type == kind:
                    return address
        return self.addresses[0] if self.addresses else None


@dataclass
class Remote:
    """A HubSpot object (company, contact, ...): id, string properties and associations."""

    type: str
    id: str
    properties: dict = field(default_factory=dict)
    updated_at: str = ""
    associations: dict = field(default_factory=dict)  # type -> [ids]

    def get(self, name, default=""):
        value = self.properties.get(name)
        return default if value is None else value


@dataclass
class Product:
    """A Cin7 Core product; `stock` (location -> on hand) is read separately."""

    id: str
    sku: str
    name: str
    category: str = ""
    brand: str = ""
    type: str = "Stock"  # Stock or Service
    status: str = "Active"  # Active or Deprecated
    sellable: bool = True
    short_description: str = ""
    description: str = ""
    tags: str = ""
    weight: float | None = None
    weight_units: str = ""
    average_cost: float | None = None
    prices: list = field(default_factory=list)  # [(position 1..10, tier name, price)]
    modified: datetime.datetime | None = None
