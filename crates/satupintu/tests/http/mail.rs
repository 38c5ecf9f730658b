//! Outgoing mail through a real SMTP exchange: `Mailer::smtp` against the local sink.

use std::time::Duration;

use satupintu::mail::{Mailer, OutgoingMail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::smtp_sink::{Received, SmtpSink};

const FROM: &str = "Satu Pintu <noreply@satupintu.test>";
const PATIENCE: Duration = Duration::from_secs(10);

fn mail(to: &str, subject: &str, text: &str) -> OutgoingMail {
    OutgoingMail { to: to.into(), subject: subject.into(), text: text.into() }
}

#[tokio::test]
async fn verification_mail_arrives_with_subject_body_and_link_intact() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url(), FROM).expect("mailer");
    let text = "Selamat datang, Budi Santoso.\n\
                \n\
                Untuk mengaktifkan akun Anda di Satu Pintu, buka tautan berikut:\n\
                http://127.0.0.1:8080/akun/verifikasi/abc123\n\
                \n\
                Tautan berlaku 24 jam. Jika Anda tidak mendaftar, abaikan surel ini.\n\
                \n\
                Terima kasih,\n\
                Pemerintah Kota Surabaya — Dinas Komunikasi dan Informatika";
    let subject = "Verifikasi surel — Kota Surabaya";
    mailer.send(&mail("Budi Santoso <budi@example.org>", subject, text)).await.expect("sent");

    let received = sink.wait_for("BUDI@example.org", PATIENCE).await.expect("the message arrived");
    assert_eq!(received.from, "noreply@satupintu.test");
    assert_eq!(received.to, vec!["budi@example.org".to_string()]);
    assert_eq!(received.subject().as_deref(), Some(subject));
    assert_eq!(received.body_text(), text);
    assert!(received.body_text().contains("Terima kasih"));
    assert_eq!(
        received.find_link("/akun/verifikasi/").as_deref(),
        Some("http://127.0.0.1:8080/akun/verifikasi/abc123")
    );
    assert_eq!(received.find_link("/akun/sandi/"), None);
    assert_eq!(received.header("Content-Type").as_deref(), Some("text/plain; charset=utf-8"));
    let id = received.header("Message-ID").expect("a Message-ID");
    assert!(id.starts_with('<') && id.ends_with("@satupintu.test>"), "{id}");
    assert!(received.header("Date").is_some());
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn twenty_concurrent_sends_all_arrive() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url(), FROM).expect("mailer");
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..20 {
        let mailer = mailer.clone();
        sends.spawn(async move {
            let to = format!("warga{i}@example.org");
            let text = format!("Nomor antrean Anda: {i}. Terima kasih.");
            mailer.send(&mail(&to, &format!("Antrean nomor {i} — Kota Surabaya"), &text)).await
        });
    }
    while let Some(sent) = sends.join_next().await {
        sent.expect("the task finished").expect("sent");
    }
    for i in 0..20 {
        let received =
            sink.wait_for(&format!("warga{i}@example.org"), PATIENCE).await.expect("the message arrived");
        assert_eq!(received.subject(), Some(format!("Antrean nomor {i} — Kota Surabaya")));
        assert_eq!(received.body_text(), format!("Nomor antrean Anda: {i}. Terima kasih."));
    }
    assert_eq!(sink.messages().len(), 20);
}

