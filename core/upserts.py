"""Executing planned writes against HubSpot: batch upserts and their per-record outcomes."""


def upsert(ctx, object_type, writes):
    """Upsert `writes` in batches grouped by their unique property; record each outcome."""
    by_property = {}
    for w in writes:
        by_property.setdefault(w.id_property, []).append(w)
    for id_property, group in by_property.items():
        result = ctx.hubspot.upsert(object_type, {w.key: w.properties for w in group}, id_property)
        record(ctx, group, result, lambda w: w.key)


def record(ctx, writes, result, key_of):
    """Count what HubSpot created or updated; a refused record fails alone, named."""
    for w in writes:
        key = key_of(w)
        if key in result.ok:
            w.remote_id, w.ok = result.ok[key].id, True
            created = w.action == "create" and key in result.created
            ctx.progress.add(**{"created" if created else "updated": 1})
        else:
            field, reason = result.failed.get(key, ("", "no answer from HubSpot"))
            ctx.progress.result(w.record_id, w.label, w.action, "failed", field, reason)
