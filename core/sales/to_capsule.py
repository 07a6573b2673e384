"""Sales export to Capsule: a Cin7 quote -> one opportunity, planned without I/O (EXT-3).

Rules: a sale at quote stage (ESTIMATING, ESTIMATED; dated on/after sales.export_since)
becomes one opportunity of its customer's party, named after its order number and customer,
with the quote's total as value, its currency, its date as expected close date, its lines as
the description (Capsule has no line items) and the milestone mapped for its status. Once it
has an opportunity the sale is followed: a new status moves the milestone (VOIDED to the
lost one); an unmapped status leaves the milestone where it is.
"""

from dataclasses import asdict

from core.errors import RecordError
from core.plan import Plan, planned
from core.records import Opportunity
from core.sales import milestones, to_hubspot


def label(sale):
    return to_hubspot.label(sale)


def wanted(sale, linked, since=""):
    """True when the sale is exported: a quote, or a sale whose opportunity exists."""
    if sale.status not in milestones.QUOTE_STATUSES and not linked:
        return False
    return to_hubspot.wanted(sale, since)


def description(sale):
    lines = [f"{line.quantity:g} × {line.sku or line.name} @ {line.price:.2f}"
             for line in sale.lines]
    return "\n".join(lines)


def opportunity(sale, party_id, milestone_id, key_id):
    """The opportunity a sale should be (its key field holds the Cin7 sale id)."""
    return Opportunity(name=f"Quote {sale.order_number} {sale.customer}".strip(),
                       party_id=party_id, milestone_id=milestone_id,
                       description=description(sale), amount=sale.order_total,
                       currency=sale.currency,
                       expected_close_on=sale.order_date.date().isoformat()
                       if sale.order_date else "",
                       fields={key_id: sale.id})


def opportunity_from_json(data):
    return Opportunity(**data)


def start_milestone(status, mapping):
    """A new opportunity's milestone: its status's, else a quote status's, else the first
    open milestone (Capsule requires one)."""
    return (milestones.milestone_for(status, mapping)
            or next((mapping[s] for s in milestones.QUOTE_STATUSES if s in mapping), None)
            or milestones.first("open"))


def plan_sales(sales, known, options, force=False):
    """Decide each sale's write. `known` maps (entity, id) -> Link ("sale", "customer");
    `options`: milestone_map, key (the sale id field's id), first (a dry run: customers
    that would be exported first)."""
    plan = Plan()
    for sale in sales:
        link, party = known.get(("sale", sale.id)), known.get(("customer", sale.customer_id))
        if party is None or not party.remote_id:
            if not options.get("first"):
                plan.failures.append((sale, RecordError(
                    label(sale), "Customer", f"customer '{sale.customer}' is not in Capsule "
                    "yet: export customers first (or set customers to export)")))
                continue
        mapping, linked = options["milestone_map"], link is not None and bool(link.remote_id)
        # On an unmapped status a linked opportunity is written without a milestone: it stays
        # where it is (moved by hand, maybe) until the status moves again.
        milestone = milestones.milestone_for(sale.status, mapping) or (
            "" if linked else start_milestone(sale.status, mapping))
        opp = opportunity(sale, party.remote_id if party else "", milestone, options["key"])
        write = planned("opportunity", "sale", sale.id, sale.id, label(sale), opp.name,
                        {"opportunity": asdict(opp)}, link, "", sale.id, force)
        if write.action == "skip" and write.reason.startswith("removed"):
            write.reason = "removed from Capsule"
        write.parent = party.remote_id if party else None
        plan.writes.append(write)
    return plan
