"""`syncdesk joor match|upload|update|follow|status|pairs|confirm|reject`."""

import pytest
from click.testing import CliRunner

from core import schema
from web.cli import cli


@pytest.fixture
def run_cli(jconfig):
    env = {name.upper(): ",".join(value) if isinstance(value, list) else str(value)
           for name, value in vars(jconfig).items()}

    def invoke(*args):
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        schema.init(jconfig.database_url)  # the command bound the store itself
        return result

    return invoke


def test_match_prints_the_summary_and_the_pairs_to_review(run_cli, joor):
    result = run_cli("joor", "match")
    assert result.exit_code == 0, result.output
    assert "JOOR match finished" in result.output and "3 to review" in result.output
    assert "names" in result.output and "% alike" in result.output


def test_upload_then_status_shows_each_state(run_cli, joor):
    assert run_cli("joor", "upload").exit_code == 0
    joor.advance(2)
    assert "1 job(s) finished" in run_cli("joor", "follow").output
    status = run_cli("joor", "status").output
    assert "pending JOOR match" in status and "pairs to review     3" in status
    assert "last upload: #" in status


def test_confirm_and_reject_from_the_shell(run_cli, joor):
    run_cli("joor", "match")
    lines = run_cli("joor", "pairs").output.split("\n")
    first, second = [int(line.split()[0]) for line in lines if line[:6].strip().isdigit()][:2]
    assert "Linked" in run_cli("joor", "confirm", str(first)).output
    assert "are different" in run_cli("joor", "reject", str(second)).output
    assert "Already confirmed by cli" in run_cli("joor", "confirm", str(first)).output


def test_update_is_refused_when_switched_off(run_cli, joor):
    run_cli("settings", "set", "joor.update", "off")
    result = run_cli("joor", "update")
    assert result.exit_code == 2 and "JOOR update is off" in result.output
