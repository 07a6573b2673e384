"""What `make demo` sets up once the sandbox answers: the connected CRM's mappings.

For the sandbox only: it maps the sandbox CRM's deal stages, price books or milestones by the
names the sandbox seeds, so the demo shows sales moving at once. Real installs map them in
the panel.
"""

from core import references, settings
from core.connectors.capsule import Capsule
from core.connectors.cin7 import Cin7
from core.connectors.hubspot import HubSpot
from core.connectors.salesforce import Salesforce
from core.products import price_books
from core.sales import milestones, stages

HUBSPOT_STAGE_MAP = ("appointmentscheduled=ESTIMATING,decisionmakerboughtin=ESTIMATED,"
                     "contractsent=ORDERED,closedwon=INVOICED,closedlost=VOIDED")
SALESFORCE_BOOKS = ("Wholesale", "Retail")  # Cin7 tiers named like the sandbox org's books
SALESFORCE_STAGE_MAP = "Closed Won=ORDERED"
# Import defaults (SET-2) the demo picks: the sandbox Cin7's own codes, else the first listed.
IMPORT_DEFAULTS = {"import.currency": "USD", "import.revenue_account": "200",
                   "import.account_receivable": "610"}
CAPSULE_MILESTONES = {"ESTIMATING": "New", "ESTIMATED": "Proposal", "ORDERED": "Won",
                      "VOIDED": "Lost"}


def set_up(config):
    """Map the connected CRM for the demo and choose its sales direction; returns what was done."""
    crm = settings.crm()
    if crm == "salesforce":
        return _salesforce(config)
    if crm == "capsule":
        return _capsule(config)
    stages.load(HubSpot(config))
    settings.set("sales.pipeline", "default")
    settings.set("sales.stage_map", HUBSPOT_STAGE_MAP)
    settings.set("sales.direction", "export")
    return ["HubSpot: deal stages of the default pipeline mapped; sales export as deals"]


def _import_defaults(config):
    """Sales come in with their customers: choose the import defaults from Cin7's lists."""
    references.refresh(Cin7(config))
    for key, kind in (("import.payment_term", "payment_terms"), ("import.tax_rule", "tax_rules")):
        if references.names(kind):
            settings.set(key, references.names(kind)[0])
    for key, value in IMPORT_DEFAULTS.items():
        settings.set(key, value)


def _salesforce(config):
    books = {b["name"]: b["id"] for b in price_books.load(Salesforce(config))}
    settings.set("salesforce.price_books", ",".join(f"{name}={books[name]}"
                                                    for name in SALESFORCE_BOOKS if name in books))
    settings.set("products.direction", "export")
    settings.set("salesforce.sales_from", "opportunities")
    settings.set("salesforce.trigger_stage", "Closed Won")
    settings.set("salesforce.stage_map", SALESFORCE_STAGE_MAP)
    _import_defaults(config)
    settings.set("sales.direction", "import")
    return ["Salesforce: tiers Wholesale and Retail mapped to their price books; products go "
            "out, won opportunities come in as sales"]


def _capsule(config):
    found = {m["name"]: m["id"] for m in milestones.load(Capsule(config))}
    settings.set("capsule.milestone_map", ",".join(f"{status}={found[name]}" for status, name
                                                   in CAPSULE_MILESTONES.items() if name in found))
    settings.set("sales.direction", "export")
    return ["Capsule: sale statuses mapped to milestones; quotes go out as opportunities"]
