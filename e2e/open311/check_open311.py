#!/usr/bin/env python3
# Open311 GeoReport v2 conformance checker.
#
# This is an independent HTTP client written only against the published
# specification -- https://wiki.open311.org/GeoReport_v2 and
# https://wiki.open311.org/Service_Discovery (JSON shape: the "Spark
# convention" on https://wiki.open311.org/JSON_and_XML_Conversion) -- to check
# a server from the outside. It deliberately knows nothing about any server
# implementation. Standard library only (Python 3.11+).
#
# Usage:
#   python3 e2e/open311/check_open311.py --base http://127.0.0.1:PORT/open311/v2 \
#       --api-key KEY [--discovery URL] [--jurisdiction ID]
#
# Prints one line per check (PASS / FAIL / SKIP / WARN) and exits 0 only when
# no check failed. Note: it creates real service requests on the server.
"""Open311 GeoReport v2 conformance checker (standard library only)."""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("xml", "json")
MEDIA_TYPES = {"xml": ("text/xml", "application/xml"), "json": ("application/json",)}
FORMAT_MIME = {"xml": "text/xml", "json": "application/json"}

SERVICE_TYPES = ("realtime", "batch", "blackbox")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
STATUSES = ("open", "closed")
DATE_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")
DEFAULT_LIMIT_DAYS = 90
DEFAULT_LIMIT_COUNT = 1000


# ---------------------------------------------------------------------------
# Document schemas: the element names exactly as the specification spells them.
# LEAF is a text element; ListOf is a container of repeated child elements
# (an array in JSON, per the Spark convention); a dict is an element/object
# with named children.
# ---------------------------------------------------------------------------

LEAF = None


@dataclass(frozen=True)
class ListOf:
    item: str
    schema: Any


