"""Schemathesis hooks for OpenAPISchemathesisTests: make generated writes reach the server's
success responses, so their response schemas are checked too, and tally what was answered.

Loaded with SCHEMATHESIS_HOOKS=schemathesis_hooks (this folder on PYTHONPATH). Environment:

- INTAKE_OPEN311_API_KEY: a live read-write Open311 api_key. Every generated
  `POST /open311/v2/requests.json` body that has an `api_key` gets this one (a body generated
  without it, to test the refusal, is left alone).
- INTAKE_REPORT_IDS: comma-separated ids of reports that exist (filed before the run).
- INTAKE_STATES: comma-separated state keys of Forms/lifecycle.yaml.
- INTAKE_TALLY: a file that gets one line "METHOD PATH STATUS" per answered request.

Only schema-valid (positive) cases are steered, and only every second one (chosen by a CRC of
the generated data, so the run stays reproducible for a given --seed): the other half keeps the
generated values and exercises the refusals. Steering a write means: the Open311 POST gets a
complete, valid report around the generated location fields (a real service, parties, a date in
the past, texts without personal data) and reaches 201; a staff API write gets the id of a
report that exists (and, for `state`, one of the lifecycle's states and a final message to the
reporter, which a closed state requires) and reaches 200, or a documented 422 when the lifecycle
does not allow that step.
"""

import datetime
import os
import zlib

import schemathesis
from schemathesis.generation.modes import GenerationMode

API_KEY = os.environ.get("INTAKE_OPEN311_API_KEY", "")
REPORT_IDS = [i for i in os.environ.get("INTAKE_REPORT_IDS", "").split(",") if i]
STATES = [s for s in os.environ.get("INTAKE_STATES", "").split(",") if s]
TALLY = os.environ.get("INTAKE_TALLY")

# Services to file against, with parties of their region (Forms/regions/*.yaml).
SERVICES = [
    ("sthlm-lus", "stockholm", "region-stockholm", "solna-stad"),
    ("vet-inte-stockholm", "stockholm", "nacka-kommun", "region-stockholm"),
    ("orebro-utskrivning", "orebro", "region-orebro-lan", "orebro-kommun"),
]
# Generated Open311 fields the server accepts and ignores (a samverkansbrist has no place).
IGNORED = ("lat", "long", "address_string", "address_id", "device_id", "account_id", "media_url")


def _choice(case, salt):
    """A number from the generated data: the same case gives the same number for a given seed."""
    return zlib.crc32((salt + repr(case.body) + repr(case.path_parameters) + repr(case.query)).encode())


def _positive(case):
    meta = case.meta
    return meta is None or meta.generation.mode == GenerationMode.POSITIVE


@schemathesis.hook
def before_call(context, case, kwargs):
    method, path = case.method.upper(), case.operation.path
    if method != "POST":
        return
    if path == "/open311/v2/requests.json" and isinstance(case.body, dict):
        if "api_key" in case.body and API_KEY:
            case.body["api_key"] = API_KEY
        if not _positive(case) or _choice(case, "open311") % 2:
            return
        code, region, organisation, other = SERVICES[_choice(case, "service") % len(SERVICES)]
        yesterday = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).date().isoformat()
        body = {key: value for key, value in case.body.items() if key in IGNORED and isinstance(value, str)}
        body.update({
            "api_key": API_KEY, "service_code": code, "jurisdiction_id": region,
            "description": "Kommunen fick inget inskrivningsmeddelande innan utskrivningen.",
            "attribute[organisation]": organisation, "attribute[other_parties][]": other,
            "attribute[occurred_on]": yesterday,
            "attribute[expected]": "Meddelande inom ett dygn enligt överenskommelsen.",
        })
        case.body = body
    elif path.startswith("/api/v1/reports/{id}/") and REPORT_IDS:
        if not _positive(case) or _choice(case, "staff") % 2:
            return
        case.path_parameters = dict(case.path_parameters or {}, id=REPORT_IDS[_choice(case, "id") % len(REPORT_IDS)])
        if path.endswith("/state") and STATES and isinstance(case.body, dict):
            case.body = dict(case.body, state=STATES[_choice(case, "state") % len(STATES)],
                             message="Regionen och kommunen har gått igenom rutinen för inskrivningsmeddelanden.")


@schemathesis.hook
def after_call(context, case, response):
    if TALLY:
        with open(TALLY, "a", encoding="utf-8") as tally:
            tally.write(f"{case.method.upper()} {case.operation.path} {response.status_code}\n")
