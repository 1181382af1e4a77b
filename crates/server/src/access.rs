//! Who may reach the server from a browser.
//!
//! The local server listens on loopback, but every web page the user visits runs in a browser on the same
//! machine, and a browser will send requests anywhere. [`AccessPolicy`] and the [`guard`] middleware close
//! the three ways such a page gets in:
//! - **Cross-site writes and live reads.** A state-changing request (any method but `GET`, `HEAD`,
//!   `OPTIONS`) or a WebSocket upgrade that carries an `Origin` must come from this server's own origin (or
//!   one allowed by configuration). Requests without an `Origin` come from the agent, the CLI or a script,
//!   not from a page, and stay allowed, unless the browser marks them `Sec-Fetch-Site: cross-site`.
//! - **DNS rebinding.** A page on `evil.example` can point its name at 127.0.0.1 and then talk to us as its
//!   own origin; the `Host` header still says `evil.example`. Only loopback names, the listen address and
//!   configured names pass ([`AccessPolicy::host_allowed`]).
//! - **Simple requests.** A page may POST `text/plain` or a form cross-site without a preflight; bodies are
//!   only taken with a JSON content type.
//!
//! The same middleware adds the UI's security headers (CSP, `nosniff`, frame-ancestors) and turns every
//! error response into a JSON body, whichever layer produced it.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppError;
use crate::state::AppState;

/// The UI's Content Security Policy: everything from this origin only, no framing. Inline styles stay
/// allowed because Svelte and uPlot set `style` attributes; scripts never run inline.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
                   base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Largest error body rewritten into JSON; longer ones are replaced by the status' reason.
const MAX_ERROR_TEXT_BYTES: usize = 4096;

/// Which hosts and origins the server answers, besides its own loopback names.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    /// Extra host names a `Host` header may carry (lowercase, no port): a LAN name, the public name.
    hosts: Vec<String>,
    /// Extra origins allowed to write and to open WebSockets (`scheme://host[:port]`, lowercase).
    origins: Vec<String>,
    /// The address the server listens on. Its IP is a valid host; an unspecified one (`0.0.0.0`, `::`)
    /// makes every IP literal valid, since the server is then meant to be reached by any of its addresses.
    listen_ip: Option<IpAddr>,
}

/// A host or origin given in the configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{what} is not valid: {value}")]
pub struct AccessConfigError {
    what: &'static str,
    value: String,
}

impl AccessPolicy {
    /// Loopback names plus the listen address.
    pub fn new(listen: SocketAddr) -> AccessPolicy {
        AccessPolicy { listen_ip: Some(listen.ip()), ..AccessPolicy::default() }
    }

    /// Also answers requests naming `host` (a DNS name or IP, optionally with a port, which is ignored).
    pub fn allow_host(mut self, host: &str) -> Result<AccessPolicy, AccessConfigError> {
        let name = host_name(host).ok_or_else(|| AccessConfigError { what: "host name", value: host.into() })?;
        self.hosts.push(name);
        Ok(self)
    }

    /// Also lets pages of `url`'s origin write and open WebSockets, and answers its host. Used for the
    /// server's public URL (behind a proxy) and for a UI served from elsewhere (Vite's dev server).
    pub fn allow_origin(mut self, url: &str) -> Result<AccessPolicy, AccessConfigError> {
        let origin = origin_of(url).ok_or_else(|| AccessConfigError { what: "origin URL", value: url.into() })?;
        let host = url.parse::<Uri>().ok().and_then(|u| u.host().map(str::to_ascii_lowercase));
        self.hosts.extend(host);
        self.origins.push(origin);
        Ok(self)
    }

    /// Whether a `Host` header value names this server.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else { return false };
        if name == "localhost" || name.ends_with(".localhost") || self.hosts.contains(&name) {
            return true;
        }
        match name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            Ok(ip) => {
                ip.is_loopback()
                    || self.listen_ip.is_some_and(|listen| listen.is_unspecified() || listen == ip)
                    || ip.to_canonical().is_loopback()
            }
            // A name we were not told about: the DNS-rebinding case.
            Err(_) => false,
        }
    }

    /// Whether a page of `origin` may write or open a WebSocket on a request that named `host`.
    fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        let Some(origin) = origin_of(origin) else { return false };
        if self.origins.contains(&origin) {
            return true;
        }
        // Same origin: the page was served by this server under the name the request uses.
        let authority = origin.split_once("://").map_or("", |(_, a)| a);
        host.is_some_and(|h| h.eq_ignore_ascii_case(authority) || h.eq_ignore_ascii_case(&default_port(&origin)))
    }
}

