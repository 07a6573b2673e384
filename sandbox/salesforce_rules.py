"""The rules that bite: price books, opportunities and their lines, quotes and theirs.

`defaults` fills a new record, `check` refuses or completes a record about to be written
(`old` is None on create) and `after` rolls totals up once it is stored. Messages are
Salesforce's own where integrators have quoted them; FIELD_INTEGRITY_EXCEPTION texts follow
the form "field integrity exception: <field> (<why>)".
"""

from sandbox import salesforce_schema as schema
from sandbox.salesforce_errors import SalesforceError


def _error(status, code, message, fields=None):
    return SalesforceError(status, code, message, fields)


def _integrity(field, why):
    return _error(400, "FIELD_INTEGRITY_EXCEPTION", f"field integrity exception: {field} ({why})",
                  [field] if field != "unknown" else [])


def defaults(org, sobject):
    values = {"CurrencyIsoCode": org["currencies"][0]} if org["currencies"] else {}
    if sobject == "Account":
        values["OwnerId"] = org.get("integration_user")  # the creating user
    if sobject in ("Product2", "Pricebook2", "PricebookEntry"):
        values["IsActive"] = False  # the API's default: activate on purpose
    if sobject == "PricebookEntry":
        values["UseStandardPrice"] = False
    if sobject == "Pricebook2":
        values["IsStandard"] = False
    if sobject == "Quote":
        values["Status"] = "Draft"
    return values


def _ref(org, sobject, record, field):
    """The record `field` points to; INVALID_CROSS_REFERENCE_KEY when there is none."""
    target = schema.fields(org, sobject)[field][0].split(":", 1)[1]
    value = record.get(field)
    if not value:
        return None
    found = org["records"][target].get(schema.full_id(value))
    if found is None:
        raise _error(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [field])
    record[field] = found["Id"]
    return found


def check(org, sobject, new, old):
    currency = new.get("CurrencyIsoCode")
    if org["currencies"] and currency not in org["currencies"]:
        raise _error(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                     f"Currency ISO Code: invalid currency code: {currency}", ["CurrencyIsoCode"])
    for name, (kind, _) in schema.fields(org, sobject).items():
        if kind.startswith("reference:") and name not in ("SyncedQuoteId",):
            _ref(org, sobject, new, name)
    for (kind, field), values in schema.PICKLISTS.items():
        if kind == sobject and new.get(field) not in values:
            label = "Stage" if field == "StageName" else field
            raise _error(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                         f"{label}: bad value for restricted picklist field: {new.get(field)}",
                         [field])
    checker = CHECKS.get(sobject)
    if checker:
        checker(org, new, old)


def _entry(org, new, old):
    book = org["records"]["Pricebook2"][new["Pricebook2Id"]]
    product = org["records"]["Product2"][new["Product2Id"]]
    new["Name"], new["ProductCode"] = product["Name"], product.get("ProductCode")
    if old is not None:
        return
    entries = org["records"]["PricebookEntry"]
    same = [entries[i] for i in schema.index(org, "PricebookEntry", "Product2Id").get(
        product["Id"].lower(), ()) if entries[i].get("CurrencyIsoCode") == new.get(
        "CurrencyIsoCode")]
    if any(e["Pricebook2Id"] == book["Id"] for e in same):
        raise _error(400, "DUPLICATE_VALUE",
                     "This price definition already exists in this price book")
    if not book["IsStandard"] and not any(
            e["IsActive"] and org["records"]["Pricebook2"][e["Pricebook2Id"]]["IsStandard"]
            for e in same):
        raise _error(400, "STANDARD_PRICE_NOT_DEFINED",
                     "No standard price defined for this product")


def _opportunity(org, new, old):
    probability, closed, won = schema.STAGES[new["StageName"]]
    new["IsClosed"], new["IsWon"] = closed, won
    if old is None or old["StageName"] != new["StageName"] or new.get("Probability") is None:
        new["Probability"] = float(probability)
    lines = _children(org, "OpportunityLineItem", "OpportunityId", new["Id"])
    if old is not None and lines:
        if new["Pricebook2Id"] != old["Pricebook2Id"]:
            raise _integrity("Pricebook2Id", "cannot change pricebook on opportunity with "
                             "line items")
        new["Amount"] = old["Amount"]  # rolled up from the lines: writes are ignored


