//! A filled-in letter, for the benchmark, the tests and the documentation.

use crate::{Letter, Letterhead};

/// A certificate of domicile as the demo municipality issues it.
pub fn letter() -> Letter {
    Letter {
        letterhead: Letterhead {
            government: "Pemerintah Kota Contoh".into(),
            agency: "Dinas Kependudukan dan Pencatatan Sipil".into(),
            address: "Jl. Merdeka No. 1, Kota Contoh 12345 · (021) 555-0101 · disdukcapil@contoh.go.id".into(),
        },
        title: "Surat Keterangan Domisili".into(),
        number_line: "Nomor: 470/0001/436.7.11/2026".into(),
        paragraphs: vec!["Yang bertanda tangan di bawah ini menerangkan bahwa penduduk berikut benar berdomisili di Kota Contoh, dan surat ini dapat digunakan sebagaimana mestinya oleh yang bersangkutan.".into()],
        details: vec![
            ("Nama".into(), "Siti Rahayu Pértiwi".into()),
            ("NIK".into(), "3171014501900001".into()),
            ("Alamat".into(), "Jl. Kenanga Gg. III No. 27 RT 004 RW 011, Kelurahan Menteng, Kecamatan Menteng".into()),
        ],
        place_and_date: "Kota Contoh, 28 November 2026".into(),
        signatory: vec!["a.n. Kepala Dinas Kependudukan".into(), "dan Pencatatan Sipil".into()],
        verify_url: "https://contoh.go.id/verify/7K3M9QX2WP4D".into(),
        verify_note: vec![
            "Dokumen ini ditandatangani secara elektronik.".into(),
            "Periksa keasliannya di https://contoh.go.id/verify/7K3M9QX2WP4D".into(),
        ],
        metadata_title: "Surat Keterangan Domisili 470/0001/436.7.11/2026".into(),
    }
}