#[tokio::test]
async fn dotted_lines_long_lines_and_non_latin_text_survive_both_body_encodings() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url(), FROM).expect("mailer");

    // Mostly ASCII: quoted-printable, with soft line breaks and `=` escaped in the link.
    let link = "http://127.0.0.1:8080/akun/verifikasi/abc123?kembali=/layanan/izin-usaha&bahasa=id";
    let text = format!(
        ".\n..baris diawali titik\n.\nSebuah baris yang sangat panjang sekali, lebih dari tujuh puluh \
         enam karakter, supaya dipotong — lalu disambung lagi.\nBuka {link}.\nTerima kasih\n"
    );
    mailer.send(&mail("titik@example.org", "Baris bertitik", &text)).await.expect("sent");
    let received = sink.wait_for("titik@example.org", PATIENCE).await.expect("arrived");
    assert_eq!(received.header("Content-Transfer-Encoding").as_deref(), Some("quoted-printable"));
    assert_eq!(received.body_text(), text);
    assert_eq!(received.find_link("/akun/verifikasi/").as_deref(), Some(link));

    // Mostly non-Latin: base64.
    let text = "ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ\nꦩꦠꦸꦂꦤꦸꦮꦸꦤ꧀\n— Terima kasih";
    let subject = "ꦱꦸꦫꦧꦪ — Surabaya — ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ ꦱꦸꦫꦧꦪ";
    mailer.send(&mail("aksara@example.org", subject, text)).await.expect("sent");
    let received = sink.wait_for("aksara@example.org", PATIENCE).await.expect("arrived");
    assert_eq!(received.header("Content-Transfer-Encoding").as_deref(), Some("base64"));
    assert_eq!(received.subject().as_deref(), Some(subject), "a long subject is folded into many words");
    assert_eq!(received.body_text(), text);
}

#[tokio::test]
async fn a_bad_recipient_or_an_absent_relay_is_an_error_that_echoes_nothing() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url(), FROM).expect("mailer");
    let error = mailer.send(&mail("bukan alamat", "rahasia", "rahasia")).await.expect_err("refused");
    assert_eq!(format!("{error:#}"), "invalid recipient address");
    assert!(sink.messages().is_empty());

    // A port nobody listens on: the one the sink had, after it stopped.
    let url = sink.url();
    drop(sink);
    let mailer = Mailer::smtp(&url, FROM).expect("mailer");
    let error = mailer.send(&mail("budi@example.org", "rahasia", "rahasia")).await.expect_err("no relay");
    let text = format!("{error:#}");
    assert!(text.starts_with("the SMTP relay did not accept the message"), "{text}");
    assert!(!text.contains("rahasia"), "{text}");
}

/// A hand-written SMTP client, to see the sink answer by the protocol.
struct RawClient {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl RawClient {
    async fn connect(sink: &SmtpSink) -> RawClient {
        let (reader, writer) = TcpStream::connect(sink.addr).await.expect("connect").into_split();
        let mut client = RawClient { reader: BufReader::new(reader), writer };
        assert_eq!(client.reply().await, 220);
        client
    }

    /// The code of the next reply, reading every line of a multi-line one.
    async fn reply(&mut self) -> u16 {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.expect("a reply");
            let code = line.get(..3).and_then(|code| code.parse().ok()).expect("a reply code");
            if line.as_bytes().get(3) != Some(&b'-') {
                return code;
            }
        }
    }

    async fn command(&mut self, line: &[u8]) -> u16 {
        self.writer.write_all(line).await.expect("write");
        self.writer.write_all(b"\r\n").await.expect("write");
        self.reply().await
    }
}

