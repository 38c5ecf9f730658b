#!/usr/bin/env python3
"""Turn bench/run's results (key=value lines) into a table on stdout and BENCHMARKS.md.

Usage: bench/report.py RESULTS_FILE BENCHMARKS_MD

Exits 1 when a (non-informational) target fails or a run saw errors, 0 otherwise.
Only the Python standard library is used.
"""

import re
import sys

STORES = [("sqlite", "SQLite"), ("postgres", "PostgreSQL")]


def load(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                values[k] = v
    return values


def num(values, key):
    v = values.get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt(x, digits=1, unit=""):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}{unit}"


def rows_for(values, store):
    """Rows: (figure, value, baseline, ratio, target, result, counts_for_exit, ok, notes)."""
    g = lambda k: num(values, f"{store}.{k}")  # noqa: E731
    rows = []
    healthz = g("healthz.rps")

    def non2xx(*prefixes):
        return int(sum(g(f"{p}.non2xx") or 0 for p in prefixes))

    def socket_note(*prefixes):
        n = int(sum(g(f"{p}.errors") or 0 for p in prefixes))
        return f"; {n} socket errors/timeouts" if n else ""

    for key, label in (("home", "Home page `/` throughput"),
                       ("news", "News detail `/berita/…` throughput")):
        rps = g(f"{key}.rps")
        ratio = rps / healthz if rps is not None and healthz else None
        ok = ratio is not None and ratio >= 0.50
        bad = non2xx(key, "healthz")
        result = "pass" if ok else "FAIL"
        if bad:
            result = f"FAIL (invalid: {bad} non-2xx answers)"
            ok = False
        rows.append((label, fmt(rps, 0, " req/s"), f"`/healthz` {fmt(healthz, 0, ' req/s')}",
                     fmt(ratio, 2), "≥ 0.50", result, True, ok, socket_note(key, "healthz").lstrip("; ")))

    for key, label, informational in (("search_api", "Search API p95 (`/api/v1/search`)", False),
                                      ("search_page", "Search page p95 (`/cari`)", True)):
        p95 = g(f"{key}.p95_ms")
        ok = p95 is not None and p95 <= 20.0
        bad = non2xx(key)
        result = "pass" if ok else "FAIL"
        if bad:
            result = f"FAIL (invalid: {bad} non-2xx answers)"
            ok = False
        if informational:
            result += " (informational)"
        detail = (f"p50 {fmt(g(f'{key}.p50_ms'), 1)} / p99 {fmt(g(f'{key}.p99_ms'), 1)} ms, "
                  f"{fmt(g(f'{key}.rps'), 0)} req/s" + socket_note(key))
        rows.append((label, fmt(p95, 1, " ms"), "—", "—", "≤ 20 ms", result, not informational, ok, detail))

    rss = g("idle_rss_mib")
    ok = rss is not None and rss <= 64.0
    rows.append(("Idle RSS (ready + 3 s)", fmt(rss, 1, " MB"), "—", "—", "≤ 64 MB", "pass" if ok else "FAIL", True, ok,
                 f"after load {fmt(g('rss_after_throughput_mib'), 1)} MB, after search {fmt(g('rss_after_search_mib'), 1)} MB (peak {fmt(g('hwm_after_search_mib'), 1)} MB)"))

    cold = g("cold_start_s")
    ok = cold is not None and cold <= 5.0
    rows.append(("Cold start incl. region import", fmt(cold, 2, " s"), "—", "—", "≤ 5 s",
                 "pass" if ok else "FAIL", True, ok,
                 f"restart on the filled database: {fmt(g('warm_start_s'), 2)} s"))

    imp = g("import_s")
    news = num(values, "meta.news")
    rate = news / imp if imp and news else None
    rows.append((f"Import of {fmt(news, 0)} news (`import content`)", fmt(imp, 1, " s"), "—", "—", "—",
                 "informational", False, True, f"{fmt(rate, 0)} items/s"))
    return rows


