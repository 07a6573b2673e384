"""Settings (SET-1, SET-2, AUTO-1) and field mappings (CUS-6), as an admin changes them."""

from core import references, settings
from tests.web.conftest import text


def test_the_settings_page_shows_every_section(panel):
    page = text(panel.get("/settings/"))
    for heading in ("Directions", "Import defaults", "Export options", "Alerts", "Schedule"):
        assert f">{heading}" in page


def test_changing_a_direction_answers_with_the_section_only(panel):
    response = panel.post("/settings/directions", {"customers.direction": "import"}, htmx=True)
    body = text(response)
    assert settings.get("customers.direction") == "import"
    assert 'id="directions"' in body and "<html" not in body
    assert "customers: import" in body


def test_sales_forces_customers_and_products(panel):
    response = panel.post("/settings/directions",
                          {"sales.direction": "export", "customers.direction": "import",
                           "products.direction": "off"}, follow_redirects=True)
    assert [settings.get(f"{e}.direction") for e in ("sales", "customers", "products")] == \
        ["export"] * 3
    page = text(response)
    assert "customers and products follow the sales direction" in page
    assert page.count("follows sales") == 2  # the page shows them fixed as well


def test_the_server_refuses_a_direction_that_breaks_the_sales_rule(panel):
    settings.set("sales.direction", "export")
    body = text(panel.post("/settings/directions", {"customers.direction": "import"}, htmx=True))
    assert "sales sync is set to export: customers and products must follow it" in body
    assert settings.get("customers.direction") == "export"


def test_switching_sales_off_frees_the_others(panel):
    settings.set("sales.direction", "import")
    panel.post("/settings/directions", {"sales.direction": "off", "customers.direction": "export"})
    assert settings.get("sales.direction") == "off"
    assert settings.get("customers.direction") == "export"


def test_import_defaults_are_chosen_from_lists_read_from_cin7(panel):
    page = text(panel.get("/settings/"))
    assert "have not been read yet" in page
    response = panel.post("/settings/lists", follow_redirects=True)
    assert "reference names from Cin7 read" in text(response)  # a run's page
    tiers = references.names("price_tiers")
    assert "Wholesale" in tiers
    assert '<option value="Main Warehouse"' in text(panel.get("/settings/"))
    saved = panel.post("/settings/import", {"import.price_tier": "Wholesale",
                                            "import.location": "Main Warehouse",
                                            "import.product_type": "Service"},
                       follow_redirects=True)
    assert "Import settings saved." in text(saved)
    assert settings.get("import.price_tier") == "Wholesale"
    assert settings.get("import.product_type") == "Service"


def test_a_default_not_in_cin7s_list_is_refused(panel):
    panel.post("/settings/lists")
    response = panel.post("/settings/import", {"import.price_tier": "Typed by hand"},
                          follow_redirects=True)
    assert "Price tier: &#39;Typed by hand&#39; is not in Cin7&#39;s list" in text(response)
    assert settings.get("import.price_tier") == ""


def test_reading_lists_without_cin7_keys_says_why(panel, sandbox):
    sandbox.reset(cin7_application_key="changed")
    response = panel.post("/settings/lists", follow_redirects=True)
    assert "failed" in text(response) and "application key was refused" in text(response)


def test_schedule_alerts_and_export_options_are_saved(panel):
    panel.post("/settings/schedule", {"schedule.enabled": "on", "schedule.start_date": "2027-01-04",
                                      "schedule.start_time": "06:30", "schedule.frequency": "minutes",
                                      "schedule.every_minutes": "15",
                                      "schedule.timezone": "Europe/Paris",
                                      "schedule.daily_post_time": "08:00"})
    panel.post("/settings/alerts", {"slack.alerts_channel": "#sync-alerts"})
    panel.post("/settings/export", {"export.product_description": "full"})
    values = settings.all_settings()
    assert values["schedule.enabled"] is True and values["schedule.frequency"] == "minutes"
    assert values["schedule.timezone"] == "Europe/Paris" and values["schedule.every_minutes"] == 15
    assert values["slack.alerts_channel"] == "#sync-alerts"
    assert values["export.product_description"] == "full"
    assert values["import.create_products"] is True  # another section's box is untouched


