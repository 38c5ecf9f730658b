//! A real SMTP server for tests: it listens on a random local port, speaks enough RFC 5321
//! for lettre (and for a hand-written client), and keeps every accepted message in memory,
//! with helpers to decode what a test wants to check (subject, body text, links).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// The longest command or text line accepted (RFC 5321 allows 1000; lenient for tests).
const MAX_LINE: u64 = 64 * 1024;

/// The largest message kept; a bigger one is refused with `552`.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// A client silent this long is disconnected, so no session outlives a broken test.
const IDLE: Duration = Duration::from_secs(30);

/// One accepted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// The message as the client formatted it, dot-stuffing undone, without the line break
    /// that precedes the terminating dot.
    pub data: String,
}

impl Received {
    fn head_and_body(&self) -> (&str, &str) {
        let data = self.data.as_str();
        match (data.find("\r\n\r\n"), data.find("\n\n")) {
            (Some(crlf), Some(lf)) if lf < crlf => (&data[..lf], &data[lf + 2..]),
            (Some(crlf), _) => (&data[..crlf], &data[crlf + 4..]),
            (None, Some(lf)) => (&data[..lf], &data[lf + 2..]),
            (None, None) => (data, ""),
        }
    }

    /// The raw value of the first header called `name` (case-insensitive), unfolded and
    /// trimmed, encoded words left as they are.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.head_and_body();
        let mut fields: Vec<String> = Vec::new();
        for line in head.lines() {
            match fields.last_mut() {
                // A line starting with white space continues the previous field (RFC 5322 §2.2.3).
                Some(field) if line.starts_with([' ', '\t']) => field.push_str(line),
                _ => fields.push(line.to_string()),
            }
        }
        fields.iter().find_map(|field| {
            let (key, value) = field.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    }

    /// The subject, RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject").map(|value| decode_encoded_words(&value))
    }

    /// The body as text: the Content-Transfer-Encoding (quoted-printable, base64) undone,
    /// read as UTF-8, with CRLF line ends turned into `\n`.
    pub fn body_text(&self) -> String {
        let (_, body) = self.head_and_body();
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(body.as_bytes()),
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                STANDARD.decode(compact).unwrap_or_else(|_| body.as_bytes().to_vec())
            }
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }

    /// The first `http://` or `https://` URL in the body whose path starts with
    /// `path_prefix`, e.g. `/akun/verifikasi/`.
    pub fn find_link(&self, path_prefix: &str) -> Option<String> {
        let body = self.body_text();
        let mut rest = body.as_str();
        while let Some(start) = rest.find("http://").into_iter().chain(rest.find("https://")).min() {
            let candidate = &rest[start..];
            let end =
                candidate.find(|c: char| c.is_whitespace() || "<>\"'".contains(c)).unwrap_or(candidate.len());
            // Sentence punctuation after a link is not part of it.
            let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
            let after_scheme = url.split_once("://").map_or("", |(_, after)| after);
            let path = after_scheme.find('/').map_or("", |slash| &after_scheme[slash..]);
            if path.starts_with(path_prefix) {
                return Some(url.to_string());
            }
            rest = &candidate[end.max(1)..];
        }
        None
    }
}

/// Decodes RFC 2047 encoded words in a header value; white space between two encoded words
/// is not part of the text (RFC 2047 §6.2). The charset is taken to be UTF-8.
fn decode_encoded_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut rest = value;
    let mut after_encoded = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match parse_encoded_word(candidate) {
            Some((bytes, consumed)) => {
                if !(after_encoded && before.chars().all(char::is_whitespace)) {
                    out.extend_from_slice(before.as_bytes());
                }
                out.extend(bytes);
                after_encoded = true;
                rest = &candidate[consumed..];
            }
            None => {
                out.extend_from_slice(before.as_bytes());
                out.extend_from_slice(b"=?");
                after_encoded = false;
                rest = &candidate[2..];
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// `=?charset?B|Q?text?=` at the start of `word`: the decoded bytes and the length used.
fn parse_encoded_word(word: &str) -> Option<(Vec<u8>, usize)> {
    let inner = word.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let text = &inner[..end];
    if charset.is_empty() || charset.contains(char::is_whitespace) || text.contains(char::is_whitespace) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => STANDARD.decode(text).ok()?,
        "Q" | "q" => decode_q(text.as_bytes()),
        _ => return None,
    };
    Some((bytes, 2 + charset.len() + 1 + encoding.len() + 1 + end + 2))
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).and_then(|digit| u8::try_from(digit).ok())
}

/// `=XX` as one byte, anything else (a stray `=`) as it is.
fn decode_hex_escape(bytes: &[u8], i: usize) -> Option<u8> {
    let high = hex_value(*bytes.get(i + 1)?)?;
    let low = hex_value(*bytes.get(i + 2)?)?;
    Some(high * 16 + low)
}

