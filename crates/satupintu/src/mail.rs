//! Outgoing mail (verification links, notices): plain UTF-8 text, sent through an SMTP relay,
//! or written as `.eml` files for installations without one.
//!
//! The relay is reached without TLS (`smtp://`): it is expected on the same host or network,
//! such as a local Postfix that does the onward delivery.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The port of an `smtp://` URL that names none (RFC 5321: 25).
const DEFAULT_SMTP_PORT: u16 = 25;

/// How long one SMTP step (connect, each command) may take.
const SMTP_STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a whole SMTP exchange may take, however many steps it has.
const SMTP_TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// A plain-text message to one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient, `someone@example.org` or `Name <someone@example.org>`.
    pub to: String,
    /// The subject line; line breaks are replaced by spaces.
    pub subject: String,
    /// The body, plain UTF-8 text.
    pub text: String,
}

/// Where outgoing mail goes.
#[derive(Clone, Debug)]
pub enum Mailer {
    /// An SMTP relay, without TLS.
    Smtp {
        /// The connection settings (one connection per message).
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The sender of every message.
        from: Mailbox,
    },
    /// A folder that receives one `.eml` file per message, for the operator to read.
    Files {
        /// The folder (mode 0700 on unix).
        dir: PathBuf,
        /// The sender of every message.
        from: Mailbox,
    },
}

impl Mailer {
    /// A mailer for the relay at `smtp://[user:password@]host[:port]` (port 25 by default;
    /// user and password percent-encoded). `from` is the sender, e.g.
    /// `Satu Pintu <noreply@example.go.id>`. Errors never repeat the URL, which may hold a
    /// password.
    pub fn smtp(url: &str, from: &str) -> anyhow::Result<Self> {
        let from = parse_sender(from)?;
        let url = SmtpUrl::parse(url)?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host)
            .port(url.port)
            .timeout(Some(SMTP_STEP_TIMEOUT));
        if let Some((user, password)) = url.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Self::Smtp { transport: builder.build(), from })
    }

    /// A mailer that writes each message as `{unix millis}-{random hex}.eml` into `dir`,
    /// creating the folder (mode 0700 on unix) if needed.
    pub fn files(dir: impl Into<PathBuf>, from: &str) -> anyhow::Result<Self> {
        let from = parse_sender(from)?;
        let dir = dir.into();
        create_private_dir(&dir)?;
        Ok(Self::Files { dir, from })
    }

    /// Sends one message: to the relay, or into a file.
    pub async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()> {
        match self {
            Self::Smtp { transport, from } => {
                let message = build_message(from, mail, BodyStyle::Compact)?;
                tokio::time::timeout(SMTP_TOTAL_TIMEOUT, transport.send(message))
                    .await
                    .map_err(|_| anyhow::anyhow!("the SMTP relay took too long"))?
                    .context("the SMTP relay did not accept the message")?;
                tracing::debug!("mail handed to the SMTP relay");
            }
            Self::Files { dir, from } => {
                let message = build_message(from, mail, BodyStyle::Readable)?;
                let dir = dir.clone();
                let path = tokio::task::spawn_blocking(move || {
                    write_private_file(&dir, "eml", &message.formatted())
                })
                .await
                .context("the mail file writer stopped")??;
                // The path only: the body may hold a sign-in or verification link.
                tracing::info!(path = %path.display(), "mail written to a file");
            }
        }
        Ok(())
    }
}

fn parse_sender(from: &str) -> anyhow::Result<Mailbox> {
    from.parse().map_err(|_| anyhow::anyhow!("invalid sender address"))
}

/// How the body is laid out in the message.
#[derive(Clone, Copy)]
enum BodyStyle {
    /// lettre's choice: 7bit, quoted-printable or base64, whichever is shortest and needs
    /// no 8BITMIME support from the relay.
    Compact,
    /// 8bit where valid, so the operator reading the file sees links unaltered
    /// (quoted-printable would write `=` as `=3D` and break long lines).
    Readable,
}