SERVICE = {f: LEAF for f in (
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group")}
VALUE = {"key": LEAF, "name": LEAF}
ATTRIBUTE = {**{f: LEAF for f in (
    "variable", "code", "datatype", "required", "datatype_description", "order", "description")},
    "values": ListOf("value", VALUE)}
SERVICE_DEFINITION = {"service_code": LEAF, "attributes": ListOf("attribute", ATTRIBUTE)}
REQUEST = {f: LEAF for f in (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")}
POST_RESULT = {f: LEAF for f in ("service_request_id", "token", "service_notice", "account_id")}
TOKEN_RESULT = {f: LEAF for f in ("service_request_id", "token")}
ERROR = {"code": LEAF, "description": LEAF}
ENDPOINT = {**{f: LEAF for f in ("specification", "url", "changeset", "type")},
            "formats": ListOf("format", LEAF)}
DISCOVERY = {"changeset": LEAF, "contact": LEAF, "key_service": LEAF,
             "endpoints": ListOf("endpoint", ENDPOINT)}

# Root element name -> schema of the root.
SERVICES_DOC = ("services", ListOf("service", SERVICE))
DEFINITION_DOC = ("service_definition", SERVICE_DEFINITION)
REQUESTS_DOC = ("service_requests", ListOf("request", REQUEST))
POST_DOC = ("service_requests", ListOf("request", POST_RESULT))
TOKEN_DOC = ("service_requests", ListOf("request", TOKEN_RESULT))
ERRORS_DOC = ("errors", ListOf("error", ERROR))
DISCOVERY_DOC = ("discovery", DISCOVERY)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

class Report:
    """Collects one result line per check."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "WARN": 0}
        self.foreign: set[str] = set()

    def line(self, status: str, name: str, reason: str) -> None:
        self.counts[status] += 1
        print(f"{status} {name}: {reason}" if reason else f"{status} {name}", flush=True)

    def check(self, name: str, problems: list[str], ok_reason: str = "") -> bool:
        if problems:
            shown = "; ".join(problems[:6])
            more = f" (+{len(problems) - 6} more)" if len(problems) > 6 else ""
            self.line("FAIL", name, shown + more)
            return False
        self.line("PASS", name, ok_reason)
        return True

    def skip(self, name: str, reason: str) -> None:
        self.line("SKIP", name, reason)

    def note_foreign(self, fmt: str, path: str) -> None:
        self.foreign.add(f"[{fmt}] {path}")

    def finish(self) -> int:
        if self.foreign:
            status = "FAIL" if self.strict else "WARN"
            self.line(status, "foreign elements/keys (spec: 'do not include foreign tags')",
                      ", ".join(sorted(self.foreign)[:20]))
        else:
            self.line("PASS", "foreign elements/keys", "none outside the spec vocabulary")
        c = self.counts
        print(f"\n{c['PASS']} passed, {c['FAIL']} failed, {c['SKIP']} skipped, {c['WARN']} warnings")
        return 1 if c["FAIL"] else 0


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

@dataclass
class Response:
    method: str
    url: str
    status: int
    headers: Message
    body: bytes
    error: str = ""

    def describe(self) -> str:
        if self.error:
            return f"{self.method} {self.url} failed: {self.error}"
        return f"HTTP {self.status}, body: {snippet(self.body)}"


def snippet(body: bytes, limit: int = 160) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def http_call(method: str, url: str, form: list[tuple[str, str]] | None, timeout: float) -> Response:
    headers = {"User-Agent": "open311-spec-checker/1.0", "Accept": "*/*"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(method, url, r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Response(method, url, e.code, e.headers, e.read())
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        return Response(method, url, 0, Message(), b"", error=str(e))


# ---------------------------------------------------------------------------
# Body parsing: strict XML / JSON and conversion to plain Python values
# ---------------------------------------------------------------------------

XML_DECL = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml\s[^>]*?encoding\s*=\s*([\"'])utf-8\1[^>]*\?>", re.I)


def content_type_problems(resp: Response, fmt: str) -> list[str]:
    value = resp.headers.get("Content-Type", "")
    parts = [p.strip() for p in value.split(";")]
    media = parts[0].lower()
    problems = []
    if media not in MEDIA_TYPES[fmt]:
        problems.append(f"Content-Type {value!r}, expected {' or '.join(MEDIA_TYPES[fmt])}")
    for param in parts[1:]:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip().strip('"').lower() != "utf-8":
            problems.append(f"Content-Type charset {val!r}, UTF-8 is required")
    return problems


def parse_body(resp: Response, fmt: str) -> tuple[Any, list[str]]:
    """Returns (ET.Element or JSON value, problems)."""
    if fmt == "xml":
        if not XML_DECL.match(resp.body):
            return None, [f"body does not start with an XML declaration with encoding=\"UTF-8\": "
                          f"{snippet(resp.body, 80)}"]
        try:
            return ET.fromstring(resp.body), []
        except ET.ParseError as e:
            return None, [f"XML not well-formed: {e}"]
    try:
        return json.loads(resp.body.decode("utf-8")), []
    except UnicodeDecodeError as e:
        return None, [f"JSON body is not UTF-8: {e}"]
    except json.JSONDecodeError as e:
        return None, [f"JSON not parseable: {e}: {snippet(resp.body, 80)}"]


def local_name(tag: str) -> str:
    """Element name; the spec's own URL is the only namespace it tolerates."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return name if ns.rstrip("/") == SPEC_URL else tag
    return tag


def xml_to_py(elem: ET.Element, schema: Any, path: str, fmt: str,
              report: Report, problems: list[str]) -> Any:
    """Converts an element by the schema: LEAF -> str, ListOf -> list, dict -> dict."""
    if schema is LEAF:
        if len(elem):
            problems.append(f"{path} must be a text element, has child elements")
        return elem.text or ""
    if isinstance(schema, ListOf):
        items = []
        for child in elem:
            name = local_name(child.tag)
            if name != schema.item:
                problems.append(f"{path} contains <{name}>, expected only <{schema.item}>")
                continue
            items.append(xml_to_py(child, schema.schema, f"{path}/{name}", fmt, report, problems))
        if (elem.text or "").strip():
            problems.append(f"{path} has stray text")
        return items
    obj: dict[str, Any] = {}
    for child in elem:
        name = local_name(child.tag)
        if name in obj:
            problems.append(f"{path} has <{name}> more than once")
        if name not in schema:
            report.note_foreign(fmt, f"{path}/{name}")
            obj[name] = child.text or ""
            continue
        obj[name] = xml_to_py(child, schema[name], f"{path}/{name}", fmt, report, problems)
    return obj


def json_to_py(value: Any, schema: Any, path: str, fmt: str,
               report: Report, problems: list[str]) -> Any:
    """Checks a JSON value against the schema (Spark convention) and returns it."""
    if schema is LEAF:
        if isinstance(value, (dict, list)):
            problems.append(f"{path} must be a scalar, got {type(value).__name__}")
        return value
    if isinstance(schema, ListOf):
        if value is None:  # an empty container becomes null
            return []
        if not isinstance(value, list):
            problems.append(f"{path} must be an array, got {type(value).__name__}")
            return []
        return [json_to_py(v, schema.schema, f"{path}[{i}]", fmt, report, problems)
                for i, v in enumerate(value)]
    if not isinstance(value, dict):
        problems.append(f"{path} must be an object, got {type(value).__name__}")
        return {}
    out = {}
    for key, val in value.items():
        if key not in schema:
            report.note_foreign(fmt, f"{path}.{key}")
            out[key] = val
            continue
        out[key] = json_to_py(val, schema[key], f"{path}.{key}", fmt, report, problems)
    return out


def to_document(resp: Response, fmt: str, doc: tuple[str, Any], report: Report) -> tuple[Any, list[str]]:
    """Content-Type, syntax, root element and schema of one response body."""
    root_name, schema = doc
    problems = content_type_problems(resp, fmt)
    parsed, parse_problems = parse_body(resp, fmt)
    problems += parse_problems
    if parsed is None:
        return None, problems
    if fmt == "xml":
        name = local_name(parsed.tag)
        if name != root_name:
            problems.append(f"root element <{name}>, expected <{root_name}>")
            return None, problems
        return xml_to_py(parsed, schema, root_name, fmt, report, problems), problems
    return json_to_py(parsed, schema, root_name, fmt, report, problems), problems


# ---------------------------------------------------------------------------
# Typed field helpers (XML leaves are strings; JSON leaves are typed values)
# ---------------------------------------------------------------------------

def text(value: Any) -> str:
    """A leaf as text: None -> '', booleans as true/false, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def missing_fields(rec: dict, fields: tuple[str, ...], where: str) -> list[str]:
    return [f"{where}: <{f}> missing" for f in fields if f not in rec]


def empty_fields(rec: dict, fields: tuple[str, ...], where: str) -> list[str]:
    return [f"{where}: <{f}> is empty" for f in fields if f in rec and not text(rec[f]).strip()]


def bool_problem(rec: dict, name: str, fmt: str, where: str) -> list[str]:
    if name not in rec:
        return []
    v = rec[name]
    ok = isinstance(v, bool) if fmt == "json" else v in ("true", "false")
    return [] if ok else [f"{where}: {name}={v!r} is not the boolean true/false"]


def number_value(v: Any, fmt: str) -> float | None:
    if fmt == "json":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def id_problem(rec: dict, name: str, fmt: str, where: str) -> list[str]:
    """Identifiers: non-empty text; in JSON a string or an integer."""
    if name not in rec:
        return []
    v = rec[name]
    if fmt == "json" and (isinstance(v, bool) or not isinstance(v, (str, int))):
        return [f"{where}: {name}={v!r} must be a string or integer"]
    return [] if text(v).strip() else [f"{where}: <{name}> is empty"]


def string_problem(rec: dict, names: tuple[str, ...], fmt: str, where: str) -> list[str]:
    """In JSON, free-text fields are strings, or null when empty."""
    if fmt != "json":
        return []
    return [f"{where}: {n}={rec[n]!r} must be a string or null"
            for n in names if n in rec and rec[n] is not None and not isinstance(rec[n], str)]


# ---------------------------------------------------------------------------
# Dates: "a common subset of ISO 8601 as per the w3 note. Timezone information
# (either Z meaning UTC, or an HH:MM offset from UTC) must be included."
# ---------------------------------------------------------------------------

W3_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def parse_w3(value: str) -> dt.datetime | None:
    m = W3_DATETIME.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, tz = m.groups()
    try:
        offset = dt.timedelta(0)
        if tz != "Z":
            sign = -1 if tz[0] == "-" else 1
            hh, mm = int(tz[1:3]), int(tz[4:6])
            if hh > 23 or mm > 59:
                return None
            offset = sign * dt.timedelta(hours=hh, minutes=mm)
        micro = int((frac[1:] + "000000")[:6]) if frac else 0
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                           int(second or 0), micro, tzinfo=dt.timezone(offset))
    except ValueError:
        return None


def w3(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class DateAudit:
    """Every date seen in every response, for the summary check."""

    def __init__(self) -> None:
        self.seen = 0
        self.bad: list[str] = []

    def check(self, value: Any, fmt: str, where: str) -> list[str]:
        self.seen += 1
        if fmt == "json" and not isinstance(value, str):
            problem = f"{where}={value!r} is not a string"
        elif parse_w3(text(value)) is None:
            problem = f"{where}={text(value)!r} is not ISO 8601 (w3) with a timezone"
        else:
            return []
        self.bad.append(f"[{fmt}] {problem}")
        return [problem]


# ---------------------------------------------------------------------------
# Record validators
# ---------------------------------------------------------------------------

def validate_service(rec: dict, fmt: str, where: str) -> list[str]:
    p = missing_fields(rec, tuple(SERVICE), where)
    p += id_problem(rec, "service_code", fmt, where)
    p += empty_fields(rec, ("service_name", "metadata", "type"), where)
    p += bool_problem(rec, "metadata", fmt, where)
    p += string_problem(rec, ("service_name", "description", "keywords", "group", "type"), fmt, where)
    if "type" in rec and rec["type"] not in SERVICE_TYPES:
        p.append(f"{where}: type={rec['type']!r}, expected one of {'|'.join(SERVICE_TYPES)}")
    return p


def validate_attribute(attr: dict, fmt: str, where: str) -> list[str]:
    required = ("variable", "code", "datatype", "required", "datatype_description", "order",
                "description")
    p = missing_fields(attr, required, where)
    p += id_problem(attr, "code", fmt, where)
    p += bool_problem(attr, "variable", fmt, where)
    p += bool_problem(attr, "required", fmt, where)
    p += string_problem(attr, ("datatype_description", "description"), fmt, where)
    datatype = attr.get("datatype")
    if "datatype" in attr and datatype not in DATATYPES:
        p.append(f"{where}: datatype={datatype!r}, expected one of {'|'.join(DATATYPES)}")
    if "order" in attr:
        order = number_value(attr["order"], fmt)
        if order is None or order != int(order) or order < 1 or (
                fmt == "xml" and not text(attr["order"]).strip().isdigit()):
            p.append(f"{where}: order={attr['order']!r} is not a positive integer")
    values = attr.get("values", [])
    if datatype in LIST_DATATYPES:
        if not values:
            p.append(f"{where}: {datatype} without <values><value>")
        keys = []
        for j, value in enumerate(values):
            vwhere = f"{where}/values/value[{j + 1}]"
            p += missing_fields(value, ("key", "name"), vwhere)
            p += id_problem(value, "key", fmt, vwhere)
            p += empty_fields(value, ("name",), vwhere)
            keys.append(text(value.get("key")))
        if len(set(keys)) != len(keys):
            p.append(f"{where}: value keys are not unique: {keys}")
    elif values:
        p.append(f"{where}: datatype {datatype!r} has <values> (only list types have them)")
    return p


def validate_definition(defn: dict, code: str, fmt: str) -> list[str]:
    where = f"service_definition({code})"
    p = missing_fields(defn, ("service_code", "attributes"), where)
    if "service_code" in defn and text(defn["service_code"]) != code:
        p.append(f"{where}: service_code={text(defn['service_code'])!r}, expected the one requested")
    attrs = defn.get("attributes", [])
    if not attrs:
        p.append(f"{where}: metadata=true but no <attributes><attribute>")
    orders, codes = [], []
    for i, attr in enumerate(attrs):
        p += validate_attribute(attr, fmt, f"{where}/attribute[{i + 1}]")
        orders.append(text(attr.get("order")))
        codes.append(text(attr.get("code")))
    if len(set(orders)) != len(orders):
        p.append(f"{where}: attribute order values are not unique: {orders}")
    if len(set(codes)) != len(codes):
        p.append(f"{where}: attribute codes are not unique: {codes}")
    return p


def validate_request(rec: dict, fmt: str, where: str, dates: DateAudit) -> list[str]:
    required = ("service_request_id", "status", "service_name", "service_code", "description",
                "requested_datetime", "updated_datetime")
    p = missing_fields(rec, required, where)
    p += id_problem(rec, "service_request_id", fmt, where)
    p += id_problem(rec, "service_code", fmt, where)
    p += empty_fields(rec, ("status", "service_name", "requested_datetime"), where)
    p += string_problem(rec, ("status", "status_notes", "service_name", "description",
                              "agency_responsible", "service_notice", "address", "media_url"),
                        fmt, where)
    if "status" in rec and rec["status"] not in STATUSES:
        p.append(f"{where}: status={rec['status']!r}, expected open|closed")
    for name in DATE_FIELDS:
        if text(rec.get(name)).strip():
            p += dates.check(rec[name], fmt, f"{where}/{name}")
    for name, bound in (("lat", 90.0), ("long", 180.0)):
        if text(rec.get(name)).strip():
            number = number_value(rec[name], fmt)
            if number is None:
                p.append(f"{where}: {name}={rec[name]!r} is not a number")
            elif abs(number) > bound:
                p.append(f"{where}: {name}={number} is out of range")
    media = text(rec.get("media_url")).strip()
    if media:
        parts = urllib.parse.urlparse(media)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            p.append(f"{where}: media_url={media!r} is not an http(s) URL")
    return p


def validate_discovery(doc: dict, fmt: str) -> tuple[list[str], list[str]]:
    """Returns (problems, MIME types of the GeoReport v2 endpoints)."""
    p = missing_fields(doc, ("changeset", "contact", "key_service", "endpoints"), "discovery")
    p += empty_fields(doc, ("changeset", "contact", "key_service"), "discovery")
    endpoints = doc.get("endpoints", [])
    if not endpoints:
        p.append("discovery: no <endpoints><endpoint>")
    v2_formats: list[str] = []
    for i, ep in enumerate(endpoints):
        where = f"discovery/endpoint[{i + 1}]"
        p += missing_fields(ep, ("specification", "url", "changeset", "type", "formats"), where)
        p += empty_fields(ep, ("specification", "url", "changeset"), where)
        p += string_problem(ep, ("specification", "url", "changeset", "type"), fmt, where)
        if "type" in ep and ep["type"] not in ("production", "test"):
            p.append(f"{where}: type={ep['type']!r}, expected production|test")
        url = urllib.parse.urlparse(text(ep.get("url")))
        if "url" in ep and (url.scheme not in ("http", "https") or not url.netloc):
            p.append(f"{where}: url={text(ep['url'])!r} is not an http(s) URL")
        formats = [text(f) for f in ep.get("formats", [])]
        if "formats" in ep and not formats:
            p.append(f"{where}: <formats> has no <format>")
        for f in formats:
            if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", f):
                p.append(f"{where}: format {f!r} is not a MIME type")
        if text(ep.get("specification")) == SPEC_URL:
            v2_formats += formats
            if "text/xml" not in formats:
                p.append(f"{where}: GeoReport v2 endpoint without text/xml (XML is required)")
    if endpoints and not any(text(ep.get("specification")) == SPEC_URL for ep in endpoints):
        p.append(f"discovery: no endpoint with specification {SPEC_URL}")
    return p, v2_formats


# ---------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------

@dataclass
class Created:
    fmt: str
    service_code: str
    description: str
    request_id: str = ""
    token: str = ""
    status: str = ""


@dataclass
class FormatState:
    services: list[dict] = field(default_factory=list)
    definitions: dict[str, dict] = field(default_factory=dict)


class Checker:
    def __init__(self, args: argparse.Namespace, report: Report) -> None:
        self.base = args.base.rstrip("/")
        self.api_key = args.api_key
        self.jurisdiction = args.jurisdiction
        self.timeout = args.timeout
        self.token_wait = args.token_wait
        self.lat, self.long = args.lat, args.long
        self.lenient_codes = args.lenient_error_codes
        self.max_definitions = args.max_definitions
        self.report = report
        self.dates = DateAudit()
        self.run_id = secrets.token_hex(4)
        self.created: list[Created] = []
        self.rejected_markers: list[str] = []
        self.state: dict[str, FormatState] = {}

    # -- HTTP helpers ------------------------------------------------------

    def url(self, path: str, fmt: str, params: dict[str, str] | None = None,
            jurisdiction: str | None = None) -> str:
        query = dict(params or {})
        jur = jurisdiction if jurisdiction is not None else self.jurisdiction
        if jur:
            query["jurisdiction_id"] = jur
        url = f"{self.base}/{path}.{fmt}"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def get(self, path: str, fmt: str, params: dict[str, str] | None = None,
            jurisdiction: str | None = None) -> Response:
        return http_call("GET", self.url(path, fmt, params, jurisdiction), None, self.timeout)

    def post(self, fmt: str, form: list[tuple[str, str]]) -> Response:
        return http_call("POST", f"{self.base}/requests.{fmt}", form, self.timeout)

    def document(self, resp: Response, fmt: str, doc: tuple[str, Any],
                 statuses: tuple[int, ...] = (200,)) -> tuple[Any, list[str]]:
        if resp.status not in statuses:
            want = " or ".join(map(str, statuses))
            return None, [f"expected HTTP {want}, got {resp.describe()}"]
        return to_document(resp, fmt, doc, self.report)

    def error_problems(self, resp: Response, fmt: str, statuses: tuple[int, ...]) -> list[str]:
        """The spec's error format: <errors><error><code/><description/></error></errors>."""
        if resp.status not in statuses:
            want = " or ".join(map(str, statuses))
            return [f"expected HTTP {want}, got {resp.describe()}"]
        errors, p = to_document(resp, fmt, ERRORS_DOC, self.report)
        if errors is None:
            return p
        if not errors:
            p.append("<errors> has no <error>")
        codes = []
        for i, err in enumerate(errors):
            where = f"errors/error[{i + 1}]"
            p += missing_fields(err, ("code", "description"), where)
            p += empty_fields(err, ("code", "description"), where)
            p += string_problem(err, ("description",), fmt, where)
            if fmt == "json" and "code" in err and (
                    isinstance(err["code"], bool) or not isinstance(err["code"], (int, str))):
                p.append(f"{where}: code={err['code']!r} must be an integer or string")
            codes.append(text(err.get("code")).strip())
        if errors and not self.lenient_codes and str(resp.status) not in codes:
            p.append(f"no <error><code> equals the HTTP status {resp.status} (codes: {codes})")
        return p

    def jurisdiction_form(self) -> list[tuple[str, str]]:
        return [("jurisdiction_id", self.jurisdiction)] if self.jurisdiction else []

    # -- 1. Discovery ------------------------------------------------------

    def check_discovery(self, url: str) -> list[str] | None:
        """Returns the MIME types the discovery document lists for GeoReport v2."""
        stem = re.sub(r"\.(xml|json)$", "", url.split("?")[0])
        all_formats: list[str] = []
        ok_any = False
        for fmt in FORMATS:
            name = f"[{fmt}] 1 discovery document"
            target = f"{stem}.{fmt}"
            p = [] if stem.endswith("/discovery") else [
                f"discovery URL {target!r} does not end in /discovery.{fmt} (spec: must)"]
            resp = http_call("GET", target, None, self.timeout)
            doc, doc_p = self.document(resp, fmt, DISCOVERY_DOC)
            p += doc_p
            if doc is not None:
                vp, formats = validate_discovery(doc, fmt)
                p += vp
                all_formats += formats
                ok_any = True
            self.report.check(name, p, f"{target}; GeoReport v2 formats {sorted(set(all_formats))}")
        return sorted(set(all_formats)) if ok_any else None

    # -- 2. Service list ---------------------------------------------------

    def check_services(self, fmt: str) -> list[dict]:
        resp = self.get("services", fmt)
        services, p = self.document(resp, fmt, SERVICES_DOC)
        services = services or []
        if resp.status == 200 and not services and not p:
            p.append("service list is empty; nothing else can be checked")
        codes = []
        for i, svc in enumerate(services):
            p += validate_service(svc, fmt, f"services/service[{i + 1}]")
            codes.append(text(svc.get("service_code")))
        if len(set(codes)) != len(codes):
            p.append(f"service_code values are not unique: {codes}")
        ok = self.report.check(f"[{fmt}] 2 GET services.{fmt}", p, f"{len(services)} services")
        return services if ok else []

    # -- 3. Service definitions -------------------------------------------

    def check_definitions(self, fmt: str, services: list[dict]) -> dict[str, dict]:
        name = f"[{fmt}] 3 GET services/{{code}}.{fmt} (metadata=true)"
        wanted = [text(s["service_code"]) for s in services if text(s.get("metadata")) == "true"]
        if not wanted:
            self.report.skip(name, "no service has metadata=true")
            return {}
        definitions: dict[str, dict] = {}
        p: list[str] = []
        for code in wanted[: self.max_definitions]:
            resp = self.get(f"services/{urllib.parse.quote(code, safe='')}", fmt)
            defn, dp = self.document(resp, fmt, DEFINITION_DOC)
            p += [f"{code}: {x}" for x in dp]
            if defn is not None:
                p += validate_definition(defn, code, fmt)
                definitions[code] = defn
        self.report.check(name, p, f"{len(definitions)} definitions valid")
        return definitions

    def check_unknown_definition(self, fmt: str) -> None:
        code = f"no-such-service-{self.run_id}"
        resp = self.get(f"services/{code}", fmt)
        p = self.error_problems(resp, fmt, (400, 404, 410))
        self.report.check(f"[{fmt}] 3 GET services/<unknown>.{fmt} is an error", p,
                          f"HTTP {resp.status} in error format (spec: 404 for not found)")

    # -- 4. POST a service request ----------------------------------------

    @staticmethod
    def pick_service(services: list[dict]) -> dict:
        def rank(svc: dict) -> tuple[int, int]:
            kind = {"realtime": 0, "batch": 1}.get(text(svc.get("type")), 2)
            return kind, 0 if text(svc.get("metadata")) == "true" else 1
        return sorted(services, key=rank)[0]

    @staticmethod
    def attribute_fields(definition: dict | None, skip_code: str = "") -> list[tuple[str, str]]:
        """attribute[CODE]=VALUE for every required, user-input attribute."""
        fields = []
        for attr in (definition or {}).get("attributes", []):
            if text(attr.get("required")) != "true" or text(attr.get("variable")) == "false":
                continue
            code = text(attr.get("code"))
            if code == skip_code:
                continue
            datatype = attr.get("datatype")
            values = attr.get("values") or []
            first_key = text(values[0].get("key")) if values else ""
            if datatype == "singlevaluelist":
                fields.append((f"attribute[{code}]", first_key))
            elif datatype == "multivaluelist":
                fields.append((f"attribute[{code}][]", first_key))
            elif datatype == "number":
                fields.append((f"attribute[{code}]", "1"))
            elif datatype == "datetime":
                fields.append((f"attribute[{code}]", w3(dt.datetime.now(dt.timezone.utc))))
            else:
                fields.append((f"attribute[{code}]", "open311 checker"))
        return fields

    @staticmethod
    def required_attribute_codes(definition: dict | None) -> list[str]:
        return [text(a.get("code")) for a in (definition or {}).get("attributes", [])
                if text(a.get("required")) == "true" and text(a.get("variable")) != "false"]

    def request_form(self, service_code: str, description: str, definition: dict | None, *,
                     api_key: str | None = "", location: bool = True,
                     skip_attribute: str = "") -> list[tuple[str, str]]:
        form: list[tuple[str, str]] = []
        key = self.api_key if api_key == "" else api_key
        if key is not None:
            form.append(("api_key", key))
        form += self.jurisdiction_form()
        if service_code:
            form.append(("service_code", service_code))
        if location:
            form += [("lat", str(self.lat)), ("long", str(self.long))]
        form += [
            ("description", description),
            ("email", "open311-checker@example.org"),
            ("first_name", "Open311"),
            ("last_name", "Checker"),
            ("phone", "+62 31 5550100"),
            ("device_id", f"open311-checker-{self.run_id}"),
        ]
        return form + self.attribute_fields(definition, skip_attribute)

    def marker(self, fmt: str, what: str) -> str:
        m = f"open311-checker {self.run_id} {fmt} rejected:{what}"
        self.rejected_markers.append(m)
        return m

    def check_post_errors(self, fmt: str, service: dict, definition: dict | None) -> None:
        code = text(service.get("service_code"))
        cases = [
            ("5 POST without service_code -> 400", (400,),
             self.request_form("", self.marker(fmt, "no-code"), definition)),
            ("5 POST without location (lat+long / address_string / address_id) -> 400", (400,),
             self.request_form(code, self.marker(fmt, "no-location"), definition, location=False)),
            ("5 POST with a wrong api_key -> 403/401", (401, 403),
             self.request_form(code, self.marker(fmt, "bad-key"), definition,
                               api_key=f"wrong-{secrets.token_hex(8)}")),
            ("5 POST without api_key -> 403/401", (401, 403),
             self.request_form(code, self.marker(fmt, "no-key"), definition, api_key=None)),
            ("5 POST with an unknown service_code -> 404/400", (404, 400),
             self.request_form(f"no-such-service-{self.run_id}", self.marker(fmt, "bad-code"),
                               None)),
        ]
        required = self.required_attribute_codes(definition)
        if required:
            cases.append((f"5 POST without required attribute[{required[0]}] -> 400", (400,),
                          self.request_form(code, self.marker(fmt, "no-attr"), definition,
                                            skip_attribute=required[0])))
        for label, statuses, form in cases:
            resp = self.post(fmt, form)
            p = self.error_problems(resp, fmt, statuses)
            self.report.check(f"[{fmt}] {label}", p, f"HTTP {resp.status} in error format")

    def check_post(self, fmt: str, service: dict, definition: dict | None) -> Created | None:
        code = text(service.get("service_code"))
        description = (f"open311-checker {self.run_id} {fmt}: pothole near the drain, "
                       f"ca. 30\u00a0cm wide \u2013 \u00fcberpr\u00fcfen\nsecond line")
        form = self.request_form(code, description, definition)
        resp = self.post(fmt, form)
        name = f"[{fmt}] 4 POST requests.{fmt} (service_code={code})"
        results, p = self.document(resp, fmt, POST_DOC, (200, 201))
        created = Created(fmt, code, description)
        if results is not None:
            if len(results) != 1:
                p.append(f"expected exactly one <request>, got {len(results)}")
            for res in results[:1]:
                p += string_problem(res, ("service_notice",), fmt, "request")
                created.request_id = text(res.get("service_request_id")).strip()
                created.token = text(res.get("token")).strip()
                p += id_problem(res, "service_request_id", fmt, "request") if created.request_id else []
                p += id_problem(res, "token", fmt, "request") if created.token else []
                if created.request_id and created.token:
                    p.append("both service_request_id and token returned "
                             "(spec: 'should not be returned if token is returned')")
                if not created.request_id and not created.token and service.get("type") != "blackbox":
                    p.append("neither service_request_id nor token returned "
                             f"(service type {service.get('type')!r})")
        got = (f"service_request_id={created.request_id}" if created.request_id
               else f"token={created.token}" if created.token else "blackbox: no id")
        self.report.check(name, p, f"HTTP {resp.status}, {got}")
        if not (created.request_id or created.token):
            return None
        self.created.append(created)
        return created

    # -- 8. Token -> id ----------------------------------------------------

    def check_token(self, fmt: str, created: Created) -> None:
        name = f"[{fmt}] 8 GET tokens/{{token}}.{fmt}"
        deadline = time.monotonic() + self.token_wait
        while True:
            resp = self.get(f"tokens/{urllib.parse.quote(created.token, safe='')}", fmt)
            results, p = self.document(resp, fmt, TOKEN_DOC)
            rid = ""
            if results is not None:
                if len(results) != 1:
                    p.append(f"expected exactly one <request>, got {len(results)}")
                for res in results[:1]:
                    p += missing_fields(res, ("service_request_id", "token"), "request")
                    if "token" in res and text(res["token"]) != created.token:
                        p.append(f"token={text(res['token'])!r}, expected {created.token!r}")
                    rid = text(res.get("service_request_id")).strip()
            if rid or p or time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        if not rid and not p:
            p.append(f"no service_request_id after {self.token_wait}s")
        if self.report.check(name, p, f"service_request_id={rid}"):
            created.request_id = rid

    # -- 6. GET one request -------------------------------------------------

    def check_get_request(self, fmt: str, created: Created) -> None:
        name = f"[{fmt}] 6 GET requests/{created.request_id}.{fmt}"
        resp = self.get(f"requests/{urllib.parse.quote(created.request_id, safe='')}", fmt)
        results, p = self.document(resp, fmt, REQUESTS_DOC)
        if results is not None:
            if len(results) != 1:
                p.append(f"expected exactly one <request>, got {len(results)}")
            for rec in results[:1]:
                p += validate_request(rec, fmt, "request", self.dates)
                p += self.compare_created(rec, created)
                created.status = text(rec.get("status"))
        self.report.check(name, p, f"status={created.status}, fields and dates valid, "
                                   "matches what was posted")

    def compare_created(self, rec: dict, created: Created) -> list[str]:
        p = []
        if text(rec.get("service_request_id")) != created.request_id:
            p.append(f"service_request_id={text(rec.get('service_request_id'))!r}, "
                     f"expected {created.request_id!r}")
        if text(rec.get("service_code")) != created.service_code:
            p.append(f"service_code={text(rec.get('service_code'))!r}, "
                     f"expected {created.service_code!r}")
        got = text(rec.get("description")).replace("\r\n", "\n").strip()
        # An empty description is accepted: a server may withhold it as confidential.
        if got and got != created.description.strip():
            p.append(f"description {got!r} differs from the posted {created.description!r}")
        for name, sent in (("lat", self.lat), ("long", self.long)):
            value = text(rec.get(name)).strip()
            number = number_value(rec.get(name), created.fmt) if value else None
            if number is not None and abs(number - sent) > 1e-3:
                p.append(f"{name}={number}, posted {sent}")
        return p

    def check_missing_request(self, fmt: str) -> None:
        missing = str(900_000_000 + secrets.randbelow(99_999_999))
        resp = self.get(f"requests/{missing}", fmt)
        p = self.error_problems(resp, fmt, (404,))
        self.report.check(f"[{fmt}] 6 GET requests/<non-existent>.{fmt} -> 404", p,
                          "HTTP 404 in error format")

    # -- 7. GET requests with filters --------------------------------------

    def list_requests(self, fmt: str, params: dict[str, str],
                      validate: bool = True) -> tuple[list[dict] | None, list[str]]:
        resp = self.get("requests", fmt, params)
        results, p = self.document(resp, fmt, REQUESTS_DOC)
        if results is None or not validate:
            return results, p
        for i, rec in enumerate(results):
            p += validate_request(rec, fmt, f"request[{i + 1}]", self.dates)
        return results, p

    def check_list(self, fmt: str, label: str, params: dict[str, str], *,
                   present: Sequence[str] = (), absent: Sequence[str] = (),
                   only: Sequence[str] | None = None,
                   each: Callable[[dict], str] | None = None) -> None:
        results, p = self.list_requests(fmt, params)
        ids = [text(r.get("service_request_id")) for r in results or []]
        if results is not None:
            p += [f"created request {i} missing from the result" for i in present if i not in ids]
            p += [f"request {i} listed but must not be" for i in absent if i in ids]
            if only is not None:
                p += [f"unexpected request {i} in the result" for i in ids if i not in only]
            if each is not None:
                for rec in results:
                    problem = each(rec)
                    if problem:
                        p.append(f"request {text(rec.get('service_request_id'))}: {problem}")
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        self.report.check(f"[{fmt}] 7 GET requests.{fmt}{query} ({label})", p,
                          f"{len(ids)} requests")

    def check_lists(self, fmt: str) -> None:
        made = [c for c in self.created if c.request_id]
        if not made:
            self.report.skip(f"[{fmt}] 7 GET requests.{fmt} filters", "no request id to look for")
            return
        now = dt.datetime.now(dt.timezone.utc)
        window = {"start_date": w3(now - dt.timedelta(days=1)),
                  "end_date": w3(now + dt.timedelta(days=1))}
        past = {"start_date": w3(now - dt.timedelta(days=60)),
                "end_date": w3(now - dt.timedelta(days=59))}
        first, ids = made[0], [c.request_id for c in made]
        status = first.status or "open"
        other_status = "closed" if status == "open" else "open"
        services = self.state[fmt].services or self.state.get("xml", FormatState()).services
        other_codes = [text(s.get("service_code")) for s in services
                       if text(s.get("service_code")) != first.service_code]

        self.check_list(fmt, "default query", {}, each=self.default_limits_problem(now))
        self.check_list(fmt, "comma-separated ids", {"service_request_id": ",".join(ids)},
                        present=ids, only=ids)
        if len(ids) > 1:
            self.check_list(fmt, "one id", {"service_request_id": ids[1]},
                            present=[ids[1]], absent=[ids[0]], only=[ids[1]])
        self.check_list(fmt, "service_request_id overrides all other arguments",
                        {"service_request_id": first.request_id, "status": other_status, **past},
                        present=[first.request_id])
        self.check_list(fmt, "service_code", {"service_code": first.service_code, **window},
                        present=[first.request_id],
                        each=lambda r: self.field_problem(r, "service_code", [first.service_code]))
        if other_codes:
            self.check_list(fmt, "other service_code", {"service_code": other_codes[0], **window},
                            absent=[first.request_id],
                            each=lambda r: self.field_problem(r, "service_code", [other_codes[0]]))
        self.check_list(fmt, f"status={status}", {"status": status, **window},
                        present=[first.request_id],
                        each=lambda r: self.field_problem(r, "status", [status]))
        self.check_list(fmt, f"status={other_status}", {"status": other_status, **window},
                        absent=[first.request_id],
                        each=lambda r: self.field_problem(r, "status", [other_status]))
        self.check_list(fmt, "date window around now", window, present=[first.request_id],
                        each=self.window_problem(window))
        self.check_list(fmt, "date window in the past", past, absent=ids,
                        each=self.window_problem(past))

    @staticmethod
    def field_problem(rec: dict, name: str, allowed: list[str]) -> str:
        value = text(rec.get(name))
        return "" if value in allowed else f"{name}={value!r} does not match the filter"

    @staticmethod
    def window_problem(window: dict[str, str]):
        start, end = parse_w3(window["start_date"]), parse_w3(window["end_date"])

        def problem(rec: dict) -> str:
            when = parse_w3(text(rec.get("requested_datetime")))
            if when is not None and not (start <= when <= end):
                return f"requested_datetime {text(rec.get('requested_datetime'))} outside the window"
            return ""
        return problem

    @staticmethod
    def default_limits_problem(now: dt.datetime):
        oldest = now - dt.timedelta(days=DEFAULT_LIMIT_DAYS + 1)
        seen = {"n": 0}

        def problem(rec: dict) -> str:
            seen["n"] += 1
            if seen["n"] == DEFAULT_LIMIT_COUNT + 1:
                return f"more than {DEFAULT_LIMIT_COUNT} requests by default"
            when = parse_w3(text(rec.get("requested_datetime")))
            if when is not None and when < oldest:
                return f"older than the default {DEFAULT_LIMIT_DAYS}-day span"
            return ""
        return problem

    def check_rejected_created_nothing(self) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        window = {"start_date": w3(now - dt.timedelta(days=1)),
                  "end_date": w3(now + dt.timedelta(days=1))}
        results, p = self.list_requests("xml", window, validate=False)
        for rec in results or []:
            desc = text(rec.get("description"))
            for m in self.rejected_markers:
                if m in desc:
                    p.append(f"rejected POST ({m.rsplit(':', 1)[-1]}) created request "
                             f"{text(rec.get('service_request_id'))}")
        self.report.check("[xml] 5 rejected POSTs created no service request", p,
                          f"{len(self.rejected_markers)} rejected POSTs, none listed")

    # -- 9. jurisdiction_id --------------------------------------------------

    def check_unknown_jurisdiction(self, fmt: str, service: dict | None,
                                   definition: dict | None) -> None:
        bogus = f"no-such-jurisdiction-{self.run_id}.invalid"
        statuses = (404, 400)
        resp = self.get("services", fmt, jurisdiction=bogus)
        self.report.check(f"[{fmt}] 9 GET services.{fmt} with an unknown jurisdiction_id",
                          self.error_problems(resp, fmt, statuses), f"HTTP {resp.status}")
        resp = self.get("requests", fmt, jurisdiction=bogus)
        self.report.check(f"[{fmt}] 9 GET requests.{fmt} with an unknown jurisdiction_id",
                          self.error_problems(resp, fmt, statuses), f"HTTP {resp.status}")
        if service is None:
            return
        code = text(service.get("service_code"))
        if text(service.get("metadata")) == "true":
            resp = self.get(f"services/{urllib.parse.quote(code, safe='')}", fmt, jurisdiction=bogus)
            self.report.check(f"[{fmt}] 9 GET services/{code}.{fmt} with an unknown jurisdiction_id",
                              self.error_problems(resp, fmt, statuses), f"HTTP {resp.status}")
        form = [(k, bogus if k == "jurisdiction_id" else v)
                for k, v in self.request_form(code, self.marker(fmt, "bad-jurisdiction"), definition)]
        resp = self.post(fmt, form)
        self.report.check(f"[{fmt}] 9 POST requests.{fmt} with an unknown jurisdiction_id",
                          self.error_problems(resp, fmt, statuses), f"HTTP {resp.status}")

    # -- Orchestration -------------------------------------------------------

    def run_format(self, fmt: str) -> None:
        state = self.state.setdefault(fmt, FormatState())
        state.services = self.check_services(fmt)
        if not state.services:
            self.report.skip(f"[{fmt}] 3-9", "needs a valid service list")
            return
        state.definitions = self.check_definitions(fmt, state.services)
        self.check_unknown_definition(fmt)
        service = self.pick_service(state.services)
        code = text(service.get("service_code"))
        definition = state.definitions.get(code)
        if text(service.get("metadata")) == "true" and definition is None:
            self.report.skip(f"[{fmt}] 4-8", f"no valid definition for service {code}")
            return
        self.check_post_errors(fmt, service, definition)
        created = self.check_post(fmt, service, definition)
        if created and created.token and not created.request_id:
            self.check_token(fmt, created)
        elif created is None or not created.token:
            self.report.skip(f"[{fmt}] 8 GET tokens/{{token}}.{fmt}", "POST returned no token")
        if created and created.request_id:
            self.check_get_request(fmt, created)
        self.check_missing_request(fmt)
        if self.jurisdiction:
            self.check_unknown_jurisdiction(fmt, service, definition)
        else:
            self.report.skip(f"[{fmt}] 9 unknown jurisdiction_id",
                             "no --jurisdiction given (single-jurisdiction servers may ignore it)")

    def ensure_two_requests(self, fmt: str) -> None:
        """The comma-separated id filter needs at least two requests."""
        if len([c for c in self.created if c.request_id]) != 1:
            return
        state = self.state[fmt]
        service = self.pick_service(state.services)
        created = self.check_post(fmt, service, state.definitions.get(text(service["service_code"])))
        if created and created.token and not created.request_id:
            self.check_token(fmt, created)

    def run(self, formats: list[str]) -> None:
        for fmt in formats:
            self.run_format(fmt)
        if any(s.services for s in self.state.values()):
            first = next(f for f in formats if self.state[f].services)
            self.ensure_two_requests(first)
        for fmt in formats:
            if self.state[fmt].services:
                self.check_lists(fmt)
        if "xml" in formats and self.rejected_markers:
            self.check_rejected_created_nothing()
        self.report.check("[all] 10 dates are ISO 8601 (w3) with a timezone",
                          self.dates.bad, f"{self.dates.seen} date values checked")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Check an Open311 GeoReport v2 server against the published specification.")
    ap.add_argument("--base", required=True,
                    help="GeoReport v2 endpoint, e.g. http://127.0.0.1:8080/open311/v2")
    ap.add_argument("--api-key", required=True, help="a valid api_key for POST requests")
    ap.add_argument("--discovery", help="service discovery URL (…/discovery, .xml or .json)")
    ap.add_argument("--jurisdiction", help="jurisdiction_id to pass on every call")
    ap.add_argument("--formats", default="xml,json",
                    help="formats to check (default xml,json; with --discovery, json is only "
                         "checked when the discovery document lists application/json)")
    ap.add_argument("--lat", type=float, default=-7.2575, help="latitude for created requests")
    ap.add_argument("--long", type=float, default=112.7521, help="longitude for created requests")
    ap.add_argument("--timeout", type=float, default=15.0, help="HTTP timeout in seconds")
    ap.add_argument("--token-wait", type=float, default=10.0,
                    help="seconds to wait for a token to resolve to a service_request_id")
    ap.add_argument("--max-definitions", type=int, default=50,
                    help="at most this many service definitions are fetched per format")
    ap.add_argument("--lenient-error-codes", action="store_true",
                    help="do not require an <error><code> equal to the HTTP status")
    ap.add_argument("--strict", action="store_true",
                    help="fail (not warn) on elements or keys the spec does not define")
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    report = Report(args.strict)
    checker = Checker(args, report)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or "xml" not in formats:
        print(f"--formats must include xml and only xml/json, got {args.formats!r}", file=sys.stderr)
        return 2
    if args.discovery:
        listed = checker.check_discovery(args.discovery)
        if listed is not None and "json" in formats and FORMAT_MIME["json"] not in listed:
            report.skip("[json] all checks", "discovery does not list application/json")
            formats = ["xml"]
    else:
        report.skip("[xml] 1 discovery document", "no --discovery given")
    checker.run(formats)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
