"""`/match joor` and its buttons, through signed Slack requests into the bot's endpoint.

The worker (Huey, inline) runs the match and posts to the sandbox's fake Slack; the test
reads the channel as a person would and presses the buttons Slack would send back.
"""

from core.joor import review as joor_review
from core.joor.models import MatchProposal
from core.store import Link
from tests.joor.conftest import BEN


def buttons(message):
    return [e["action_id"] for b in message.get("blocks") or [] if b["type"] == "actions"
            for e in b["elements"]]


def text(message):
    parts = [message.get("text", "")]
    for block in message.get("blocks") or []:
        parts.append((block.get("text") or {}).get("text", ""))
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)
                  and isinstance(e.get("text"), str)]
    return "\n".join(parts)


def test_match_joor_answers_at_once_then_posts_the_summary_and_the_doubtful_pairs(
        slack_client, joor):
    answer = slack_client.command("joor")
    assert answer.status_code == 200
    assert "started a JOOR match" in answer.get_data(as_text=True)
    summary, *pairs = joor.slack()
    assert "linked" in summary["text"] and "3 to review" in summary["text"]
    assert "unmatched" in summary["text"]
    assert len(pairs) == 3
    for message in pairs:
        assert buttons(message) == ["joor_confirm", "joor_reject", "joor_next"]
        assert "Cin7:" in text(message) and "JOOR:" in text(message) and "%" in text(message)


def test_confirm_links_the_pair_and_the_message_says_so(slack_client, joor):
    slack_client.command("joor")
    _, first, *_ = joor.slack()
    assert slack_client.press(first, "joor_confirm").status_code == 200
    updated = next(m for m in joor.slack() if m["ts"] == first["ts"])
    assert "Linked" in text(updated) and "@ana" in text(updated)
    proposal = MatchProposal.get(MatchProposal.status == "confirmed")
    link = Link.get(Link.system == "joor", Link.cin7_id == proposal.cin7_id)
    assert link.remote_key == proposal.joor_code
    # the three pairs were all on show: nothing new to ask in its place
    assert "No more JOOR pairs to review" in text(updated) and buttons(updated) == []


def test_reject_and_another_one_decide_in_place_and_bring_the_next_pair(slack_client, joor):
    joor.reset(joor_doubtful=4)
    slack_client.command("joor")
    summary, first, second, third = joor.slack()  # three at a time
    assert "4 to review" in summary["text"]
    (waiting,) = joor_review.next_pairs(5, unasked=True)  # the fourth, not on show yet
    slack_client.press(second, "joor_reject")
    rejected = next(m for m in joor.slack() if m["ts"] == second["ts"])
    assert "are different" in text(rejected)
    assert buttons(rejected) == ["joor_confirm", "joor_reject", "joor_next"]
    assert f"`{waiting.joor_code}`" in text(rejected)  # the fourth pair took this message
    assert MatchProposal.select().where(MatchProposal.status == "rejected").count() == 1
    slack_client.press(third, "joor_next")
    later = next(m for m in joor.slack() if m["ts"] == third["ts"])
    assert "Asked again later" in text(later) and buttons(later)


def test_people_not_allowed_cannot_match_or_decide(slack_client, joor):
    answer = slack_client.command("joor", user=BEN)
    assert "Sorry" in answer.get_data(as_text=True)
    assert joor.slack() == []
    slack_client.command("joor")
    _, first, *_ = joor.slack()
    slack_client.press(first, "joor_confirm", user=BEN)
    assert MatchProposal.select().where(MatchProposal.status == "confirmed").count() == 0
    assert next(m for m in joor.slack() if m["ts"] == first["ts"])["text"] == first["text"]


def test_match_with_another_word_shows_the_help(slack_client, joor):
    answer = slack_client.command("hubspot")
    assert "/match joor" in answer.get_data(as_text=True)
    assert joor.slack() == []
