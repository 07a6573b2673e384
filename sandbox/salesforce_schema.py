"""The sandbox org's objects: their fields, which are required, read-only or create-only.

A field is (type, flags): type "id", "string", "boolean", "double", "date", "datetime",
"picklist" or "reference:<Type>"; flags among REQUIRED, READ_ONLY, CREATE_ONLY, EXTERNAL.
The org's custom fields (`Cin7_*__c`) and its currencies depend on the sandbox options.
"""

import datetime

from sandbox import clock

REQUIRED, READ_ONLY, CREATE_ONLY, EXTERNAL = "required", "read_only", "create_only", "external"
SYSTEM_FIELDS = {
    "Id": ("id", {READ_ONLY}), "IsDeleted": ("boolean", {READ_ONLY}),
    "CreatedDate": ("datetime", {READ_ONLY}), "LastModifiedDate": ("datetime", {READ_ONLY}),
    "SystemModstamp": ("datetime", {READ_ONLY}),
}
_ADDRESS = ("Street", "City", "State", "PostalCode", "Country")


def _strings(*names):
    return {name: ("string", set()) for name in names}


OBJECTS = {
    "Account": ("001", {"Name": ("string", {REQUIRED})} | _strings(
        "AccountNumber", "Phone", "Website", "Description", "Type", "Industry",
        *(f"Billing{p}" for p in _ADDRESS), *(f"Shipping{p}" for p in _ADDRESS))
        | {"OwnerId": ("reference:User", set())}),  # the integration user unless set
    # Users are made in Setup, not by SyncDesk: the sandbox seeds them (salesforce_users).
    "User": ("005", {"Name": ("string", {READ_ONLY}), "IsActive": ("boolean", set()),
                     "LastName": ("string", {REQUIRED})} | _strings("FirstName", "Email")),
    "Contact": ("003", {"LastName": ("string", {REQUIRED}),
                        "AccountId": ("reference:Account", set())} | _strings(
        "FirstName", "Email", "Phone", "MobilePhone", "Title", "Description",
        *(f"Mailing{p}" for p in _ADDRESS))),
    "Product2": ("01t", {"Name": ("string", {REQUIRED}), "IsActive": ("boolean", set())}
                 | _strings("ProductCode", "StockKeepingUnit", "Family", "Description",
                            "QuantityUnitOfMeasure")),
    "Pricebook2": ("01s", {"Name": ("string", {REQUIRED}), "IsActive": ("boolean", set()),
                           "IsStandard": ("boolean", {READ_ONLY}),
                           "Description": ("string", set())}),
    "PricebookEntry": ("01u", {
        "Pricebook2Id": ("reference:Pricebook2", {REQUIRED, CREATE_ONLY}),
        "Product2Id": ("reference:Product2", {REQUIRED, CREATE_ONLY}),
        "UnitPrice": ("double", {REQUIRED}), "IsActive": ("boolean", set()),
        "UseStandardPrice": ("boolean", set()), "Name": ("string", {READ_ONLY}),
        "ProductCode": ("string", {READ_ONLY})}),
    "Opportunity": ("006", {
        "Name": ("string", {REQUIRED}), "StageName": ("picklist", {REQUIRED}),
        "CloseDate": ("date", {REQUIRED}), "AccountId": ("reference:Account", set()),
        "Pricebook2Id": ("reference:Pricebook2", set()), "Amount": ("double", set()),
        "Description": ("string", set()), "Probability": ("double", set()),
        "IsWon": ("boolean", {READ_ONLY}), "IsClosed": ("boolean", {READ_ONLY}),
        "SyncedQuoteId": ("reference:Quote", {READ_ONLY})}),
    "OpportunityLineItem": ("00k", {
        "OpportunityId": ("reference:Opportunity", {REQUIRED, CREATE_ONLY}),
        "PricebookEntryId": ("reference:PricebookEntry", {CREATE_ONLY}),
        "Product2Id": ("reference:Product2", {CREATE_ONLY}),
        "Quantity": ("double", {REQUIRED}), "UnitPrice": ("double", set()),
        "TotalPrice": ("double", set()), "Discount": ("double", set()),
        "Description": ("string", set()), "ServiceDate": ("date", set())}),
    "Quote": ("0Q0", {
        "Name": ("string", {REQUIRED}),
        "OpportunityId": ("reference:Opportunity", {REQUIRED, CREATE_ONLY}),
        "AccountId": ("reference:Account", {READ_ONLY}), "Status": ("picklist", set()),
        "Pricebook2Id": ("reference:Pricebook2", set()),
        "ContactId": ("reference:Contact", set()), "ExpirationDate": ("date", set()),
        "Subtotal": ("double", {READ_ONLY}), "TotalPrice": ("double", {READ_ONLY}),
        "GrandTotal": ("double", {READ_ONLY})} | _strings("Email", "Phone", "Description")),
    "QuoteLineItem": ("0QL", {
        "QuoteId": ("reference:Quote", {REQUIRED, CREATE_ONLY}),
        "PricebookEntryId": ("reference:PricebookEntry", {REQUIRED, CREATE_ONLY}),
        "Product2Id": ("reference:Product2", {CREATE_ONLY}),
        "Quantity": ("double", {REQUIRED}), "UnitPrice": ("double", {REQUIRED}),
        "Discount": ("double", set()), "Description": ("string", set()),
        "TotalPrice": ("double", {READ_ONLY})}),
}
CUSTOM_FIELDS = {"Account": "Cin7_Customer_ID__c", "Product2": "Cin7_Product_ID__c",
                 "Contact": "Cin7_Contact_Key__c", "Opportunity": "Cin7_Sale_ID__c",
                 "OpportunityLineItem": "Cin7_Line_Key__c"}
