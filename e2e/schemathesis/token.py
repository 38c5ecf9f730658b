#!/usr/bin/env python3
"""Issues API tokens for a fresh citizen or officer on a running Satu Pintu server.

Tokens are only issued from a full browser session (`/akun/token`), so this walks the
path a person does. A citizen registers, verifies the email from the mail the server wrote
to DATA_DIR/mail (no SMTP configured) and signs in. An officer is made with
`satupintu user create`, signs in with the one-time password and a TOTP code, and sets a
password of their own. Standard library only. Prints one token per line.
"""

import argparse
import base64
import email
import email.policy
import hashlib
import hmac
import http.cookiejar
import pathlib
import re
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# A NIK inside the demo municipality (Karang Pilang, Surabaya), as the HTTP tests use.
NIK = "3578011505900001"
PASSWORD = "Kenari-Biru-1945"
OFFICER_PASSWORD = "Petugas-Andal-2026"
# Every scope each kind of account may hold (crates/satupintu/src/identity/tokens.rs).
CITIZEN_SCOPES = ["me:read", "businesses:read", "applications:read", "applications:write"]
OFFICER_SCOPES = ["me:read", "citizens:read", "applications:handle"]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keeps 303s visible: a sign-in is judged by its redirect."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """Cookies plus the CSRF token of the last page, like the tests' browser."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.csrf = ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def _send(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode("utf-8", "replace")
        found = CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return status, body

    def get(self, path):
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path, fields):
        data = urllib.parse.urlencode(list(fields) + [("csrf", self.csrf)]).encode()
        return self._send(urllib.request.Request(self.base + path, data=data, method="POST"))


def expect(what, status, body, wanted):
    if status != wanted:
        excerpt = re.sub(r"\s+", " ", body)[:400]
        sys.exit(f"token.py: {what} answered {status}, expected {wanted}: {excerpt}")


def verification_path(mail_dir, address, timeout=15.0):
    """The path of the verification link in the mail to `address` (quoted-printable)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(pathlib.Path(mail_dir).glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address.lower() not in str(message.get("To", "")).lower():
                continue
            body = message.get_body(preferencelist=("plain",)).get_content()
            found = re.search(r"https?://[^/\s]+(/akun/verifikasi/[A-Za-z0-9_-]+)", body)
            if found:
                return found.group(1)
        time.sleep(0.2)
    sys.exit(f"token.py: no verification mail to {address} in {mail_dir}")


def totp(secret_base32, at=None):
    """RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s), as the officer's authenticator shows."""
    secret = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in_citizen(browser, args):
    browser.get("/akun/daftar")
    status, body = browser.post(
        "/akun/daftar",
        [
            ("nama", "Uji Schemathesis"),
            ("nik", args.nik),
            ("email", args.email),
            ("telepon", "0812 3456 7890"),
            ("sandi", PASSWORD),
            ("sandi_ulang", PASSWORD),
        ],
    )
    expect("registration", status, body, 200)

    link = verification_path(pathlib.Path(args.data_dir) / "mail", args.email)
    browser.get(link)
    status, body = browser.post(link, [])
    expect("email verification", status, body, 200)

    browser.get("/akun/masuk")
    status, body = browser.post("/akun/masuk", [("akun", args.email), ("sandi", PASSWORD), ("kembali", "/akun")])
    expect("sign-in", status, body, 303)
    return CITIZEN_SCOPES


def sign_in_officer(browser, args):
    command = [args.satupintu, "user", "create", "--email", args.email, "--role", "officer"]
    command += ["--agency", args.agency, "--region", args.region, "--data-dir", args.data_dir]
    made = subprocess.run(command, capture_output=True, text=True)
    if made.returncode != 0:
        sys.exit(f"token.py: `user create` failed: {made.stderr.strip()}")
    printed = made.stdout
    one_time = re.search(r"^one-time password: (\S+)$", printed, re.M)
    secret = re.search(r"^totp: \S*[?&]secret=([A-Z2-7]+)", printed, re.M)
    if not (one_time and secret):
        sys.exit(f"token.py: unexpected `user create` output: {printed}")

    browser.get("/akun/masuk")
    status, body = browser.post(
        "/akun/masuk", [("akun", args.email), ("sandi", one_time.group(1)), ("kembali", "/akun")]
    )
    expect("sign-in", status, body, 303)
    browser.get("/akun/masuk/verifikasi")
    status, body = browser.post("/akun/masuk/verifikasi", [("kode", totp(secret.group(1))), ("kembali", "/akun")])
    expect("second factor", status, body, 303)
    # The one-time password must be replaced before anything else.
    browser.get("/akun/sandi")
    status, body = browser.post("/akun/sandi", [("sandi", OFFICER_PASSWORD), ("sandi_ulang", OFFICER_PASSWORD)])
    expect("password change", status, body, 303)
    return OFFICER_SCOPES


def issue_tokens(browser, scopes, count):
    for n in range(count):
        browser.get("/akun/token")
        fields = [("nama", f"schemathesis {n + 1}"), ("masa", "1")]
        fields += [("cakupan", scope) for scope in scopes]
        status, body = browser.post("/akun/token", fields)
        expect("token creation", status, body, 201)
        found = re.search(r"<code>([^<]+)</code>", body)
        if not found:
            sys.exit("token.py: the token page shows no token")
        print(found.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080")
    parser.add_argument("--data-dir", required=True, help="the server's --data-dir")
    parser.add_argument("--count", type=int, default=1, help="how many tokens to issue")
    kinds = parser.add_subparsers(dest="kind", required=True)
    citizen = kinds.add_parser("citizen", help="register a citizen (all citizen scopes)")
    citizen.add_argument("--email", default="warga.schemathesis@warga.test")
    citizen.add_argument("--nik", default=NIK, help="unique per account")
    officer = kinds.add_parser("officer", help="create an officer (all officer scopes)")
    officer.add_argument("--satupintu", required=True, help="the server binary, for `user create`")
    officer.add_argument("--email", default="petugas.schemathesis@surabaya.test")
    # The agency of the service fixtures.py applies for, in the whole city, so the officer
    # may act on that application and read the citizen's record.
    officer.add_argument("--agency", default="kecamatan-genteng")
    officer.add_argument("--region", default="35.78")
    args = parser.parse_args()

    browser = Browser(args.base_url)
    scopes = sign_in_citizen(browser, args) if args.kind == "citizen" else sign_in_officer(browser, args)
    issue_tokens(browser, scopes, args.count)


if __name__ == "__main__":
    main()