def md_table(rows):
    out = ["| Figure | Value | Baseline (same run) | Ratio | Target | Result | Notes |",
           "|---|---|---|---|---|---|---|"]
    for figure, value, base, ratio, target, result, _, _, notes in rows:
        out.append(f"| {figure} | {value} | {base} | {ratio} | {target} | {result} | {notes} |")
    return "\n".join(out)


def text_table(values, per_store):
    labels = [r[0].replace("`", "") for r in per_store[STORES[0][0]]]
    width = max(len(label) for label in labels) + 2
    head = f"{'figure':<{width}}" + "".join(f"{name:<34}" for _, name in STORES) + "target"
    lines = [head, "-" * len(head)]
    for i, label in enumerate(labels):
        cells = []
        for store, _ in STORES:
            r = per_store[store][i]
            cell = r[1] + (f" ({r[3]}x)" if r[3] not in ("—", "n/a") else "")
            verdict = r[5].split(" ")[0]
            cells.append(f"{cell} {verdict}")
        target = per_store[STORES[0][0]][i][4]
        lines.append(f"{label:<{width}}" + "".join(f"{c:<34}" for c in cells) + target)
    extra = []
    for store, name in STORES:
        g = lambda k: num(values, f"{store}.{k}")  # noqa: E731
        extra.append(f"{name}: healthz {fmt(g('healthz.rps'), 0)} req/s; "
                     f"search API p50/p95/p99 {fmt(g('search_api.p50_ms'))}/{fmt(g('search_api.p95_ms'))}/{fmt(g('search_api.p99_ms'))} ms; "
                     f"search page p50/p95/p99 {fmt(g('search_page.p50_ms'))}/{fmt(g('search_page.p95_ms'))}/{fmt(g('search_page.p99_ms'))} ms; "
                     f"RSS after load {fmt(g('rss_after_throughput_mib'))} MB, after search {fmt(g('rss_after_search_mib'))} MB")
    return "\n".join(lines + [""] + extra)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    values = load(argv[1])
    per_store = {store: rows_for(values, store) for store, _ in STORES}
    failed = [(name, r[0]) for store, name in STORES for r in per_store[store] if r[6] and not r[7]]

    m = lambda k, d="n/a": values.get(f"meta.{k}", d)  # noqa: E731
    dirty = int(m("dirty", "0") or 0)
    commit = m("commit") + (f" plus uncommitted changes in {dirty} tracked file(s)" if dirty else "")
    run_s = num(values, "meta.run_s")
    secs = m("bench_seconds")

    md = [
        "# Benchmarks",
        "",
        "Generated by `bench/run`; the whole file is rewritten on every run.",
        "",
        f"- Date: {m('date')}",
        f"- Machine: {m('nproc')} CPU(s), {m('cpu')}, {m('mem_gib')} GiB memory, Linux {m('kernel')}",
        f"- Commit: {commit}",
        f"- Tools: {m('wrk')}; PostgreSQL {m('postgres')}",
        f"- Each wrk run: {secs} s (`BENCH_SECONDS`); search runs follow a {m('warmup_seconds')} s warm-up; "
        f"whole run took {fmt(run_s / 60 if run_s else None, 1)} min",
        "",
        "Figures come from one run on a shared, noisy 2-core machine, with wrk running on the "
        "same cores as the server (and, for PostgreSQL, the database). Treat them as rough "
        "indications and compare ratios within one run rather than absolute numbers across runs. "
        "MB here means MiB (VmRSS from `/proc/PID/status`).",
        "",
        "## What is measured",
        "",
        "- **Cold start**: from launching `satupintu serve` on an empty database to the first "
        "200 from `/readyz` (polled every 50 ms); includes migrations, the import of 91,599 "
        "regions and loading the demo municipality.",
        "- **Idle RSS**: VmRSS of the server 3 s after it became ready.",
        f"- **Throughput**: `wrk -t2 -c64 -d{secs}s` on `/healthz` (the baseline), `/` and "
        "`/berita/gerai-konsultasi-perizinan-umkm`, with the default page cache (2 s).",
        f"- **Search**: after `satupintu import content` of the demo bundle plus {fmt(num(values, 'meta.news'), 0)} "
        "generated news items (`bench/gen_news.py`), the server runs with `--page-cache-seconds 0` and "
        f"`wrk -t2 -c4 -d{secs}s --latency -s bench/search.lua` rotates through 40 queries "
        "(common and rare words, affixed forms, a word that matches nothing) against "
        "`/api/v1/search?q=…&limit=10` and then the HTML page `/cari?q=…`.",
        "",
    ]
    for store, name in STORES:
        md += [f"## {name}", "", md_table(per_store[store]), ""]
        total = values.get(f"{store}.search_total_perizinan")
        if total and total.isdigit():
            md += [f"`perizinan` matched {int(total):,} documents, ranked by relevance.", ""]
        elif total:
            md += ["`perizinan` matched more items than are ranked one by one "
                   "(see `RANKED_MATCHES`), so its results were listed newest first.", ""]
    md += [
        "## Result",
        "",
        ("All targets met." if not failed else
         "Targets not met: " + "; ".join(f"{name}: {fig.replace('`', '')}" for name, fig in failed) + "."),
        "",
        "## How to run",
        "",
        "```sh",
        "bench/run                                   # every benchmark, each rewriting its section",
        "BENCH_ONLY=portal bench/run                 # this section only: about 7 minutes on 2 cores",
        "BENCH_SECONDS=5 BENCH_NEWS=10000 bench/run  # a quick smoke run",
        "```",
        "",
        "- `BENCH_SECONDS`: duration of every wrk run (default 20).",
        "- `BENCH_NEWS`: generated news items imported for the search runs (default 100000).",
        "- `CARGO_TARGET_DIR`: where the release binary is built (default `target/` in the repository).",
        "- `BENCH_PG`: PostgreSQL server URL without database "
        "(default `postgres://postgres@127.0.0.1:5432`); the database `satupintu_bench` is "
        "dropped and recreated, and dropped again at the end.",
        "",
        "`bench/run` installs `wrk` with apt-get when it is missing, builds "
        "`cargo build --release -p satupintu`, benchmarks SQLite and then PostgreSQL, prints a "
        "table, rewrites this file and exits non-zero when a target (other than the informational "
        "ones) is not met. It then runs `bench/audit` (audited writes, `audit verify`), "
        "`bench/login` (a login flood), `bench/documents` (render and sign), `bench/submissions` "
        "(durable submissions against raw commits, the status page against `/healthz`) and "
        "`bench/complaints` (complaint intake, the Open311 list); each rewrites its own section "
        "below and can be run alone.",
        "",
    ]
    # Keep the sections the other benchmarks write (`<!-- name:start -->` … `<!-- name:end -->`).
    try:
        previous = open(argv[2], encoding="utf-8").read()
        for match in re.finditer(r"<!-- ([a-z_-]+):start -->.*?<!-- \1:end -->", previous, re.S):
            md += [match.group(0), ""]
    except FileNotFoundError:
        pass
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(md))

    print()
    print(text_table(values, per_store))
    print()
    print(f"Import of {fmt(num(values, 'meta.news'), 0)} news: "
          + ", ".join(f"{name} {fmt(num(values, f'{store}.import_s'), 1)} s" for store, name in STORES)
          + f"; generating the bundle took {fmt(num(values, 'meta.generate_s'), 1)} s ({m('bundle_mib')} MiB)")
    print(f"Whole run: {fmt(run_s, 0)} s. Wrote {argv[2]}.")
    if failed:
        print("FAILED targets: " + "; ".join(f"{name}: {fig.replace('`', '')}" for name, fig in failed))
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