# Further external ids an admin adds with the first (suppliers as vendor Accounts, CUS-11).
MORE_EXTERNAL = {"Account": ("Cin7_Supplier_ID__c",)}
# Plain custom fields an admin adds with the external ids (customers: Deprecated -> Inactive;
# every delivery address, a long text area).
CUSTOM_TEXT = {"Account": ("Cin7_Status__c", "Cin7_Delivery_Addresses__c"),
               "Contact": ("Cin7_Status__c",)}
# Fields an admin adds with the external id (the stock SyncDesk exports); not external ids.
CUSTOM_VALUES = {"Product2": {"Cin7_Stock_On_Hand__c": ("double", set()),
                              "Cin7_Stock_By_Location__c": ("string", set())}}
# Fields an admin may add for the richer product data (option salesforce_product_extras).
PRODUCT_EXTRAS = {"Cin7_Status__c": ("string", set()), "Cin7_Type__c": ("string", set()),
                  "Cin7_Brand__c": ("string", set()), "Cin7_Tags__c": ("string", set()),
                  "Cin7_Weight__c": ("double", set()), "Cin7_Average_Cost__c": ("double", set()),
                  "Cin7_Images__c": ("string", set())}
CHILDREN = {  # child relationship name -> (parent type, child type, child's reference field)
    "OpportunityLineItems": ("Opportunity", "OpportunityLineItem", "OpportunityId"),
    "QuoteLineItems": ("Quote", "QuoteLineItem", "QuoteId"),
    "Contacts": ("Account", "Contact", "AccountId"),
    "PricebookEntries": ("Product2", "PricebookEntry", "Product2Id"),
}
# The default org's opportunity stages: label -> (probability, closed, won).
STAGES = {
    "Prospecting": (10, False, False), "Qualification": (10, False, False),
    "Needs Analysis": (20, False, False), "Value Proposition": (50, False, False),
    "Id. Decision Makers": (60, False, False), "Perception Analysis": (70, False, False),
    "Proposal/Price Quote": (75, False, False), "Negotiation/Review": (90, False, False),
    "Closed Won": (100, True, True), "Closed Lost": (0, True, False),
}
QUOTE_STATUSES = ("Draft", "Needs Review", "In Review", "Approved", "Rejected", "Presented",
                  "Accepted", "Denied")
