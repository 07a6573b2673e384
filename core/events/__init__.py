"""Outgoing event webhooks (EXT-4): what SyncDesk tells Zapier, n8n or any receiver.

- `models`: the Endpoint and Delivery tables.
- `shapes`: the event types and their JSON, derived from a run once it has ended.
- `urls`: the check an endpoint's URL passes on save and before every attempt.
- `endpoints`: adding, changing and listing endpoints; secrets encrypted, shown once.
- `delivery`: queuing an event for each endpoint, one signed attempt (Standard Webhooks),
  the retry schedule and what a failed day does to an endpoint.

No Huey here: tasks/events.py queues the attempts and schedules the retries.
"""