/// The Q encoding of RFC 2047 §4.2: quoted-printable where `_` is a space.
fn decode_q(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&byte) = text.get(i) {
        match byte {
            b'_' => out.push(b' '),
            b'=' if decode_hex_escape(text, i).is_some() => {
                out.extend(decode_hex_escape(text, i));
                i += 2;
            }
            _ => out.push(byte),
        }
        i += 1;
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` is a byte, `=` at a line end a soft break.
fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&byte) = body.get(i) {
        if byte == b'=' {
            if body[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if body[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let Some(decoded) = decode_hex_escape(body, i) {
                out.push(decoded);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    out
}

/// What the sessions share with the test.
#[derive(Default)]
struct Mailbox {
    messages: Mutex<Vec<Received>>,
    arrived: Notify,
}

impl Mailbox {
    fn store(&self, received: Received) {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).push(received);
        self.arrived.notify_waiters();
    }

    fn all(&self) -> Vec<Received> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// A running SMTP server on `127.0.0.1`; it stops, with all its sessions, when dropped.
pub struct SmtpSink {
    /// Where it listens.
    pub addr: SocketAddr,
    mailbox: Arc<Mailbox>,
    server: JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SmtpSink {
    /// Binds a random port and starts accepting connections.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("the SMTP sink's address");
        let mailbox = Arc::new(Mailbox::default());
        let server = tokio::spawn(accept(listener, Arc::clone(&mailbox)));
        SmtpSink { addr, mailbox, server }
    }

    /// `smtp://127.0.0.1:PORT`, for `Mailer::smtp`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        self.mailbox.all()
    }

    fn newest_to(&self, to: &str) -> Option<Received> {
        self.mailbox.all().into_iter().rev().find(|m| m.to.iter().any(|r| r.eq_ignore_ascii_case(to)))
    }

    /// The newest message to `to` (case-insensitive), waiting up to `timeout` for one.
    pub async fn wait_for(&self, to: &str, timeout: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so a message stored in between still wakes us.
            let arrived = self.mailbox.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(found) = self.newest_to(to) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.newest_to(to);
            }
        }
    }
}

/// Accepts connections, one task each; the tasks live in a set that ends them all when this
/// task is aborted.
async fn accept(listener: TcpListener, mailbox: Arc<Mailbox>) {
    let mut sessions = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let mailbox = Arc::clone(&mailbox);
                sessions.spawn(async move {
                    // A broken or vanished client only ends its own session.
                    let _ = session(stream, &mailbox).await;
                });
            }
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
        while sessions.try_join_next().is_some() {}
    }
}

/// One line, with its line end; `None` at end of input, at a line cut short by the client
/// leaving, or at an over-long line (the session then ends).
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let read = tokio::time::timeout(IDLE, (&mut *reader).take(MAX_LINE).read_until(b'\n', &mut line)).await;
    match read {
        Ok(Ok(_)) if line.ends_with(b"\n") => Ok(Some(line)),
        Ok(Ok(_)) => Ok(None),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "idle SMTP client")),
    }
}

/// The mailbox inside `<…>` after `keyword` (`FROM:` or `TO:`), parameters ignored.
fn path_argument(argument: &str, keyword: &str) -> Option<String> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let (path, _parameters) = inner.split_once('>')?;
    Some(path.to_string())
}

/// What followed `DATA`.
enum Data {
    /// A whole message, dot-stuffing undone.
    Message(Vec<u8>),
    /// A whole message, larger than `MAX_MESSAGE`.
    TooBig,
    /// The client left before the final dot.
    Gone,
}

async fn read_data<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Data> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let Some(line) = read_line(reader).await? else { return Ok(Data::Gone) };
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        // RFC 5321 §4.5.2: a line starting with a dot was sent with one more.
        let line = line.strip_prefix(b".").unwrap_or(&line);
        too_big = too_big || data.len() + line.len() > MAX_MESSAGE;
        if !too_big {
            data.extend_from_slice(line);
        }
    }
    if too_big {
        return Ok(Data::TooBig);
    }
    // The line end before the dot closes the last line; the client's message did not have it.
    if data.ends_with(b"\r\n") {
        data.truncate(data.len() - 2);
    } else if data.ends_with(b"\n") {
        data.truncate(data.len() - 1);
    }
    Ok(Data::Message(data))
}

async fn session(stream: TcpStream, mailbox: &Mailbox) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(b"220 localhost ESMTP Satu Pintu test sink\r\n").await?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    loop {
        let Some(line) = read_line(&mut reader).await? else { return Ok(()) };
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        let (verb, argument) = line.split_once(' ').unwrap_or((line, ""));
        let reply: &[u8] = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 localhost\r\n",
            "MAIL" => match path_argument(argument, "FROM:") {
                Some(path) => {
                    from = Some(path);
                    to.clear();
                    b"250 2.1.0 OK\r\n"
                }
                None => b"501 5.5.4 syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" if from.is_none() => b"503 5.5.1 MAIL first\r\n",
            "RCPT" => match path_argument(argument, "TO:") {
                Some(path) => {
                    to.push(path);
                    b"250 2.1.5 OK\r\n"
                }
                None => b"501 5.5.4 syntax: RCPT TO:<address>\r\n",
            },
            "DATA" if to.is_empty() => b"503 5.5.1 RCPT first\r\n",
            "DATA" => {
                writer.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let data = read_data(&mut reader).await?;
                let envelope_from = from.take().unwrap_or_default();
                let recipients = std::mem::take(&mut to);
                match data {
                    Data::Message(data) => {
                        let data = String::from_utf8_lossy(&data).into_owned();
                        mailbox.store(Received { from: envelope_from, to: recipients, data });
                        b"250 2.0.0 queued\r\n"
                    }
                    Data::TooBig => b"552 5.3.4 message too big\r\n",
                    Data::Gone => return Ok(()),
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                writer.write_all(b"221 2.0.0 bye\r\n").await?;
                return writer.shutdown().await;
            }
            _ => b"502 5.5.2 command not implemented\r\n",
        };
        writer.write_all(reply).await?;
    }
}
