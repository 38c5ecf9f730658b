#!/usr/bin/env python3
"""Print a Satu Pintu content bundle: the demo bundle plus N generated news items.

Usage: bench/gen_news.py N [--seed S] > bundle.json

The generated items are deterministic for a given N and seed: Indonesian text built
from a fixed vocabulary (with the usual affixed forms such as perizinan, pelayanan,
pengaduan, pendaftaran, kependudukan, pembangunan) so that full-text search sees a
realistic mix of frequent and rare words. Slugs are gen-000001, gen-000002, ...;
publication dates are spread over 2020-2026 with a +07:00 (WIB) offset.
Only the Python standard library is used.
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "crates" / "satupintu" / "demo" / "content.json"
WIB = timezone(timedelta(hours=7))

# Topics per agency slug: (noun phrase, keywords used in sentences).
TOPICS = {
    "disdukcapil": [
        "perekaman KTP-el", "pencetakan Kartu Keluarga", "penerbitan akta kelahiran",
        "pencatatan akta kematian", "pendaftaran penduduk pindah datang",
        "layanan administrasi kependudukan", "aktivasi Identitas Kependudukan Digital",
        "pemutakhiran data kependudukan", "pencatatan perkawinan",
    ],
    "dpmptsp": [
        "perizinan berusaha berbasis risiko", "pendaftaran Nomor Induk Berusaha",
        "persetujuan bangunan gedung", "perizinan usaha mikro dan kecil",
        "pelayanan terpadu satu pintu", "konsultasi perizinan investasi",
        "sertifikat laik fungsi", "izin reklame",
    ],
    "dinkes": [
        "imunisasi dasar lengkap", "pemeriksaan kesehatan gratis", "posyandu balita dan lansia",
        "pencegahan demam berdarah", "penanganan stunting", "pelayanan puskesmas keliling",
        "pendaftaran jaminan kesehatan", "vaksinasi anak sekolah",
    ],
    "dinsos": [
        "penyaluran bantuan sosial", "verifikasi data penerima bantuan",
        "pendampingan penyandang disabilitas", "pelayanan lansia terlantar",
        "pemutakhiran data kesejahteraan sosial", "bantuan permakanan",
    ],
    "dispendik": [
        "pendaftaran sekolah", "penerimaan murid baru", "beasiswa pendidikan",
        "pelatihan guru", "pembangunan gedung sekolah", "pendaftaran ulang siswa",
        "program sekolah ramah anak",
    ],
    "diskominfo": [
        "pengaduan warga melalui kanal daring", "pengembangan layanan digital",
        "keterbukaan informasi publik", "jaringan internet gratis di balai RW",
        "keamanan data pribadi", "pelatihan literasi digital",
    ],
    "bapenda": [
        "pembayaran pajak bumi dan bangunan", "penghapusan sanksi administrasi pajak",
        "pajak kendaraan bermotor", "pajak restoran dan hotel", "retribusi daerah",
        "pendataan objek pajak", "pembayaran pajak secara daring",
    ],
    "dlh": [
        "pengelolaan sampah rumah tangga", "penghijauan taman kota", "bank sampah",
        "pengendalian pencemaran sungai", "pengurangan sampah plastik",
        "pemantauan kualitas udara",
    ],
    "dishub": [
        "pengujian kendaraan bermotor", "penataan parkir", "rekayasa lalu lintas",
        "layanan angkutan umum", "perbaikan lampu penerangan jalan",
        "penertiban parkir liar",
    ],
    "disnaker": [
        "pelatihan kerja berbasis kompetensi", "bursa kerja", "penempatan tenaga kerja",
        "pengawasan ketenagakerjaan", "pendaftaran kartu pencari kerja",
        "sertifikasi kompetensi pekerja",
    ],
    "inspektorat": [
        "pengaduan pungutan liar", "pengawasan pelayanan publik", "pelaporan gratifikasi",
        "pemeriksaan kinerja perangkat daerah", "pencegahan korupsi",
    ],
    "kecamatan-genteng": [
        "layanan kecamatan hari Sabtu", "pengurusan surat keterangan",
        "kerja bakti lingkungan", "musyawarah perencanaan pembangunan",
    ],
    "kecamatan-gubeng": [
        "pelayanan administrasi di kelurahan", "penanganan banjir lingkungan",
        "pembangunan saluran air", "antrean daring kecamatan",
    ],
    "kecamatan-rungkut": [
        "antrean daring kecamatan", "penataan pedagang kaki lima",
        "perbaikan jalan kampung", "siaga banjir musim hujan",
    ],
    None: [
        "peringatan hari jadi kota", "penanganan banjir", "siaga bencana musim hujan",
        "pembangunan infrastruktur kota", "festival budaya kampung",
        "pemadaman listrik terjadwal", "peningkatan kualitas pelayanan publik",
    ],
}

AGENCY_NAMES = {
    "disdukcapil": "Dinas Kependudukan dan Pencatatan Sipil",
    "dpmptsp": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    "dinkes": "Dinas Kesehatan",
    "dinsos": "Dinas Sosial",
    "dispendik": "Dinas Pendidikan",
    "diskominfo": "Dinas Komunikasi dan Informatika",
    "bapenda": "Badan Pendapatan Daerah",
    "dlh": "Dinas Lingkungan Hidup",
    "dishub": "Dinas Perhubungan",
    "disnaker": "Dinas Tenaga Kerja",
    "inspektorat": "Inspektorat Daerah",
    "kecamatan-genteng": "Kecamatan Genteng",
    "kecamatan-gubeng": "Kecamatan Gubeng",
    "kecamatan-rungkut": "Kecamatan Rungkut",
    None: "Pemerintah Kota Surabaya",
}

KECAMATAN = [
    "Genteng", "Gubeng", "Rungkut", "Tegalsari", "Bubutan", "Simokerto", "Pabean Cantian",
    "Semampir", "Krembangan", "Kenjeran", "Bulak", "Tambaksari", "Sukolilo", "Mulyorejo",
    "Tenggilis Mejoyo", "Gunung Anyar", "Wonokromo", "Wonocolo", "Wiyung", "Karang Pilang",
    "Jambangan", "Gayungan", "Dukuh Pakis", "Sawahan", "Sukomanunggal", "Tandes", "Asemrowo",
    "Benowo", "Pakal", "Lakarsantri", "Sambikerep",
]

STREETS = [
    "Tunjungan", "Raya Darmo", "Pemuda", "Basuki Rahmat", "Kertajaya", "Dharmahusada",
    "Ahmad Yani", "Diponegoro", "Embong Malang", "Kenjeran", "Rungkut Industri",
    "Mayjen Sungkono", "Tidar", "Kapas Krampung", "Ngagel Jaya", "Manyar Kertoarjo",
    "Menur Pumpungan", "Wonokitri", "Kedung Cowek", "Semolowaru",
]

# Rare on purpose: about one item in a hundred names a kelurahan, so each name matches
# only a few dozen items and search sees genuinely rare words too.
KELURAHAN = [
    "Keputih", "Medokan Ayu", "Gundih", "Sidotopo Wetan", "Tambak Wedi", "Kalirungkut",
    "Jemurwonosari", "Balongsari", "Sememi", "Kandangan", "Romokalisari", "Tambak Osowilangun",
    "Manukan Kulon", "Banyu Urip", "Putat Jaya", "Pakis", "Ketintang", "Siwalankerto",
    "Kebraon", "Babatan", "Lidah Kulon", "Made", "Bangkingan", "Sumur Welut", "Gunung Sari",
    "Dukuh Kupang", "Pradah Kalikendal", "Kedurus", "Warugunung", "Kebonsari", "Menanggal",
    "Dukuh Menanggal", "Gayungan", "Jagir", "Ngagelrejo", "Darmo", "Sawunggaling",
    "Wonorejo", "Penjaringan Sari", "Kedung Baruk",
]

TITLE_VERBS = [
    "Percepat", "Perluas", "Tingkatkan", "Permudah", "Buka", "Gelar", "Perkuat",
    "Sosialisasikan", "Evaluasi", "Mulai", "Tambah", "Benahi", "Optimalkan",
]
TITLE_TAILS = [
    "bagi Warga {kec}", "di Kecamatan {kec}", "Tahun {year}", "Mulai Pekan Depan",
    "Secara Daring", "hingga Akhir Bulan", "untuk Pelaku UMKM", "di Balai RW",
    "Tanpa Biaya", "Lewat Satu Pintu", "bagi Lansia dan Disabilitas", "Jelang Musim Hujan",
]
ANNOUNCEMENT_PREFIX = [
    "Pengumuman:", "Jadwal", "Perubahan Jadwal", "Pemberitahuan:", "Info Layanan:",
]

OPENINGS = [
    "{agency_city} {verb_lower} {topic} di wilayah Kecamatan {kec}.",
    "Pemerintah Kota Surabaya melalui {agency} terus {verb_ing} {topic} bagi warga.",
    "Warga Kecamatan {kec} kini dapat memanfaatkan {topic} dengan lebih mudah.",
    "{agency} mengumumkan langkah baru terkait {topic} yang berlaku mulai {month} {year}.",
    "Sejak awal {month} {year}, {topic} diselenggarakan dengan pola pelayanan yang baru.",
]
MIDDLES = [
    "{head} menyampaikan bahwa program ini merupakan tindak lanjut dari masukan warga dalam forum konsultasi publik.",
    "Pendaftaran dapat dilakukan secara daring melalui Satu Pintu atau langsung di kantor kelurahan terdekat.",
    "Petugas akan melakukan verifikasi berkas dalam waktu paling lama {days} hari kerja setelah permohonan diterima.",
    "Selama periode tersebut, layanan dibuka setiap hari kerja pukul 08.00 hingga 15.00 WIB.",
    "Warga diminta menyiapkan dokumen persyaratan seperti KTP-el, Kartu Keluarga, dan surat pengantar dari RT/RW.",
    "Hingga pekan ini tercatat {count} permohonan yang telah diproses oleh petugas di lapangan.",
    "Pelaksanaan kegiatan melibatkan kader kelurahan, pengurus RT/RW, serta relawan dari organisasi kemasyarakatan.",
    "Pengawasan dilakukan secara berkala untuk memastikan pelayanan berjalan tepat waktu dan tepat sasaran.",
    "Kegiatan dipusatkan di sekitar Jalan {street} dan dapat dijangkau dengan angkutan umum.",
    "Anggaran kegiatan bersumber dari APBD Kota Surabaya tahun anggaran {year}.",
    "Koordinasi lintas perangkat daerah diperkuat agar penanganan di lapangan tidak tumpang tindih.",
    "Data hasil pendataan akan dipadukan dengan data kependudukan sehingga pelayanan lebih akurat.",
    "Masyarakat juga dapat memantau perkembangan permohonan melalui nomor registrasi yang dikirimkan lewat pesan singkat.",
]
CLOSINGS = [
    "Seluruh layanan ini tidak dipungut biaya; warga diminta melapor apabila ada pihak yang meminta imbalan.",
    "Pengaduan dan pertanyaan dapat disampaikan melalui kanal pengaduan terpadu atau pusat panggilan 112.",
    "Pemerintah kota berharap partisipasi aktif warga agar pembangunan dan pelayanan publik semakin merata.",
    "Informasi lebih lanjut tersedia di kantor kecamatan, kelurahan, dan laman resmi Pemerintah Kota Surabaya.",
    "Evaluasi pelaksanaan akan disampaikan kepada publik sebagai bagian dari keterbukaan informasi.",
    "Warga yang berhalangan hadir dapat mengajukan jadwal ulang melalui layanan antrean daring.",
]
SUMMARIES = [
    "{agency} {verb_lower} {topic} agar pelayanan bagi warga Kecamatan {kec} lebih cepat dan mudah.",
    "Warga dapat mengakses {topic} secara daring maupun di kantor kelurahan mulai {month} {year}.",
    "Program {topic} menjangkau {count} warga dan akan diperluas ke kecamatan lain.",
    "{agency} mengajak warga memanfaatkan {topic} tanpa biaya dan tanpa perantara.",
]
VERBS_LOWER = [
    "mempercepat", "memperluas", "meningkatkan", "mempermudah", "membuka", "menggelar",
    "memperkuat", "menyosialisasikan", "mengevaluasi", "memulai", "membenahi", "mengoptimalkan",
]
VERBS_ING = [
    "meningkatkan", "memperluas", "mempercepat", "membenahi", "mendorong", "memperbaiki",
]
MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
    "September", "Oktober", "November", "Desember",
]

START = datetime(2020, 1, 1, tzinfo=WIB)
END = datetime(2026, 12, 31, 23, 59, tzinfo=WIB)


def title_case_topic(topic: str) -> str:
    return " ".join(w if (w[:1].isupper() or "-" in w) else w.capitalize() for w in topic.split())


def paragraph(rng, sentences, n, ctx):
    picked = rng.sample(sentences, n)
    return " ".join(s.format(**ctx) for s in picked)


def make_item(rng: random.Random, i: int) -> dict:
    agencies = list(TOPICS)
    agency = rng.choice(agencies)
    topic = rng.choice(TOPICS[agency])
    when = START + timedelta(seconds=rng.randrange(int((END - START).total_seconds())))
    when = when.replace(second=0)
    ctx = {
        "agency": AGENCY_NAMES[agency],
        "agency_city": AGENCY_NAMES[agency] + ("" if agency is None else " Kota Surabaya"),
        "head": "Wali Kota Surabaya" if agency is None else f"Kepala {AGENCY_NAMES[agency]}",
        "street": rng.choice(STREETS),
        "topic": topic,
        "kec": rng.choice(KECAMATAN),
        "year": when.year,
        "month": MONTHS[when.month - 1],
        "verb_lower": rng.choice(VERBS_LOWER),
        "verb_ing": rng.choice(VERBS_ING),
        "days": rng.choice([3, 5, 7, 10, 14]),
        "count": f"{rng.randrange(120, 25000):,}".replace(",", "."),
    }
    kind = "announcement" if rng.random() < 0.2 else "news"
    title = f"{rng.choice(TITLE_VERBS)} {title_case_topic(topic)} {rng.choice(TITLE_TAILS).format(**ctx)}"
    if kind == "announcement":
        title = f"{rng.choice(ANNOUNCEMENT_PREFIX)} {title_case_topic(topic)} {rng.choice(TITLE_TAILS).format(**ctx)}"
    summary = rng.choice(SUMMARIES).format(**ctx)
    p1 = rng.choice(OPENINGS).format(**ctx) + " " + paragraph(rng, MIDDLES, 1, ctx)
    p2 = paragraph(rng, MIDDLES, rng.choice([2, 3]), ctx)
    p3 = paragraph(rng, CLOSINGS, rng.choice([1, 2]), ctx)
    if rng.random() < 0.01:
        p2 += f" Warga Kelurahan {rng.choice(KELURAHAN)} menjadi sasaran pertama kegiatan ini."
    body = f"{p1}\n\n{p2}\n\n{p3}"
    # Keep bodies within ~500-900 characters.
    while len(body) < 500:
        p2 += " " + rng.choice(MIDDLES).format(**ctx)
        body = f"{p1}\n\n{p2}\n\n{p3}"
    if len(body) > 900:
        p3 = rng.choice(CLOSINGS).format(**ctx)
        body = f"{p1}\n\n{p2}\n\n{p3}"
    item = {
        "slug": f"gen-{i:06d}",
        "kind": kind,
        "title": title,
        "summary": summary,
        "body": body,
        "published_at": when.isoformat(timespec="seconds"),
    }
    if agency is not None:
        item["agency"] = agency
    return item


def main(argv):
    args = argv[1:]
    seed = 20260601
    if "--seed" in args:
        k = args.index("--seed")
        seed = int(args[k + 1])
        del args[k:k + 2]
    if len(args) != 1 or not args[0].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    n = int(args[0])
    bundle = json.loads(DEMO.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    bundle["news"].extend(make_item(rng, i) for i in range(1, n + 1))
    out = sys.stdout
    out.write(json.dumps(bundle, ensure_ascii=False))
    out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
