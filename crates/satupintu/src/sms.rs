//! Outgoing SMS (verification and reset links for citizens without email), handed to an HTTP
//! gateway, or written as `.sms` files for installations without one.
//!
//! The gateway contract is deliberately small so any provider fits behind a thin adapter:
//! `POST {url}` with `Content-Type: application/json` and the body
//! `{"to": "+6281234567890", "text": "…"}` (the number in E.164), plus
//! `Authorization: Bearer {token}` when a token is configured. Any 2xx answer means the
//! gateway took the message; anything else is retried by the outbox. The gateway is reached
//! over plain HTTP (a relay on this host or network, such as a Kannel or Gammu box).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

/// How long one request to the gateway may take.
const GATEWAY_TIMEOUT: Duration = Duration::from_secs(15);

/// A text message to one mobile number.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// The number in national form, `081234567890`.
    pub to: String,
    /// The text.
    pub text: String,
}

impl std::fmt::Debug for OutgoingSms {
    // The number is personal data and the text may hold a single-use link.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingSms").finish_non_exhaustive()
    }
}

/// Where outgoing SMS go.
#[derive(Clone, Debug)]
pub enum SmsGateway {
    /// An HTTP gateway.
    Http {
        /// The client (connection pool, timeouts).
        client: reqwest::Client,
        /// The address messages are posted to.
        url: String,
        /// The bearer token, if the gateway wants one.
        token: Option<String>,
    },
    /// A folder that receives one `.sms` file per message, for the operator to read.
    Files {
        /// The folder (mode 0700 on unix).
        dir: PathBuf,
    },
}

impl SmsGateway {
    /// A gateway at `http://host[:port]/path`. Errors never repeat the URL or the token.
    pub fn http(url: &str, token: Option<String>) -> anyhow::Result<Self> {
        let url = url.trim();
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            anyhow::anyhow!("the SMS gateway URL must start with http:// (TLS is not supported)")
        })?;
        if rest.is_empty() || rest.starts_with('/') {
            anyhow::bail!("the SMS gateway URL has no host");
        }
        let client = reqwest::Client::builder()
            .timeout(GATEWAY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("could not set up the SMS gateway client")?;
        Ok(Self::Http { client, url: url.to_string(), token: token.filter(|t| !t.is_empty()) })
    }

    /// A gateway that writes each message into `dir`, creating it (mode 0700) if needed.
    pub fn files(dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let dir = dir.into();
        crate::mail::create_private_dir(&dir)?;
        Ok(Self::Files { dir })
    }

    /// Sends one message: to the gateway, or into a file.
    pub async fn send(&self, sms: &OutgoingSms) -> anyhow::Result<()> {
        let to = international(&sms.to)?;
        match self {
            Self::Http { client, url, token } => {
                let mut request = client.post(url).json(&serde_json::json!({ "to": to, "text": sms.text }));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let response = request.send().await.map_err(|e| {
                    // reqwest's errors name the URL, which may carry credentials.
                    anyhow::anyhow!("the SMS gateway could not be reached: {}", e.without_url())
                })?;
                let status = response.status();
                if !status.is_success() {
                    anyhow::bail!("the SMS gateway answered {status}");
                }
                tracing::debug!("SMS handed to the gateway");
            }
            Self::Files { dir } => {
                let dir = dir.clone();
                let formatted = format!("To: {to}\n\n{}\n", sms.text);
                let path = tokio::task::spawn_blocking(move || {
                    crate::mail::write_private_file(&dir, "sms", formatted.as_bytes())
                })
                .await
                .context("the SMS file writer stopped")??;
                tracing::info!(path = %path.display(), "SMS written to a file");
            }
        }
        Ok(())
    }
}

/// `081234567890` → `+6281234567890`.
fn international(national: &str) -> anyhow::Result<String> {
    let rest = national
        .strip_prefix('0')
        .filter(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| anyhow::anyhow!("not a national mobile number"))?;
    Ok(format!("+62{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_go_out_in_e164() {
        assert_eq!(international("081234567890").ok().as_deref(), Some("+6281234567890"));
        assert!(international("+6281234567890").is_err());
        assert!(international("0").is_err());
    }

    #[test]
    fn only_plain_http_gateways_are_accepted_and_errors_hide_the_url() {
        assert!(SmsGateway::http("http://127.0.0.1:13013/kirim", None).is_ok());
        let refused = SmsGateway::http("https://user:secret@sms.example/", None).err().map(|e| e.to_string());
        assert!(refused.as_deref().is_some_and(|m| !m.contains("secret")), "{refused:?}");
        assert!(SmsGateway::http("http:///path", None).is_err());
    }

    #[test]
    fn debug_output_hides_the_number_and_text() {
        let sms = OutgoingSms { to: "081234567890".into(), text: "tautan rahasia".into() };
        let shown = format!("{sms:?}");
        assert!(!shown.contains("0812") && !shown.contains("rahasia"), "{shown}");
    }
}