#[tokio::test]
async fn the_sink_answers_by_the_protocol_and_survives_broken_clients() {
    let sink = SmtpSink::start().await;

    let mut client = RawClient::connect(&sink).await;
    assert_eq!(client.command(b"EHLO test").await, 250);
    assert_eq!(client.command(b"VRFY budi").await, 502);
    assert_eq!(client.command(b"\xff\xfe garbage").await, 502);
    assert_eq!(client.command(b"RCPT TO:<budi@example.org>").await, 503);
    assert_eq!(client.command(b"MAIL budi").await, 501);
    assert_eq!(client.command(b"mail from:<a@example.org> BODY=8BITMIME").await, 250);
    assert_eq!(client.command(b"rcpt to:<budi@example.org>").await, 250);
    assert_eq!(client.command(b"RSET").await, 250);
    assert_eq!(client.command(b"DATA").await, 503);
    assert_eq!(client.command(b"NOOP").await, 250);
    assert_eq!(client.command(b"HELO test").await, 250);
    assert_eq!(client.command(b"MAIL FROM:<a@example.org>").await, 250);
    assert_eq!(client.command(b"RCPT TO:<budi@example.org>").await, 250);
    assert_eq!(client.command(b"DATA").await, 354);
    // The client vanishes in the middle of the message: nothing is stored.
    client.writer.write_all(b"Subject: setengah\r\n\r\nbaris pertama\r\n").await.expect("write");
    drop(client);

    let mut client = RawClient::connect(&sink).await;
    assert_eq!(client.command(b"HELO test").await, 250);
    assert_eq!(client.command(b"MAIL FROM:<a@example.org>").await, 250);
    assert_eq!(client.command(b"RCPT TO:<Siti@Example.org>").await, 250);
    assert_eq!(client.command(b"RCPT TO:<budi@example.org>").await, 250);
    assert_eq!(client.command(b"DATA").await, 354);
    let message = b"Subject: =?utf-8?q?Verifikasi_surel_=E2=80=94?=\r\n =?UTF-8?B?IEtvdGEgU3VyYWJheWE=?=\r\n\
                    Content-Transfer-Encoding: quoted-printable\r\n\
                    \r\n\
                    ..titik di awal, =E2=80=94 dan baris yang dipotong di tengah-=\r\n\
                    tengah: http://127.0.0.1:8080/akun/verifikasi/xyz=3D\r\n\
                    .\r\n";
    assert_eq!(client.command(message.trim_ascii_end()).await, 250);
    assert_eq!(client.command(b"QUIT").await, 221);
    let mut rest = Vec::new();
    client.reader.read_to_end(&mut rest).await.expect("the sink closes after QUIT");
    assert!(rest.is_empty());

    let received = sink.wait_for("siti@example.org", PATIENCE).await.expect("arrived");
    assert_eq!(sink.messages(), vec![received.clone()], "the broken message was not stored");
    assert_eq!(received.to, vec!["Siti@Example.org".to_string(), "budi@example.org".to_string()]);
    assert_eq!(received.subject().as_deref(), Some("Verifikasi surel — Kota Surabaya"));
    assert_eq!(
        received.body_text(),
        ".titik di awal, — dan baris yang dipotong di tengah-tengah: \
         http://127.0.0.1:8080/akun/verifikasi/xyz="
    );
    assert_eq!(
        received.find_link("/akun/verifikasi/").as_deref(),
        Some("http://127.0.0.1:8080/akun/verifikasi/xyz=")
    );

    // The sink still takes mail from a well-behaved client.
    let mailer = Mailer::smtp(&sink.url(), FROM).expect("mailer");
    mailer.send(&mail("budi@example.org", "Lagi", "Terima kasih")).await.expect("sent");
    let received = sink.wait_for("budi@example.org", PATIENCE).await.expect("arrived");
    assert_eq!(received.subject().as_deref(), Some("Lagi"));
    assert_eq!(sink.messages().len(), 2);
}

#[test]
fn bodies_without_a_transfer_encoding_and_mixed_subjects_decode() {
    let received = Received {
        from: "a@example.org".into(),
        to: vec!["b@example.org".into()],
        data: "subject: Halo =?utf-8?b?4oCU?= dunia =?utf-8?q?=E2=80=94?=  =?utf-8?q?_ya?=\r\n\
               \r\n\
               Baris satu\r\nBaris dua: https://portal.example.go.id/akun/verifikasi/q1, lalu titik."
            .into(),
    };
    assert_eq!(received.subject().as_deref(), Some("Halo — dunia — ya"));
    assert_eq!(
        received.body_text(),
        "Baris satu\nBaris dua: https://portal.example.go.id/akun/verifikasi/q1, lalu titik."
    );
    assert_eq!(
        received.find_link("/akun/verifikasi/").as_deref(),
        Some("https://portal.example.go.id/akun/verifikasi/q1")
    );
}