fn build_message(from: &Mailbox, mail: &OutgoingMail, style: BodyStyle) -> anyhow::Result<Message> {
    let to: Mailbox = mail.to.parse().map_err(|_| anyhow::anyhow!("invalid recipient address"))?;
    let subject: String = mail.subject.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let body = match style {
        BodyStyle::Compact => Body::new(mail.text.clone()),
        BodyStyle::Readable => {
            Body::new_with_encoding(mail.text.clone(), ContentTransferEncoding::EightBit)
                // Too long a line, or a NUL: fall back to an encoding that carries it.
                .unwrap_or_else(Body::new)
        }
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id(from)?))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .context("could not build the mail message")
}

/// `<{unix millis}.{random hex}@{sender domain}>`: unique, and naming our domain rather than
/// the host name of the server (RFC 5322 §3.6.4).
fn message_id(from: &Mailbox) -> anyhow::Result<String> {
    Ok(format!("<{}.{}@{}>", unix_millis(), random_hex()?, from.email.domain()))
}

fn unix_millis() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default()
}

pub(crate) fn random_hex() -> anyhow::Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(crate::digest::hex(&bytes))
}

/// Creates `dir` (and its parents) readable by this user only (0700 on unix).
pub(crate) fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).with_context(|| format!("could not create the folder {}", dir.display()))
}

/// Writes a message as `{unix millis}-{random hex}.{extension}` beside its final name and
/// renames it into place, so a reader never sees half a message. Files are private (0600 on
/// unix): they hold verification links.
pub(crate) fn write_private_file(dir: &Path, extension: &str, formatted: &[u8]) -> anyhow::Result<PathBuf> {
    create_private_dir(dir)?;
    let name = format!("{}-{}", unix_millis(), random_hex()?);
    let partial = dir.join(format!(".{name}.partial"));
    let path = dir.join(format!("{name}.{extension}"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&partial).and_then(|mut file| {
        file.write_all(formatted)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&partial, &path)) {
        let _ = std::fs::remove_file(&partial);
        return Err(e).with_context(|| format!("could not write a message file in {}", dir.display()));
    }
    Ok(path)
}

/// The parts of an `smtp://` URL.
#[derive(Debug, PartialEq, Eq)]
struct SmtpUrl {
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl SmtpUrl {
    /// Parses `smtp://[user:password@]host[:port][/]`. No error message includes any part of
    /// the input: the password must not reach logs.
    fn parse(url: &str) -> anyhow::Result<Self> {
        let (scheme, rest) = url
            .trim()
            .split_once("://")
            .ok_or_else(|| anyhow::anyhow!("the SMTP URL must have the form smtp://host:port"))?;
        if !scheme.eq_ignore_ascii_case("smtp") {
            anyhow::bail!("the SMTP URL must start with smtp:// (TLS is not supported)");
        }
        // The last `@` ends the user information: passwords may hold `@`, `/` or `:`.
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        let hostport = hostport.strip_suffix('/').unwrap_or(hostport);
        if hostport.contains(['/', '?', '#']) {
            anyhow::bail!("the SMTP URL must not have a path or query");
        }
        let (host, port) = split_host_port(hostport)?;
        let credentials = userinfo.map(parse_userinfo).transpose()?;
        Ok(Self { host, port, credentials })
    }
}

fn split_host_port(hostport: &str) -> anyhow::Result<(String, u16)> {
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        // An IPv6 literal, `[::1]:25`; the brackets are URL syntax, not part of the address.
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| anyhow::anyhow!("the SMTP URL has an unclosed IPv6 address"))?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| anyhow::anyhow!("the SMTP URL is malformed"))?),
        };
        (host, port)
    } else {
        match hostport.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@') {
        anyhow::bail!("the SMTP URL has no valid host");
    }
    let port = match port {
        None => DEFAULT_SMTP_PORT,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|&port| port != 0)
            .ok_or_else(|| anyhow::anyhow!("the SMTP URL has an invalid port"))?,
    };
    Ok((host.to_string(), port))
}

