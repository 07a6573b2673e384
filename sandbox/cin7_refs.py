"""Cin7 Core reference books (price tiers, locations, payment terms, ...) and GET /me.

Field names and list keys follow the portal's examples in specs/cin7-core/openapi.yaml.
Customers and products refer to these entries by name, so the seed generators pick names from
here.
"""

import uuid

NAMESPACE = uuid.UUID("6f1c1f0e-6a1c-4c2e-9a51-0c1d2e3f4a5b")


def guid(kind, name):
    """A stable GUID per entry, so ids survive a reset."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


# The tenant renamed its first tiers, as real tenants do; customers store the name.
PRICE_TIER_NAMES = ["Wholesale", "Retail", "Distributor"] + [f"Tier {i}" for i in range(4, 11)]

PAYMENT_TERMS = [  # name, duration, method
    ("30 days", 30, "number of days"),
    ("14 days", 14, "number of days"),
    ("7 days", 7, "number of days"),
    ("COD", 0, "number of days"),
    ("20th of next month", 20, "day of next month"),
    ("Last day of next month", 0, "last day of next month"),
    ("10 days since end of month", 10, "days since the end of the month"),
]

TAX_RULES = [  # name, percent
    ("Tax Exempt", 0), ("Sales Tax", 8.25), ("GST on Income", 10), ("GST Free Exports", 0),
    ("VAT 20%", 20), ("VAT Exempt", 0), ("GST 15%", 15), ("HST 13%", 13),
]

LOCATIONS = ["Main Warehouse", "East Coast DC", "Melbourne 3PL", "Auckland Store"]

CARRIERS = ["DEFAULT Carrier", "DHL Express", "FedEx Ground", "UPS Standard", "Australia Post",
            "NZ Post", "Royal Mail"]

ACCOUNTS = [  # code, name, type, class, system account
    ("090", "Business Bank Account", "BANK", "ASSET", None),
    ("200", "Sales", "REVENUE", "REVENUE", None),
    ("260", "Other Revenue", "REVENUE", "REVENUE", None),
    ("400", "Advertising", "EXPENSE", "EXPENSE", None),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "DEBTORS"),
    ("630", "Inventory", "INVENTORY", "ASSET", "INVENTORY"),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "CREDITORS"),
    ("820", "Sales Tax", "CURRLIAB", "LIABILITY", "GST"),
]

CATEGORIES = ["Apparel", "Footwear", "Accessories", "Outdoor", "Homewares", "Gift Cards"]

BRANDS = ["Harbourside", "Linen & Loom", "Tidewater", "Northbound", "Saltmarsh Home",
          "Kettle & Wick"]

UNITS = ["Item", "Pair", "Set", "Pack"]  # products' UOM must be one of these


def price_tiers():
    return [{"Code": i + 1, "Name": name} for i, name in enumerate(PRICE_TIER_NAMES)]


def locations():
    return [{
        "ID": guid("location", name), "Name": name, "IsDefault": i == 0, "IsDeprecated": False,
        "ParentID": None, "ParentName": None, "Bins": None, "FixedAssetsLocation": False,
        "IsShopfloor": False, "IsCoMan": False, "IsStaging": False, "PickZones": None,
        "ReferenceCount": 0, "AddressLine1": "", "AddressLine2": "", "AddressCitySuburb": "",
        "AddressStateProvince": "", "AddressZipPostCode": "", "AddressCountry": "",
    } for i, name in enumerate(LOCATIONS)]


def payment_terms():
    return [{"ID": guid("paymentterm", name), "Name": name, "Duration": days, "Method": method,
             "IsActive": True, "IsDefault": name == "30 days"}
            for name, days, method in PAYMENT_TERMS]


def tax_rules():
    return [{
        "ID": guid("tax", name), "Name": name, "Account": "820", "IsActive": True,
        "TaxInclusive": False, "TaxPercent": percent, "IsTaxForSale": True,
        "IsTaxForPurchase": percent == 0,
        "Components": [{"ID": guid("taxcomponent", name), "Name": name,
                        "Percent": f"{percent:.10f}", "AccountCode": "820",
                        "ComponentOrder": "1", "Compound": "0"}],
    } for name, percent in TAX_RULES]


def carriers():
    return [{"CarrierID": guid("carrier", name), "Description": name} for name in CARRIERS]


def accounts():
    return [{
        "Code": code, "Name": name, "Type": kind, "Class": klass, "Status": "ACTIVE",
        "Description": "", "DisplayName": f"{code}: {name}", "ForPayments": kind == "BANK",
        "BankAccountId": None, "BankAccountNumber": None, "OldCode": None, "SystemAccount": system,
    } for code, name, kind, klass, system in ACCOUNTS]


def categories():
    return [{"ID": guid("category", name), "Name": name} for name in CATEGORIES]


def brands():
    return [{"ID": guid("brand", name), "Name": name} for name in BRANDS]


def units():
    return [{"ID": guid("unit", name), "Name": name} for name in UNITS]


def me():
    return {
        "Company": "Harbourside Wholesale Co.", "Currency": "USD", "TimeZone": "America/New_York",
        "DefaultWeightUnits": "kg", "DefaultDimensionsUnits": "cm", "LockDate": None,
        "OpeningBalanceDate": "2023-01-01T00:00:00", "TaxCalculationMethod": "Total",
        "DefaultSaleTaxRuleId": guid("tax", "Sales Tax"), "DefaultSaleTaxRuleName": "Sales Tax",
        "DiscountRule": "Discount", "AutomaticallyApplyDiscounts": False,
        "ApplyCustomerDiscountsAfterOtherDiscounts": True, "MaximumDecimalPlacesInQuantity": "N2",
        "RoundingTable": [],
    }


def books():
    """Every reference book, as the GET endpoints return their items."""
    return {"priceTier": price_tiers(), "location": locations(), "paymentterm": payment_terms(),
            "tax": tax_rules(), "carrier": carriers(), "account": accounts(),
            "category": categories(), "brand": brands(), "unit": units()}


def names(items, field="Name"):
    """Case-insensitive lookup: lower-cased name -> name as stored."""
    return {str(i[field]).lower(): i[field] for i in items}
