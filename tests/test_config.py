"""Configuration: one module reads the environment; a missing key is one clear line."""

import subprocess
import sys

import pytest

from core import config as configuration
from core.errors import ConfigError


def test_defaults_point_at_the_real_services():
    cfg = configuration.load({})
    assert cfg.cin7_base_url == "https://inventory.dearsystems.com/ExternalApi/v2/"
    assert cfg.hubspot_base_url == "https://api.hubapi.com"
    assert cfg.database_url.startswith("sqlite:///") and "instance" in cfg.database_url


def test_missing_key_names_the_key():
    with pytest.raises(ConfigError, match="CIN7_ACCOUNT_ID is not set"):
        configuration.load({}).require("cin7_account_id")


def test_secrets_are_masked_for_display():
    cfg = configuration.load({"HUBSPOT_TOKEN": "pat-na1-very-secret"})
    assert "pat-na1-very-secret" not in repr(cfg.safe())
    assert cfg.safe()["hubspot_token"] == "set"


def test_bad_number_is_a_clear_error():
    with pytest.raises(ConfigError, match="HUBSPOT_CALLS_PER_10S must be a number"):
        configuration.load({"HUBSPOT_CALLS_PER_10S": "lots"})


def test_cli_prints_one_line_for_a_missing_key(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin",
           "SYNCDESK_DOTENV": "",
           "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", "check"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert "Traceback" not in proc.stderr
    assert "CIN7_ACCOUNT_ID" in proc.stdout + proc.stderr