def test_bad_schedule_values_are_refused_with_the_reason(panel):
    response = panel.post("/settings/schedule", {"schedule.start_time": "25:99",
                                                 "schedule.timezone": "Mars/Olympus",
                                                 "schedule.frequency": "hourly"},
                          follow_redirects=True)
    page = text(response)
    assert "Start time: expected a time like 08:00" in page
    assert "is not a time zone" in page
    assert "Frequency: expected one of 2h, 4h, 8h, 12h, daily, minutes" in page
    assert settings.get("schedule.timezone") == "UTC"


def test_a_mapping_is_added_and_removed(panel):
    body = text(panel.post("/mappings/add", {"field": "PriceTier", "property": "cin7_price_tier"},
                           htmx=True))
    assert "PriceTier → cin7_price_tier added" in body and "<html" not in body
    assert settings.get("customers.field_map") == [{"field": "PriceTier",
                                                     "property": "cin7_price_tier"}]
    assert "cin7_price_tier" in text(panel.get("/mappings/"))
    panel.post("/mappings/remove", {"property": "cin7_price_tier"})
    assert settings.get("customers.field_map") == []


def test_a_property_name_hubspot_would_reject_is_refused_with_the_reason(panel):
    body = text(panel.post("/mappings/add", {"field": "PriceTier", "property": "Price Tier!"},
                           htmx=True))
    assert "HubSpot would reject property name" in body
    assert "use lowercase letters, digits and underscores" in body
    assert 'value="Price Tier!"' in body  # what was typed stays in the field
    reserved = text(panel.post("/mappings/add", {"field": "Tags", "property": "hs_tags"},
                               htmx=True))
    assert "reserved by HubSpot" in reserved
    assert settings.get("customers.field_map") == []


def test_a_mapping_without_htmx_redirects_with_a_message(panel):
    response = panel.post("/mappings/add", {"field": "Tags", "property": "cin7_tags"},
                          follow_redirects=True)
    assert "Tags → cin7_tags added" in text(response)


def test_suppliers_export_is_an_export_option_off_by_default(panel):
    assert settings.get("suppliers.export") is False
    assert "Export Cin7 suppliers as Vendor companies" in text(panel.get("/settings/"))
    panel.post("/settings/export", {"export.product_description": "short",
                                    "suppliers.export": "on"})
    assert settings.get("suppliers.export") is True
    panel.post("/settings/export", {"export.product_description": "short"})
    assert settings.get("suppliers.export") is False


def test_with_salesforce_mappings_name_account_fields_by_salesforces_rules(panel):
    settings.set("crm", "salesforce")
    page = text(panel.get("/mappings/"))
    assert "Salesforce Account field" in page and "HubSpot" not in page
    assert 'placeholder="Cin7_Price_Tier__c"' in page and "Object Manager" in page
    for name, reason in (("cin7_price_tier", "ends in __c"),
                         ("Cin7__Tier__c", "single underscores"),
                         ("9Tier__c", "a letter"), ("Tier___c", "not ending in an underscore")):
        body = text(panel.post("/mappings/add", {"field": "PriceTier", "property": name},
                               htmx=True))
        assert f"Salesforce would reject field name &#39;{name}&#39;" in body, name
        assert reason in body, name
    body = text(panel.post("/mappings/add", {"field": "PriceTier",
                                             "property": "Cin7_Price_Tier__c"}, htmx=True))
    assert "PriceTier → Cin7_Price_Tier__c added; add the field to Account" in body
    assert settings.get("customers.field_map") == [{"field": "PriceTier",
                                                     "property": "Cin7_Price_Tier__c"}]
