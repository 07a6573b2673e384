"""Who may start runs from Slack, and starting them (OPS-2)."""

import logging

from slack_sdk.errors import SlackApiError

from tasks import enqueue_run

log = logging.getLogger("syncdesk.bot")


def may_start(config, client, user_id, channel_id):
    """True when the user, the channel or one of the user's groups is on the allowed list.

    With no list configured at all, everyone in the workspace may (the README's default:
    a fresh install works at once; an admin narrows it with SLACK_ALLOWED_*).
    """
    lists = (config.slack_allowed_users, config.slack_allowed_channels,
             config.slack_allowed_usergroups)
    if not any(lists):
        return True
    if user_id in config.slack_allowed_users or channel_id in config.slack_allowed_channels:
        return True
    for group in config.slack_allowed_usergroups:
        try:
            members = client.usergroups_users_list(usergroup=group).get("users", [])
        except SlackApiError as exc:
            log.warning("could not read user group %s: %s", group, exc.response.get("error"))
            continue
        if user_id in members:
            return True
    return False


def who(user):
    """How a run records the person: '@ana' when Slack gave the name, else a mention."""
    name = user.get("username") or user.get("name") or user.get("user_name")
    return f"@{name}" if name else f"<@{user.get('id') or user.get('user_id')}>"


def start_run(entity, direction, trigger, who, channel, **options):
    """Queue a run that reports in `channel`; returns (run, queued?)."""
    return enqueue_run(entity, direction, trigger, who, channel=channel, **options)