/// `origin` with its default port spelled out, for a `Host` header that carries it (`http://a` ≡ `a:80`).
fn default_port(origin: &str) -> String {
    match origin.split_once("://") {
        Some(("http", a)) if !a.contains(':') || a.ends_with(']') => format!("{a}:80"),
        Some(("https", a)) if !a.contains(':') || a.ends_with(']') => format!("{a}:443"),
        Some((_, a)) => a.to_string(),
        None => String::new(),
    }
}

/// The host of a `Host` header value, lowercase, without the port; IPv6 keeps its brackets.
fn host_name(host: &str) -> Option<String> {
    let authority: axum::http::uri::Authority = host.trim().parse().ok()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let name = authority.host().to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

/// `scheme://authority` of an http(s) URL or `Origin` value, lowercase; `None` for `null` and other schemes.
fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.trim().parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = uri.authority()?.as_str().to_ascii_lowercase();
    if authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

/// A request that would change state or open a live connection.
fn is_sensitive(method: &Method, headers: &HeaderMap) -> bool {
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    !safe || headers.get(header::UPGRADE).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// Whether a request carries a body (the ones that must be JSON).
fn has_body(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()).is_none_or(|n| n > 0))
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Checks a request against the policy; `Err` is the response refusing it.
fn check(policy: &AccessPolicy, method: &Method, headers: &HeaderMap) -> Result<(), AppError> {
    let host = headers.get(header::HOST).map(|h| h.to_str().unwrap_or(""));
    if let Some(host) = host
        && !policy.host_allowed(host)
    {
        return Err(AppError::Forbidden(format!(
            "host `{host}` is not served here (allow it with --allow-host or --public-url)"
        )));
    }
    if !is_sensitive(method, headers) {
        return Ok(());
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let origin = origin.to_str().unwrap_or("");
            if !policy.origin_allowed(origin, host) {
                return Err(AppError::Forbidden(format!(
                    "cross-origin request from `{origin}` refused (allow it with --allow-origin)"
                )));
            }
        }
        None => {
            // No Origin: a tool, not a page. Old browsers may omit it; their fetch metadata still tells.
            if headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
                return Err(AppError::Forbidden("cross-site request refused".into()));
            }
        }
    }
    if *method != Method::GET && has_body(headers) && !is_json(headers) {
        return Err(AppError::UnsupportedMediaType(
            "request bodies must be JSON (Content-Type: application/json)".into(),
        ));
    }
    Ok(())
}

