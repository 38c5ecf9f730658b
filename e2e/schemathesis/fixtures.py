#!/usr/bin/env python3
"""Makes the harness citizen's applications, so fuzzing reaches real records.

Generated ids and bodies almost never name an application, and a valid one needs answers
that fit the service's form. Through the API (token in SATUPINTU_TOKEN) this makes a draft
(id 1 on a fresh database) and a submitted application with its required document (id 2);
schemathesis.toml names those ids. Standard library only. Prints the ids.
"""

import argparse
import json
import os
import struct
import sys
import urllib.error
import urllib.request
import zlib

SERVICE = "surat-keterangan-domisili"
ANSWERS = {
    "keperluan": "pembukaan rekening bank",
    "alamat_domisili": "Jl. Tunjungan No. 1, Genteng, Surabaya",
    "status_tempat": "sewa",
    "lama_tinggal_bulan": 24,
}
REQUIRED_DOCUMENT = "pengantar_rt_rw"


def tiny_png():
    """A 1x1 white PNG, a file the upload's type sniffing accepts."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def call(base, token, method, path, body=None, content_type=None, headers=None):
    request = urllib.request.Request(base + path, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def create(base, token, key, submit):
    body = json.dumps({"service": SERVICE, "data": ANSWERS, "submit": submit}).encode()
    status, answer = call(
        base, token, "POST", "/api/v1/applications", body, "application/json", {"Idempotency-Key": key}
    )
    if status != 201:
        sys.exit(f"fixtures.py: creating an application answered {status}: {answer}")
    return answer["id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    args = parser.parse_args()
    base, token = args.base_url.rstrip("/"), os.environ["SATUPINTU_TOKEN"]

    draft = create(base, token, "schemathesis-draft", submit=False)
    # Submitting needs the required document, which only a draft can receive.
    submitted = create(base, token, "schemathesis-submitted", submit=False)
    path = f"/api/v1/applications/{submitted}/attachments/{REQUIRED_DOCUMENT}"
    status, answer = call(base, token, "PUT", path, tiny_png(), "application/octet-stream")
    if status != 200:
        sys.exit(f"fixtures.py: attaching {REQUIRED_DOCUMENT} answered {status}: {answer}")
    status, answer = call(base, token, "POST", f"/api/v1/applications/{submitted}/submit")
    if status != 200:
        sys.exit(f"fixtures.py: submitting answered {status}: {answer}")
    print(draft)
    print(submitted)


if __name__ == "__main__":
    main()
