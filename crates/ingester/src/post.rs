//! Outbound POSTs: the webhook deliveries `app::webhooks` makes. One request, with a timeout,
//! never following a redirect (a webhook URL is where the body goes, nowhere else); the answer
//! is its status, whatever it is, and only a failure to get one is an error.

use std::time::Duration;

/// A POST that got no HTTP answer: the URL, and why (connect, timeout, TLS…).
#[derive(Debug, thiserror::Error)]
#[error("POST {url}: {reason}")]
pub struct PostError {
    pub url: String,
    pub reason: String,
}

/// POSTs `body` as JSON with `headers` to `url`; returns the answer's status code.
pub async fn post_json(
    url: &str,
    headers: &[(&str, String)],
    body: String,
    timeout: Duration,
) -> Result<u16, PostError> {
    let fail = |e: &dyn std::error::Error| PostError {
        url: url.to_owned(),
        reason: modelbrief_domain::present::error_chain(e),
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("modelbrief/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(&e))?;
    let mut req = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let answer = req.body(body).send().await.map_err(|e| fail(&e))?;
    Ok(answer.status().as_u16())
}