def _priced_entry(org, new, parent, parent_name):
    entry = org["records"]["PricebookEntry"].get(new.get("PricebookEntryId") or "")
    if entry is None and new.get("Product2Id") and parent.get("Pricebook2Id"):
        entry = next((e for e in org["records"]["PricebookEntry"].values()
                      if e["Product2Id"] == new["Product2Id"]
                      and e["Pricebook2Id"] == parent["Pricebook2Id"]
                      and e.get("CurrencyIsoCode") == parent.get("CurrencyIsoCode")), None)
    if entry is None:
        raise _error(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: "
                     "[PricebookEntryId]", ["PricebookEntryId"])
    if parent.get("Pricebook2Id") and entry["Pricebook2Id"] != parent["Pricebook2Id"]:
        raise _integrity("PricebookEntryId", "pricebook entry is in a different pricebook than "
                         f"the one assigned to the {parent_name}")
    if not entry["IsActive"]:
        raise _integrity("PricebookEntryId", "pricebook entry is inactive")
    if entry.get("CurrencyIsoCode") != parent.get("CurrencyIsoCode"):
        raise _integrity("PricebookEntryId", "pricebook entry currency code does not match "
                         f"{parent_name.lower()} currency code")
    if new.get("Product2Id") and new["Product2Id"] != entry["Product2Id"]:
        raise _integrity("Product2Id", "product does not match the pricebook entry")
    new["PricebookEntryId"], new["Product2Id"] = entry["Id"], entry["Product2Id"]
    new["CurrencyIsoCode"] = entry.get("CurrencyIsoCode") if org["currencies"] else None


def _price(new, old):
    """UnitPrice or TotalPrice, one of them, and the line total from it."""
    quantity, discount = new["Quantity"], (new.get("Discount") or 0) / 100
    if old is None and new.get("UnitPrice") is not None and new.get("TotalPrice") is not None:
        raise _integrity("TotalPrice", "only one of unit price or total price may be specified")
    if new.get("UnitPrice") is None and new.get("TotalPrice") is None:
        raise _integrity("unknown", "must specify either unit price or total price")
    total_only = new.get("UnitPrice") is None or (
        old is not None and new["TotalPrice"] != old["TotalPrice"]
        and new["UnitPrice"] == old["UnitPrice"])
    if total_only:
        new["UnitPrice"] = new["TotalPrice"] / quantity / (1 - discount) if quantity else 0.0
    new["TotalPrice"] = round(quantity * new["UnitPrice"] * (1 - discount), 2)


def _opportunity_line(org, new, old):
    opportunity = org["records"]["Opportunity"][new["OpportunityId"]]
    if old is None:
        _priced_entry(org, new, opportunity, "Opportunity")
    _price(new, old)


def _quote(org, new, old):
    opportunity = org["records"]["Opportunity"][new["OpportunityId"]]
    new["AccountId"] = opportunity.get("AccountId")
    if old is None:
        new["Pricebook2Id"] = new.get("Pricebook2Id") or opportunity.get("Pricebook2Id")
        new["CurrencyIsoCode"] = opportunity.get("CurrencyIsoCode")


def _quote_line(org, new, old):
    quote = org["records"]["Quote"][new["QuoteId"]]
    if old is None:
        if not quote.get("Pricebook2Id"):
            raise _integrity("PricebookEntryId", "the Quote has no pricebook assigned")
        _priced_entry(org, new, quote, "Quote")
    new["TotalPrice"] = None
    _price(new, None if old is None else {**old, "TotalPrice": None})


CHECKS = {"PricebookEntry": _entry, "Opportunity": _opportunity,
          "OpportunityLineItem": _opportunity_line, "Quote": _quote, "QuoteLineItem": _quote_line}


def _children(org, kind, ref, parent_id):
    return [r for r in org["records"][kind].values() if r[ref] == parent_id]


def after(org, sobject, record, deleted=False):
    """Roll line totals up to their opportunity or quote."""
    if sobject == "OpportunityLineItem":
        parent = org["records"]["Opportunity"].get(record["OpportunityId"])
        if parent is None:
            return
        lines = _children(org, sobject, "OpportunityId", parent["Id"])
        if not parent.get("Pricebook2Id") and not deleted:
            entry = org["records"]["PricebookEntry"][record["PricebookEntryId"]]
            parent["Pricebook2Id"] = entry["Pricebook2Id"]
        parent["Amount"] = round(sum(line["TotalPrice"] or 0 for line in lines), 2)
        parent["SystemModstamp"] = schema.stamp()
    if sobject == "QuoteLineItem":
        parent = org["records"]["Quote"].get(record["QuoteId"])
        if parent is None:
            return
        total = round(sum(line["TotalPrice"] or 0 for line in
                          _children(org, sobject, "QuoteId", parent["Id"])), 2)
        parent["Subtotal"] = parent["TotalPrice"] = parent["GrandTotal"] = total
        parent["SystemModstamp"] = schema.stamp()