PICKLISTS = {("Opportunity", "StageName"): tuple(STAGES), ("Quote", "Status"): QUOTE_STATUSES}


def fields(org, sobject):
    """{name: (type, flags)} of `sobject` in this org (custom fields and currency included)."""
    found = dict(SYSTEM_FIELDS) | OBJECTS[sobject][1]
    custom = CUSTOM_FIELDS.get(sobject)
    if custom and org["cin7_fields"]:
        found[custom] = ("string", {EXTERNAL})
        found.update({name: ("string", {EXTERNAL}) for name in MORE_EXTERNAL.get(sobject, ())})
        found.update({name: ("string", set()) for name in CUSTOM_TEXT.get(sobject, ())})
        found.update(CUSTOM_VALUES.get(sobject, {}))
        if sobject == "Product2" and org.get("product_extras"):
            found.update(PRODUCT_EXTRAS)
    if sobject == "Account":  # the fields an admin added for the field mapping (CUS-6)
        found.update({name: (kind, set()) for name, kind in org.get("account_fields", {}).items()})
    if org["currencies"]:
        found["CurrencyIsoCode"] = ("picklist", {CREATE_ONLY} if sobject in (
            "PricebookEntry", "OpportunityLineItem", "QuoteLineItem") else set())
    return found


def externals(sobject):
    """SyncDesk's external-ID fields on `sobject` (all Unique when the org ticks it)."""
    first = CUSTOM_FIELDS.get(sobject)
    return ((first,) if first else ()) + MORE_EXTERNAL.get(sobject, ())


def unique(org, sobject, field):
    return field in externals(sobject) and org["unique_external_ids"]


def relationship(org, sobject, name):
    """The type a dotted parent name (`Account` of `Contact.Account.Name`) points to."""
    kind = fields(org, sobject).get(name + "Id", ("", set()))[0]
    return kind.split(":", 1)[1] if kind.startswith("reference:") else None


def index(org, sobject, field):
    """{lower-cased value: ids} of one field, built on first use and kept by every write, so
    a 10,000-product benchmark does not scan the org per record (a rollback drops them)."""
    indexes = org.setdefault("indexes", {})
    key = f"{sobject}.{field}"
    if key not in indexes:
        found = {}
        for record in org["records"][sobject].values():
            found.setdefault(value_key(record.get(field)), set()).add(record["Id"])
        indexes[key] = found
    return indexes[key]


def value_key(value):
    return str(value or "").lower()


# -- ids and times ------------------------------------------------------------------------

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_id(org, sobject):
    """An 18-character id: key prefix, pod "Sb", a counter, and the case-safe suffix."""
    org["next_id"] += 1
    n, digits = org["next_id"], ""
    while n:
        n, rest = divmod(n, 62)
        digits = _DIGITS[rest] + digits
    short = OBJECTS[sobject][0] + "Sb" + digits.rjust(10, "0")
    return short + suffix(short)


def type_of(record_id):
    """The sObject an id's key prefix names, or None."""
    prefix = str(record_id or "")[:3]
    return next((name for name, (key, _) in OBJECTS.items() if key == prefix), None)


def full_id(value):
    """The 18-character form of an id given in either form (the 15-character one is case-
    sensitive, so it is completed, not looked up case-insensitively)."""
    value = str(value or "")
    return value + suffix(value) if len(value) == 15 else value


def suffix(short):
    """Salesforce's 3-character checksum of the capitals in each 5-character chunk."""
    out = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, c in enumerate(short[start:start + 5]) if c.isupper())
        out += _SUFFIX[bits]
    return out


def stamp(moment=None):
    """'2013-05-20T20:49:32.000+0000', the form Salesforce writes datetimes in."""
    moment = (moment or clock.now()).astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_stamp(text):
    """A datetime from Salesforce's form or SOQL's literal (`2026-01-01T00:00:00Z`)."""
    text = str(text)
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    return clock.parse(text)
