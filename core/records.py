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
    images: list = field(default_factory=list)  # image attachments' URLs, the default first
    modified: datetime.datetime | None = None


@dataclass
class SaleLine:
    """One line of a Cin7 sale's quote or order."""

    product_id: str = ""
    sku: str = ""
    name: str = ""
    quantity: float = 0.0
    price: float = 0.0
    discount: float = 0.0  # percent, 0-100
    tax: float | None = None  # None: Cin7 computes it from the tax rule
    tax_rule: str = ""  # empty: the sale's own rule
    comment: str = ""
    total: float | None = None  # quantity x price less discount, before tax
    backorder_quantity: float = 0.0  # order lines only: what stock could not cover


@dataclass
class Sale:
    """A Cin7 Core sale: the saleList header, plus lines and memo when read in full."""

    id: str
    order_number: str = ""
    status: str = ""  # ESTIMATING, ORDERED, BACKORDERED, INVOICED, COMPLETED, VOIDED, ...
    customer_id: str = ""
    customer: str = ""
    customer_reference: str = ""
    external_id: str = ""
    currency: str = ""  # the customer's currency
    order_date: datetime.datetime | None = None
    updated: datetime.datetime | None = None
    type: str = ""  # Simple Sale, Advanced Sale, Service Sale
    location: str = ""
    quote_status: str = ""
    order_status: str = ""
    invoice_status: str = ""  # CombinedInvoiceStatus
    shipment_status: str = ""  # CombinedShippingStatus
    payment_status: str = ""  # CombinedPaymentStatus
    tracking_numbers: list = field(default_factory=list)
    invoice_number: str = ""
    invoice_total: float | None = None  # invoiced, in the customer's currency
    paid_amount: float | None = None
    order_total: float | None = None  # the order's (else the quote's) total with tax
    lines: list = field(default_factory=list)  # [SaleLine]; empty on saleList headers
    memo: str = ""
    tax_rule: str = ""
    price_tier: str = ""

    @property
    def voided(self):
        return self.status == "VOIDED"


@dataclass
class OrderLine:
    """A line of a CRM deal, opportunity or quote, as the sales import reads it."""

    id: str
    name: str = ""
    sku: str = ""
    cin7_id: str = ""  # the Cin7 product the CRM knows it as (a link, Cin7_Product_ID__c)
    quantity: object = None  # as the CRM sent them: text or numbers, checked by the import
    price: object = None
    discount: object = None
    description: str = ""


@dataclass
class Order:
    """A CRM deal, opportunity or quote that becomes one Cin7 sale (SAL-5 … SAL-9)."""

    id: str
    kind: str  # deal, opportunity, quote: how messages name it
    name: str
    stage: str  # the stage (or quote status) the stage map reads
    external_id: str  # the sale's ExternalID: how a sale whose answer was lost is found
    description: str = ""  # the sale's memo
    lines: list = field(default_factory=list)  # [OrderLine]
    ship_to: dict | None = None  # Cin7 ShippingAddress fields, or None


@dataclass
class PipelineStage:
    id: str
    label: str
    display_order: int = 0
    closed: bool = False
    probability: float | None = None  # 0.0-1.0; 1.0 closed won, 0.0 closed lost


@dataclass
class Pipeline:
    """A HubSpot pipeline (deals) with its stages in display order."""

    id: str
    label: str
    display_order: int = 0
    stages: list = field(default_factory=list)  # [PipelineStage]

    def stage(self, stage_id):
        return next((s for s in self.stages if s.id == stage_id), None)


@dataclass
class Detail:
    """A Capsule party's e-mail address or phone number: its id, type and the value."""

    value: str
    type: str | None = None  # e-mail Home/Work; phone Home/Work/Mobile/Fax/Direct
    id: str = ""


@dataclass
class Party:
    """A Capsule party: a person (first/last name, maybe of an organisation) or an
    organisation (name), with its e-mail addresses, phones, addresses and custom fields."""

    type: str  # person or organisation
    id: str = ""
    name: str = ""  # organisation only
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    job_title: str = ""
    organisation_id: str = ""  # a person's organisation; "" none
    organisation_name: str = ""
    about: str = ""
    emails: list = field(default_factory=list)  # [Detail]
    phones: list = field(default_factory=list)  # [Detail]
    addresses: list = field(default_factory=list)  # [Address], type Home/Office/Postal
    fields: dict = field(default_factory=dict)  # field definition id -> value (text)
    tags: list = field(default_factory=list)  # tag names: as read, or to put on the party
    untags: list = field(default_factory=list)  # tag names to take off it (writes only)
    owner: str = ""  # the owning user's name, as read
    updated_at: str = ""
    raw: dict = field(default_factory=dict)

    @property
    def label(self):
        """The party's name as a person reads it (for messages)."""
        person = " ".join(filter(None, [self.first_name, self.last_name]))
        return (self.name if self.type == "organisation" else person) or f"party {self.id}"


@dataclass
class Opportunity:
    """A Capsule opportunity: a party's prospective sale at a milestone (no line items)."""

    name: str
    party_id: str
    milestone_id: str
    id: str = ""
    milestone: str = ""  # the milestone's name
    description: str = ""
    amount: float | None = None
    currency: str = ""
    expected_close_on: str = ""  # YYYY-MM-DD
    probability: int | None = None  # None: the milestone's
    closed_on: str = ""
    lost_reason: str = ""
    fields: dict = field(default_factory=dict)  # field definition id -> value (text)
    updated_at: str = ""


@dataclass
class Milestone:
    """A stage of a Capsule pipeline; `outcome` is open, won or lost."""

    id: str
    name: str
    probability: int = 0
    outcome: str = "open"
    pipeline_id: str = ""
    pipeline: str = ""


@dataclass
class FieldDefinition:
    """A Capsule custom field of parties or opportunities."""

    id: str
    name: str
    type: str = "text"
    entity: str = "parties"  # parties or opportunities
