-- wrk script for the search benchmark: rotates through realistic queries.
--
--   wrk -t2 -c4 -d20s --latency -s bench/search.lua http://127.0.0.1:PORT -- api
--   wrk -t2 -c4 -d20s --latency -s bench/search.lua http://127.0.0.1:PORT -- page
--
-- "api" hits /api/v1/search?q=...&limit=10, "page" hits /cari?q=... (the HTML page).
-- The done() hook prints machine-readable lines prefixed with "BENCH ".

local queries = {
  -- common words and Indonesian word forms (affixed and bare stems)
  "perizinan", "izin usaha", "pelayanan", "layanan publik", "pengaduan",
  "pengaduan warga", "pendaftaran", "pendaftaran sekolah", "kependudukan",
  "akta kelahiran", "ktp-el", "kartu keluarga", "pajak", "pajak bumi",
  "pajak bumi dan bangunan", "pembangunan", "banjir", "siaga banjir musim hujan",
  "bantuan sosial", "imunisasi", "posyandu", "sampah", "bank sampah",
  "pelatihan kerja", "bursa kerja", "parkir", "angkutan umum", "beasiswa",
  "stunting", "gratifikasi", "pungutan liar", "daring", "kecamatan rungkut",
  -- rarer words
  "semolowaru", "keputih", "medokan ayu", "reklame", "uji kir", "lansia disabilitas",
  -- a word that matches nothing
  "zxqvbrumpelfoo",
}

local mode = "api"
local counter = 1
local threads = {}

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  if args[1] ~= nil then
    mode = args[1]
  end
  counter = (id or 0) * 17 + 1
end

function request()
  local q = urlencode(queries[(counter - 1) % #queries + 1])
  counter = counter + 1
  local path
  if mode == "page" then
    path = "/cari?q=" .. q
  else
    path = "/api/v1/search?q=" .. q .. "&limit=10"
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("BENCH mode=%s\n", mode))
  io.write(string.format("BENCH requests=%d\n", summary.requests))
  io.write(string.format("BENCH rps=%.2f\n", summary.requests / secs))
  io.write(string.format("BENCH p50_ms=%.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("BENCH p90_ms=%.3f\n", latency:percentile(90) / 1000))
  io.write(string.format("BENCH p95_ms=%.3f\n", latency:percentile(95) / 1000))
  io.write(string.format("BENCH p99_ms=%.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("BENCH max_ms=%.3f\n", latency.max / 1000))
  io.write(string.format("BENCH errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("BENCH timeouts=%d\n", e.timeout))
  io.write(string.format("BENCH non2xx=%d\n", e.status))
end
