"""The JOOR simulator answers like JOOR v2: auth, envelope, paging, jobs over time, credits."""

import requests

from tests.joor.conftest import api_headers


def get(joor, path, **params):
    return requests.get(f"{joor.url}/joor/v2/{path}", params=params, headers=api_headers(),
                        timeout=10)


def post_job(joor, connections, token=None):
    return requests.post(f"{joor.url}/joor/v2/bulk-connection", headers=api_headers(token)
                         if token else api_headers(),
                         json={"bulk_connections": {"connection": connections}}, timeout=10)


def test_connections_are_read_page_by_page_with_the_v2_envelope(joor):
    seen, start = [], 0
    while start is not None:
        body = get(joor, "connection/", start_from=start, count=5).json()["connections"]
        assert body["response"]["code"] == 0
        seen += body["connections"]
        start = body["response"]["next_start"]
    assert len(seen) == len(joor.connections()) > 5
    assert not any(key.startswith("_") for c in seen for key in c)  # no labels leak


def test_a_wrong_token_or_scheme_is_refused(joor):
    bad = requests.get(f"{joor.url}/joor/v2/connection/",
                       headers={"Authorization": "Bearer joor-sandbox-token"}, timeout=10)
    assert bad.status_code == 401
    assert bad.json()["error"]["response"]["comment"] == "Invalid or missing API token"
    assert get(joor, "connection/").status_code == 200


def test_a_bulk_job_moves_from_queued_to_finished_and_upserts_by_customer_code(joor):
    job = post_job(joor, [{"customer_code": "C-1", "customer_name": "Harbour Outfitters"}])
    job_id = job.json()["bulk_connections"]["bulk_connections_jobs"][0]["bulk_connections_job_id"]
    status = lambda: get(joor, f"bulk-connection/{job_id}").json()[  # noqa: E731
        "bulk_connections"]["bulk_connections_jobs"][0]["status"]
    assert status() == "queued"
    joor.advance(1.0)
    assert status() == "started"
    joor.advance(1.0)
    assert status() == "finished"
    post_job(joor, [{"customer_code": "C-1", "customer_name": "Harbour Outfitters Ltd"}])
    joor.advance(5)
    same = [c for c in joor.connections() if c["customer_code"] == "C-1"]
    assert len(same) == 1 and same[0]["customer_alias"] == "Harbour Outfitters Ltd"


def test_a_new_connection_waits_for_joor_staff_then_is_connected_or_rejected(joor):
    post_job(joor, [{"customer_code": "C-2", "customer_name": "Bluebird Goods"},
                    {"customer_code": "C-3", "customer_name": "Sample test shop"}])
    joor.advance(2)
    by_code = {c["customer_code"]: c for c in joor.connections()}
    assert by_code["C-2"]["connection_status"] == "pending"
    joor.advance(3600)
    by_code = {c["customer_code"]: c for c in joor.connections()}
    assert by_code["C-2"]["connection_status"] == "connected"
    assert by_code["C-2"]["customer_account_id"]
    assert by_code["C-3"]["connection_status"] == "rejected"


def test_records_joor_refuses_are_listed_on_the_finished_job(joor):
    post_job(joor, [{"customer_code": "C-4", "customer_name": "Good one"},
                    {"customer_code": "C-5", "customer_name": "Bad e-mail",
                     "customer_contact_email": "nobody"}])
    joor.advance(2)
    (job,) = joor.jobs()
    assert job["status"] == "finished"
    assert [e["customer_code"] for e in job["connection_record_errors"]] == ["C-5"]


def test_credits_run_out_in_a_fixed_window_with_429_then_refill(joor):
    joor.reset(joor_credits=12, joor_window_seconds=300)
    assert post_job(joor, [{"customer_code": "X", "customer_name": "X"}]).status_code == 200
    assert post_job(joor, [{"customer_code": "Y", "customer_name": "Y"}]).status_code == 200
    statuses = [get(joor, "connection/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # 5 + 5 + 1 + 1 = 12 credits
    assert get(joor, "connection/").json()["error"]["response"]["code"] == 429
    joor.advance(300)
    assert get(joor, "connection/").status_code == 200