/// The middleware: refuses what [`check`] refuses, then adds security headers and makes error bodies JSON.
pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = match check(state.access(), request.method(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => {
            state.metrics().requests_refused.get_or_create(&[("reason", e.reason())]).inc();
            e.into_response()
        }
    };
    let mut response = json_errors(response).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

/// An error response whose body is not JSON (axum's own rejections: 405, a refused WebSocket upgrade, ...)
/// gets `{"error": "<its text>"}` instead.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json_body = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json_body {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_ERROR_TEXT_BYTES).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).trim().to_string(),
        _ => String::new(),
    };
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_lowercase() } else { text };
    let body = serde_json::to_string(&racecraft_protocol::rest::ErrorBody { error: message }).unwrap_or_default();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn local() -> AccessPolicy {
        AccessPolicy::new("127.0.0.1:8080".parse().expect("addr"))
    }

    #[test]
    fn loopback_names_and_the_listen_address_are_hosts_others_are_not() {
        let p = local();
        for ok in ["localhost:8080", "LOCALHOST", "127.0.0.1:8080", "[::1]:8080", "127.0.0.2", "app.localhost"] {
            assert!(p.host_allowed(ok), "{ok}");
        }
        for bad in
            ["evil.example", "evil.example:8080", "192.168.1.5:8080", "", "a@localhost", "localhost.evil.example"]
        {
            assert!(!p.host_allowed(bad), "{bad}");
        }
        let lan = AccessPolicy::new("0.0.0.0:8080".parse().expect("addr"));
        assert!(lan.host_allowed("192.168.1.5:8080"), "any address of a server listening on all of them");
        assert!(!lan.host_allowed("rebind.evil.example:8080"), "but still no foreign name");
        let named = local().allow_host("RacePC.lan").expect("name");
        assert!(named.host_allowed("racepc.lan:8080"));
    }

    #[test]
    fn origins_must_match_the_host_or_be_allowed() {
        let p = local();
        assert!(p.origin_allowed("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(p.origin_allowed("http://localhost", Some("localhost:80")));
        assert!(!p.origin_allowed("http://127.0.0.1:8080", Some("localhost:8080")), "another origin of ours");
        assert!(!p.origin_allowed("http://evil.example", Some("127.0.0.1:8080")));
        assert!(!p.origin_allowed("null", Some("127.0.0.1:8080")));
        assert!(!p.origin_allowed("http://127.0.0.1:8080", None));
        let dev = local().allow_origin("http://localhost:5173/").expect("origin");
        assert!(dev.origin_allowed("http://LOCALHOST:5173", Some("127.0.0.1:8080")));
        assert!(local().allow_origin("ftp://x").is_err());
    }

    #[test]
    fn writes_from_pages_need_our_origin_and_json() {
        let p = local();
        let post = Method::POST;
        let json = ("content-type", "application/json");
        let len = ("content-length", "2");
        let host = ("host", "127.0.0.1:8080");
        // Tools: no Origin.
        assert!(check(&p, &post, &headers(&[host, json, len])).is_ok());
        // Our own page.
        assert!(check(&p, &post, &headers(&[host, json, len, ("origin", "http://127.0.0.1:8080")])).is_ok());
        // Another site's page, with any content type.
        let e =
            check(&p, &post, &headers(&[host, len, ("origin", "http://evil.example"), ("content-type", "text/plain")]))
                .expect_err("cross-site");
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        // A form or text body from a tool.
        for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let e = check(&p, &post, &headers(&[host, len, ("content-type", ct)])).expect_err(ct);
            assert_eq!(e.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        }
        assert!(check(&p, &post, &headers(&[host, len])).is_err(), "a body without a content type");
        assert!(check(&p, &post, &headers(&[host, ("content-type", "application/json; charset=utf-8"), len])).is_ok());
        // A body-less DELETE needs no content type, but a foreign page may not send it.
        assert!(check(&p, &Method::DELETE, &headers(&[host])).is_ok());
        assert!(check(&p, &Method::DELETE, &headers(&[host, ("origin", "http://evil.example")])).is_err());
        assert!(check(&p, &Method::DELETE, &headers(&[host, ("sec-fetch-site", "cross-site")])).is_err());
        // DNS rebinding: the page is same-origin with itself, but the Host is a foreign name.
        let rebound = headers(&[("host", "rebind.evil.example:8080"), ("origin", "http://rebind.evil.example:8080")]);
        assert!(check(&p, &Method::DELETE, &rebound).is_err());
        assert!(check(&p, &Method::GET, &rebound).is_err(), "reads too");
    }

    #[test]
    fn websocket_upgrades_from_foreign_pages_are_refused_reads_are_not_checked_for_origin() {
        let p = local();
        let ws = [("host", "127.0.0.1:8080"), ("upgrade", "websocket"), ("origin", "http://evil.example")];
        assert!(check(&p, &Method::GET, &headers(&ws)).is_err());
        let ours = [("host", "127.0.0.1:8080"), ("upgrade", "websocket"), ("origin", "http://127.0.0.1:8080")];
        assert!(check(&p, &Method::GET, &headers(&ours)).is_ok());
        let agent = [("host", "127.0.0.1:8080"), ("upgrade", "websocket")];
        assert!(check(&p, &Method::GET, &headers(&agent)).is_ok());
        // A plain read from another page: the browser will not let it read the answer (no CORS).
        let read = [("host", "127.0.0.1:8080"), ("origin", "http://evil.example")];
        assert!(check(&p, &Method::GET, &headers(&read)).is_ok());
    }
}
