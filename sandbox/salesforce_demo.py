"""A demo org's sales: products priced in the standard book, an Account with a Contact, a
Closed Won opportunity with two lines and an Accepted quote, made from Cin7's products.

POST /_sandbox/salesforce/demo seeds them (make demo calls it); a Salesforce sales import
then brings the opportunity (or, with salesforce.sales_from = quotes, the quote) in.
"""

from sandbox import salesforce_store as store

ACCOUNT = {"Name": "Harbour Outfitters", "Phone": "+61 3 6200 0000",
           "BillingStreet": "4 Quay St", "BillingCity": "Hobart", "BillingState": "TAS",
           "BillingPostalCode": "7000", "BillingCountry": "Australia",
           "ShippingStreet": "4 Quay St", "ShippingCity": "Hobart", "ShippingState": "TAS",
           "ShippingPostalCode": "7000", "ShippingCountry": "Australia"}


def _priced(org, product, book):
    """A Product2 for a Cin7 product (by its id) with its standard price; the entry id. A
    product SyncDesk already exported (the demo's first run may come first) is reused."""
    records = org["records"]
    made = next((p for p in records["Product2"].values()
                 if org["cin7_fields"] and p.get("Cin7_Product_ID__c") == product["ID"]), None)
    if made is None:
        fields = {"Name": product["Name"], "ProductCode": product["SKU"], "IsActive": True}
        if org["cin7_fields"]:
            fields["Cin7_Product_ID__c"] = product["ID"]
        made = store.create(org, "Product2", fields)
    entry = next((e for e in records["PricebookEntry"].values()
                  if e["Product2Id"] == made["Id"] and e["Pricebook2Id"] == book), None)
    if entry is None:
        currency = {"CurrencyIsoCode": org["currencies"][0]} if org["currencies"] else {}
        entry = store.create(org, "PricebookEntry", {
            "Pricebook2Id": book, "Product2Id": made["Id"], "UnitPrice": 25.0,
            "IsActive": True, **currency})
    return entry["Id"]


def seed(org, cin7):
    """Seed the demo sales from `cin7`'s active stock products; returns the ids made."""
    book = next(r["Id"] for r in org["records"]["Pricebook2"].values() if r["IsStandard"])
    products = [p for p in cin7["products"].values()
                if p.get("Type") == "Stock" and p.get("Status") == "Active"][:2]
    entries = [_priced(org, p, book) for p in products]
    account = store.create(org, "Account", ACCOUNT)["Id"]
    store.create(org, "Contact", {"FirstName": "Ana", "LastName": "Lee", "AccountId": account,
                                  "Email": "ana@harbour.example", "Phone": "+61 3 6200 0001"})
    currency = {"CurrencyIsoCode": org["currencies"][0]} if org["currencies"] else {}
    won = store.create(org, "Opportunity", {
        "Name": "Harbour Outfitters - spring order", "StageName": "Negotiation/Review",
        "CloseDate": "2026-11-20", "AccountId": account,
        "Description": "Deliver before the Easter rush", **currency})["Id"]
    for entry, quantity in zip(entries, (12, 4), strict=False):
        store.create(org, "OpportunityLineItem", {"OpportunityId": won, "Quantity": quantity,
                                                  "PricebookEntryId": entry, "UnitPrice": 25.0})
    store.update(org, "Opportunity", won, {"StageName": "Closed Won"})
    quote = store.create(org, "Quote", {"Name": "Harbour Outfitters - reorder",
                                        "OpportunityId": won, "Pricebook2Id": book})["Id"]
    store.create(org, "QuoteLineItem", {"QuoteId": quote, "PricebookEntryId": entries[0],
                                        "Quantity": 6, "UnitPrice": 24.0})
    store.update(org, "Quote", quote, {"Status": "Accepted"})
    return {"account": account, "opportunity": won, "quote": quote}
