"""Faults a test can switch on: the next N requests (or a random share) misbehave.

A fault is a dict {"system", "kind", "count", "status", "delay", "path", "method", "rate",
...} ("path": part of the request's path; "method": only requests of that method):
- throttle: the system's own throttle answer (HubSpot 429 TEN_SECONDLY_ROLLING with
  Retry-After "retry_after", default 1; Cin7 429, or 503 when "status": 503, with
  "You reached 60 calls per minute API limit").
- error: the given status (default 500) with the system's error body ("body" replaces it);
  HubSpot 477 adds Retry-After ("retry_after", default 2).
- timeout: wait "delay" seconds (default 30) and answer 504 without doing the work.
- slow: wait "delay" seconds (default 2), then do the work and answer normally, so a
  client that gave up still changed the data (the case retries must be safe for).
- landed: do the work, then answer "status" (default 502) as if it failed: the write landed
  but the client cannot know (the case a retry must not duplicate).
- late: do the work, then answer normally only after "delay" seconds (default 2), the state
  lock released meanwhile: a client killed (or timed out) while waiting changed the data
  without knowing it (the case "kill between the POST and the link").
- storm: a share "rate" of requests (seeded random) is throttled until the faults are cleared;
  "every": N throttles exactly every Nth request instead (2: every other call).
"""

from flask import after_this_request, g, make_response, request

from sandbox import state

KINDS = ("throttle", "error", "timeout", "slow", "storm", "landed", "late")
DEFAULT_DELAY = {"timeout": 30.0, "slow": 2.0, "late": 2.0}


def add(sandbox, spec):
    """Validate and store one fault; raises ValueError with a readable reason."""
    if not isinstance(spec, dict):
        raise ValueError("the body must be a JSON object")
    system, kind = spec.get("system"), spec.get("kind")
    if system not in sandbox.systems:
        raise ValueError(f"system must be one of {sorted(sandbox.systems)}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}")
    fault = dict(spec)
    fault["count"] = None if kind == "storm" and "count" not in spec else int(spec.get("count", 1))
    if fault["count"] is not None and fault["count"] < 1:
        raise ValueError("count must be at least 1")
    if kind == "storm":
        fault["rate"] = float(spec.get("rate", 0.5))
        if not 0 <= fault["rate"] <= 1:
            raise ValueError("rate must be between 0 and 1")
        if "every" in spec:
            fault["every"], fault["seen"] = int(spec["every"]), 0
            if fault["every"] < 1:
                raise ValueError("every must be at least 1")
    if kind in DEFAULT_DELAY:
        fault["delay"] = float(spec.get("delay", DEFAULT_DELAY[kind]))
    if "status" in spec:
        fault["status"] = int(spec["status"])
    with sandbox.lock:
        sandbox.faults.append(fault)
    return fault


def clear(sandbox, system=None):
    with sandbox.lock:
        sandbox.faults = [f for f in sandbox.faults if system and f["system"] != system]


def take(sandbox, system, path):
    """The fault this request gets, if any (counted faults first, then storms)."""
    with sandbox.lock:
        for fault in list(sandbox.faults):
            if fault["system"] != system or fault["kind"] == "storm":
                continue
            if fault.get("path") and fault["path"] not in path:
                continue
            if fault.get("method") and fault["method"].upper() != request.method:
                continue
            fault["count"] -= 1
            if fault["count"] <= 0:
                sandbox.faults.remove(fault)
            return fault
        for fault in sandbox.faults:
            if fault["system"] == system and fault["kind"] == "storm" and (
                    not fault.get("path") or fault["path"] in path):
                if fault["count"] is not None and fault["count"] <= 0:
                    continue
                if "every" in fault:
                    fault["seen"] += 1
                    hit = fault["seen"] % fault["every"] == 0
                else:
                    hit = sandbox.rng.random() < fault["rate"]
                if hit:
                    if fault["count"] is not None:
                        fault["count"] -= 1
                    return {**fault, "kind": "throttle"}
    return None


def _late(sandbox, response, delay):
    state.release_lock()  # the work is done: let other requests see it while we wait
    sandbox.sleep(delay)
    return response


def apply(sandbox, fault, throttle, error):
    """The response a fault forces, or None to carry on (after any delay).

    `throttle(fault)` and `error(fault, status)` build the system's own answers.
    """
    kind = fault["kind"]
    if kind == "throttle":
        g.sandbox_throttled = True
        return throttle(fault)
    if kind == "error":
        return error(fault, fault.get("status", 500))
    if kind == "landed":
        after_this_request(lambda _done: make_response(error(fault, fault.get("status", 502))))
        return None
    if kind == "late":
        after_this_request(lambda done: _late(sandbox, done, fault["delay"]))
        return None
    sandbox.sleep(fault["delay"])  # outside the state lock: other requests go on
    if kind == "timeout":
        return error(fault, fault.get("status", 504))
    return None
