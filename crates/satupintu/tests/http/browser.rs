//! A small browser for tests: keeps cookies like a real one and fills in each form's CSRF
//! token from the last page it loaded.

use std::collections::BTreeMap;

use crate::support::TestApp;

/// A response as a test reads it.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

pub struct Browser<'a> {
    app: &'a TestApp,
    /// Another node serving the same database, when the browser was pointed at one.
    node: Option<String>,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self { app, node: None, client: app.client.clone(), cookies: BTreeMap::new(), csrf: None }
    }

    /// A browser on another loopback address (127.0.0.0/8 is all loopback), for tests that
    /// need more clients than one address may register.
    pub fn from_address(app: &'a TestApp, address: std::net::IpAddr) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(address)
            .build()
            .expect("client");
        Self { app, node: None, client, cookies: BTreeMap::new(), csrf: None }
    }

    /// Sends the next requests to another node (`http://host:port`), cookies and all.
    pub fn switch_to(&mut self, base: &str) {
        self.node = Some(base.to_string());
    }

    fn url(&self, path: &str) -> String {
        match &self.node {
            Some(base) => format!("{base}{path}"),
            None => self.app.url(path),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&String> {
        self.cookies.get(name)
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("cookie");
            let pair = text.split(';').next().expect("pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let header =
            |name: &str| response.headers().get(name).map(|v| v.to_str().expect("header").to_string());
        let status = response.status().as_u16();
        let location = header("location");
        let retry_after = header("retry-after");
        let body = response.text().await.expect("body");
        if let Some(token) = csrf_in(&body) {
            self.csrf = Some(token);
        }
        Page { status, location, retry_after, body }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response =
            self.client.get(self.url(path)).header("cookie", self.cookie_header()).send().await.expect("GET");
        self.read(response).await
    }

    /// Posts a form with the CSRF token of the last page.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        self.post_with(path, fields, Some(&token), &[]).await
    }

    /// Posts a form with the given token (or none) and extra headers.
    pub async fn post_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(token) = csrf {
            form.push(("csrf", token));
        }
        let mut request = self.client.post(self.url(path)).header("cookie", self.cookie_header()).form(&form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("POST");
        self.read(response).await
    }
}

impl Browser<'_> {
    /// Downloads a file: the status, the content type and the bytes.
    pub async fn download(&mut self, path: &str) -> (u16, String, Vec<u8>) {
        let response =
            self.client.get(self.url(path)).header("cookie", self.cookie_header()).send().await.expect("GET");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().expect("content type").to_string())
            .unwrap_or_default();
        (status, content_type, response.bytes().await.expect("bytes").to_vec())
    }

    /// Uploads one file as a `multipart/form-data` form (field `berkas`) with the CSRF token
    /// of the last page, as a browser's file input sends it.
    pub async fn upload(&mut self, path: &str, file_name: &str, bytes: &[u8]) -> Page {
        self.post_multipart(path, &[], &[("berkas", file_name, bytes)]).await
    }

    /// Posts a `multipart/form-data` form: text fields and files (field, file name, bytes),
    /// with the CSRF token of the last page.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        let boundary = "----satupintu-uji-7d1f";
        let token = self.csrf.clone().unwrap_or_default();
        let mut body = Vec::new();
        for (name, value) in std::iter::once(&("csrf", token.as_str())).chain(fields) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let response = self
            .client
            .post(self.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("multipart post");
        self.read(response).await
    }
}

fn csrf_in(body: &str) -> Option<String> {
    let start = body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_string())
}
