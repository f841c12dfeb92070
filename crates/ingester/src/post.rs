//! Outbound POSTs: the webhook deliveries `app::webhooks` makes. One request, with a timeout,
//! never following a redirect (a webhook URL is where the body goes, nowhere else); the answer
//! is its status, whatever it is, and only a failure to get one is an error. A webhook URL can
//! be a credential (Slack's and Discord's are), so no error carries it: say which webhook it was
//! with [`redacted`].

use std::time::Duration;

/// A POST that got no HTTP answer, and why (connect, timeout, TLS…), without its URL.
#[derive(Debug, thiserror::Error)]
#[error("POST failed: {reason}")]
pub struct PostError {
    pub reason: String,
}

/// A URL fit for logs and `status`: its scheme and host, the path and query hidden.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}/…",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "(unreadable URL)".to_owned(),
    }
}

/// POSTs `body` as JSON with `headers` to `url`; returns the answer's status code.
pub async fn post_json(
    url: &str,
    headers: &[(&str, String)],
    body: String,
    timeout: Duration,
) -> Result<u16, PostError> {
    let fail = |e: reqwest::Error| PostError {
        reason: modelbrief_domain::present::error_chain(&e.without_url()),
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("modelbrief/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(fail)?;
    let mut req = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let answer = req.body(body).send().await.map_err(fail)?;
    Ok(answer.status().as_u16())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_redacted_url_keeps_only_scheme_host_and_port() {
        assert_eq!(
            super::redacted("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            super::redacted("http://127.0.0.1:8080/hook?key=1"),
            "http://127.0.0.1:8080/…"
        );
    }
}
