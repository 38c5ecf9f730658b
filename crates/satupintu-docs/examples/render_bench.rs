//! Renders and signs the sample letter many times and prints the latency percentiles as JSON:
//! `cargo run --release -p satupintu-docs --example render_bench [COUNT] [--write FILE]`.

use std::time::{Duration, Instant};

use satupintu_docs::{DocumentSigner, Signing, render_signed, sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut count = 2_000usize;
    let mut write = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--write" => write = args.next(),
            n => count = n.parse()?,
        }
    }
    let signer =
        DocumentSigner::self_signed([3; 32], "Pemerintah Kota Contoh", Duration::from_secs(1_790_000_000))?;
    let letter = sample::letter();
    let mut times = Vec::with_capacity(count);
    let mut size = 0;
    for _ in 0..count {
        let started = Instant::now();
        let signing = Signing {
            signer: &signer,
            reason: "Diterbitkan",
            location: "Kota Contoh",
            at: jiff::Timestamp::now(),
            offset: jiff::tz::offset(7),
        };
        let pdf = render_signed(&letter, &signing)?;
        times.push(started.elapsed());
        size = pdf.len();
        if let Some(path) = write.take() {
            std::fs::write(path, &pdf)?;
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{{\"documents\": {count}, \"bytes\": {size}, \"p50_ms\": {:.3}, \"p95_ms\": {:.3}, \"p99_ms\": {:.3}}}",
        at(0.50),
        at(0.95),
        at(0.99)
    );
    Ok(())
}
