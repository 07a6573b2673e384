"""Executing planned writes against the connected CRM: batch upserts and their outcomes.

Both CRMs upsert by a unique key SyncDesk writes (HubSpot's unique property, Salesforce's
external-ID field), so a retried batch or a lost link never makes a duplicate. Their
clients name the call's arguments in a different order; CALLS says how to call each.
"""

CALLS = {  # system -> (client, object type, {key: fields}, key field) -> WriteResult
    "hubspot": lambda client, kind, items, key: client.upsert(kind, items, key),
    "salesforce": lambda client, kind, items, key: client.upsert(kind, key, items),
}


def upsert(ctx, object_type, writes, system="hubspot"):
    """Upsert `writes` in batches grouped by their unique key; record each outcome."""
    by_property = {}
    for w in writes:
        by_property.setdefault(w.id_property, []).append(w)
    for id_property, group in by_property.items():
        result = CALLS[system](getattr(ctx, system), object_type,
                               {w.key: w.properties for w in group}, id_property)
        record(ctx, group, result, lambda w: w.key, system)


def record(ctx, writes, result, key_of, system="hubspot"):
    """Count what the CRM created or updated; a refused record fails alone, named."""
    for w in writes:
        key = key_of(w)
        if key in result.ok:
            w.remote_id, w.ok = result.ok[key].id, True
            w.created = key in result.created
            created = w.action == "create" and w.created
            ctx.progress.add(**{"created" if created else "updated": 1})
        else:
            said = ("", f"no answer from {getattr(ctx, system).api.system}")
            field, reason = result.failed.get(key, said)
            ctx.progress.result(w.record_id, w.label, w.action, "failed", field, reason)