fn parse_userinfo(userinfo: &str) -> anyhow::Result<(String, String)> {
    let (user, password) = userinfo
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("the SMTP URL names a user without a password"))?;
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(part)
            .decode_utf8()
            .map(|decoded| decoded.into_owned())
            .map_err(|_| anyhow::anyhow!("the SMTP URL's user or password is not UTF-8"))
    };
    let (user, password) = (decode(user)?, decode(password)?);
    if user.is_empty() {
        anyhow::bail!("the SMTP URL has an empty user");
    }
    Ok((user, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: &str = "Satu Pintu <noreply@satupintu.test>";

    fn scratch_dir(name: &str) -> PathBuf {
        let unique = random_hex().expect("randomness");
        std::env::temp_dir().join(format!("satupintu-mail-{}-{name}-{unique}", std::process::id()))
    }

    /// Decodes the `=?utf-8?b?…?=` words lettre writes for non-ASCII words of a header; the
    /// space between two encoded words is not part of the text (RFC 2047 §6.2).
    fn decode_header(value: &str) -> String {
        use base64::Engine;
        let mut out = Vec::new();
        let (mut gap, mut after_encoded) = (0, false);
        for (i, token) in value.split(' ').enumerate() {
            gap += usize::from(i > 0);
            if token.is_empty() {
                continue;
            }
            match token.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
                Some(encoded) => {
                    if !after_encoded {
                        out.extend(" ".repeat(gap).bytes());
                    }
                    out.extend(base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64"));
                    after_encoded = true;
                }
                None => {
                    out.extend(" ".repeat(gap).bytes());
                    out.extend(token.bytes());
                    after_encoded = false;
                }
            }
            gap = 0;
        }
        String::from_utf8(out).expect("UTF-8")
    }

    fn header(message: &str, name: &str) -> Option<String> {
        let (head, _) = message.split_once("\r\n\r\n")?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    }

    #[tokio::test]
    async fn files_mailer_writes_a_readable_utf8_eml_file() {
        let dir = scratch_dir("files");
        let mailer = Mailer::files(&dir, FROM).expect("mailer");
        let text = "Selamat datang di Satu Pintu — Kota Surabaya.\n\
                    Buka http://127.0.0.1:8080/akun/verifikasi/abc123?kode=x1\n\
                    Terima kasih";
        let mail = OutgoingMail {
            to: "Warga <warga@example.org>".into(),
            subject: "Verifikasi surel — Kota Surabaya".into(),
            text: text.into(),
        };
        mailer.send(&mail).await.expect("sent");

        let entries: Vec<PathBuf> =
            std::fs::read_dir(&dir).expect("dir").map(|e| e.expect("entry").path()).collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        let path = &entries[0];
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let (millis, rest) = name.split_once('-').expect("millis-hex");
        assert!(millis.parse::<u128>().is_ok(), "{name}");
        let hex = rest.strip_suffix(".eml").expect(".eml");
        assert!(hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()), "{name}");

        let bytes = std::fs::read(path).expect("read");
        let message = String::from_utf8(bytes).expect("the file is UTF-8");
        assert_eq!(decode_header(&header(&message, "Subject").expect("subject")), mail.subject);
        assert_eq!(header(&message, "To").as_deref(), Some("Warga <warga@example.org>"));
        assert_eq!(header(&message, "From").as_deref(), Some("\"Satu Pintu\" <noreply@satupintu.test>"));
        assert_eq!(header(&message, "Content-Type").as_deref(), Some("text/plain; charset=utf-8"));
        assert_eq!(header(&message, "Content-Transfer-Encoding").as_deref(), Some("8bit"));
        let id = header(&message, "Message-ID").expect("message id");
        assert!(id.starts_with('<') && id.ends_with("@satupintu.test>"), "{id}");
        let (_, body) = message.split_once("\r\n\r\n").expect("body");
        assert_eq!(body.replace("\r\n", "\n"), text, "the link must be readable as written");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(path), 0o600);
        }
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[tokio::test]
    async fn files_mailer_names_each_message_uniquely() {
        let dir = scratch_dir("unique");
        let mailer = Mailer::files(&dir, FROM).expect("mailer");
        let mail = OutgoingMail { to: "a@example.org".into(), subject: "Hai".into(), text: "Halo".into() };
        for _ in 0..5 {
            mailer.send(&mail).await.expect("sent");
        }
        assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 5);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[tokio::test]
    async fn a_bad_recipient_is_refused_without_echoing_the_message() {
        let dir = scratch_dir("recipient");
        let mailer = Mailer::files(&dir, FROM).expect("mailer");
        for to in ["not an address", "a@example.org, b@example.org", ""] {
            let mail =
                OutgoingMail { to: to.into(), subject: "rahasia-subjek".into(), text: "rahasia".into() };
            let error = format!("{:#}", mailer.send(&mail).await.expect_err("refused"));
            assert_eq!(error, "invalid recipient address");
        }
        assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 0);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_bad_sender_is_refused() {
        let error = Mailer::smtp("smtp://localhost", "not an address").expect_err("refused");
        assert_eq!(error.to_string(), "invalid sender address");
    }

    #[test]
    fn line_breaks_in_a_subject_do_not_make_new_headers() {
        let from: Mailbox = FROM.parse().expect("from");
        let mail = OutgoingMail {
            to: "a@example.org".into(),
            subject: "Hai\r\nBcc: mallory@example.org".into(),
            text: "Halo".into(),
        };
        let message = build_message(&from, &mail, BodyStyle::Compact).expect("message");
        let formatted = String::from_utf8(message.formatted()).expect("ASCII");
        assert_eq!(header(&formatted, "Bcc"), None);
        assert_eq!(header(&formatted, "Subject").as_deref(), Some("Hai  Bcc: mallory@example.org"));
    }

    #[test]
    fn smtp_url_with_host_and_port() {
        let url = SmtpUrl::parse("smtp://mail.surabaya.go.id:2525").expect("parsed");
        assert_eq!(url, SmtpUrl { host: "mail.surabaya.go.id".into(), port: 2525, credentials: None });
        let url = SmtpUrl::parse("SMTP://127.0.0.1/").expect("parsed");
        assert_eq!(url, SmtpUrl { host: "127.0.0.1".into(), port: 25, credentials: None });
        let url = SmtpUrl::parse("smtp://[::1]:587").expect("parsed");
        assert_eq!(url, SmtpUrl { host: "::1".into(), port: 587, credentials: None });
        let url = SmtpUrl::parse("smtp://[::1]").expect("parsed");
        assert_eq!(url.port, 25);
    }

    #[test]
    fn smtp_url_credentials_are_percent_decoded() {
        let url = SmtpUrl::parse("smtp://portal:p%40ss:w@rd@relay.local:25").expect("parsed");
        assert_eq!(url.host, "relay.local");
        assert_eq!(url.credentials, Some(("portal".into(), "p@ss:w@rd".into())));
        let url = SmtpUrl::parse("smtp://user%2Bx:s%2Fecret@relay.local").expect("parsed");
        assert_eq!(url.credentials, Some(("user+x".into(), "s/ecret".into())));
        assert_eq!(url.port, 25);
    }

    #[test]
    fn smtp_mailer_accepts_a_url_with_credentials() {
        let mailer = Mailer::smtp("smtp://portal:s3cr3t-pw@relay.local:2525", FROM).expect("mailer");
        assert!(matches!(mailer, Mailer::Smtp { .. }));
        assert!(!format!("{mailer:?}").contains("s3cr3t-pw"), "Debug must not show the password");
    }

    #[test]
    fn smtp_url_refuses_other_schemes_and_malformed_input() {
        for url in [
            "smtps://portal:s3cr3t-pw@relay.local:465",
            "https://portal:s3cr3t-pw@relay.local",
            "portal:s3cr3t-pw@relay.local:25",
            "smtp://portal:s3cr3t-pw@relay.local:99999",
            "smtp://portal:s3cr3t-pw@relay.local:0",
            "smtp://portal:s3cr3t-pw@relay.local:abc",
            "smtp://portal:s3cr3t-pw@",
            "smtp://portal:s3cr3t-pw@relay.local/path",
            "smtp://portal:s3cr3t-pw@relay.local?tls=required",
            "smtp://portal:s3cr3t-pw@[::1",
            "smtp://portal:s3cr3t-pw@::1:25",
            "smtp://:s3cr3t-pw@relay.local",
            "smtp://s3cr3t-pw@relay.local",
            "smtp://portal:s3cr3t-pw%FF@relay.local",
        ] {
            let error = SmtpUrl::parse(url).expect_err(url);
            let text = format!("{error:#} {error:?}");
            assert!(!text.contains("s3cr3t-pw"), "{url} leaked into {text}");
            let error = Mailer::smtp(url, FROM).expect_err(url);
            assert!(!format!("{error:#} {error:?}").contains("s3cr3t-pw"), "{url}");
        }
    }
}
