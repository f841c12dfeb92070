//! Building the emails: the confirmation mail and the brief, multipart HTML + text.

use lettre::Message;
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart, header};

/// A message ready to hand to SMTP.
pub struct Outgoing {
    pub envelope: lettre::address::Envelope,
    pub raw: Vec<u8>,
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("invalid header name {0:?}")]
    Header(String),
    #[error("cannot build the message")]
    Message(#[source] lettre::error::Error),
}

pub fn mailbox(raw: &str) -> Result<Mailbox, BuildError> {
    raw.parse().map_err(|_| BuildError::Address(raw.to_owned()))
}

/// The parts every message shares.
pub struct Parts<'a> {
    pub from: &'a Mailbox,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// Extra headers: (name, value).
    pub headers: Vec<(String, String)>,
    pub date: std::time::SystemTime,
}

/// Builds a multipart/alternative message (text first, then HTML).
pub fn build(parts: Parts<'_>) -> Result<Outgoing, BuildError> {
    let to = mailbox(parts.to)?;
    let mut builder = Message::builder()
        .from(parts.from.clone())
        .to(to)
        .subject(parts.subject)
        .message_id(Some(parts.message_id.clone()))
        .date(parts.date);
    for (name, value) in &parts.headers {
        // Headers the builder does not model (List-Unsubscribe and friends).
        let name = header::HeaderName::new_from_ascii(name.clone())
            .map_err(|_| BuildError::Header(name.clone()))?;
        builder = builder.raw_header(header::HeaderValue::new(name, value.clone()));
    }
    let message = builder
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(parts.text))
                .singlepart(SinglePart::html(parts.html)),
        )
        .map_err(BuildError::Message)?;
    Ok(Outgoing {
        envelope: message.envelope().clone(),
        raw: message.formatted(),
        message_id: parts.message_id,
    })
}

/// The placeholder rendered into the brief where each subscriber's unsubscribe URL goes. The
/// HTML template inserts it unescaped (`|safe`), and [`BriefMessage::for_subscriber`] puts the
/// HTML-escaped URL in its place.
pub const UNSUBSCRIBE_PLACEHOLDER: &str = "https://unsubscribe.invalid/__MODELBRIEF_UNSUBSCRIBE__";

/// DKIM signing settings.
pub struct Dkim {
    pub config: lettre::message::dkim::DkimConfig,
}

/// One edition's message, rendered once and personalised per subscriber.
pub struct BriefMessage {
    pub subject: String,
    pub html: String,
    pub text: String,
    pub from: Mailbox,
    /// `List-Id`, e.g. `modelbrief <brief.example.com>`.
    pub list_id: String,
    /// The domain used in Message-IDs.
    pub host: String,
    pub week: String,
    /// An optional `mailto:` for List-Unsubscribe.
    pub unsubscribe_mailto: Option<String>,
    pub dkim: Option<Dkim>,
    /// The chart as a PNG, shown inline by Content-ID [`crate::chart::CHART_CID`]; encoded
    /// once here and copied into every message.
    pub chart: Option<Body>,
    /// The two parts' transfer encoding, done on first use (leave it `Default::default()`).
    pub prepared: Prepared,
}

/// The HTML and text parts encoded once per edition, see [`PreparedBody`].
#[derive(Default)]
pub struct Prepared(std::sync::OnceLock<(PreparedBody, PreparedBody)>);

/// A part's body with the transfer encoding done once: only the lines that hold the unsubscribe
/// placeholder are encoded again for each subscriber. Quoted-printable encodes line by line
/// (a hard line break resets it), so the result is byte for byte what encoding the whole
/// personalised part would give; other encodings fall back to encoding the whole part.
pub struct PreparedBody {
    encoding: lettre::message::header::ContentTransferEncoding,
    segments: Vec<Segment>,
}

enum Segment {
    /// Lines without the placeholder, already encoded.
    Encoded(String),
    /// One line (with its CRLF) holding the placeholder, not yet encoded.
    Personal(String),
}

impl PreparedBody {
    fn new(raw: &str) -> Self {
        use lettre::message::header::ContentTransferEncoding as Cte;
        // Pick the encoding lettre would pick for a personalised copy.
        let sample = raw.replace(
            UNSUBSCRIBE_PLACEHOLDER,
            "https://brief.example.com/unsubscribe?token=v1.sample",
        );
        let encoding = Body::new(sample).encoding();
        let text = crlf(raw);
        if encoding != Cte::QuotedPrintable {
            return Self {
                encoding,
                segments: vec![Segment::Personal(text)],
            };
        }
        let mut segments = Vec::new();
        let mut plain = String::new();
        for line in text.split_inclusive("\r\n") {
            if line.contains(UNSUBSCRIBE_PLACEHOLDER) {
                if !plain.is_empty() {
                    segments.push(Segment::Encoded(qp(&std::mem::take(&mut plain))));
                }
                segments.push(Segment::Personal(line.to_owned()));
            } else {
                plain.push_str(line);
            }
        }
        if !plain.is_empty() {
            segments.push(Segment::Encoded(qp(&plain)));
        }
        Self { encoding, segments }
    }

    /// The body with `replacement` where the placeholder was.
    fn personalise(&self, replacement: &str) -> Body {
        use lettre::message::header::ContentTransferEncoding as Cte;
        if self.encoding != Cte::QuotedPrintable {
            let whole: String = self
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Encoded(e) | Segment::Personal(e) => e.as_str(),
                })
                .collect();
            return Body::new(whole.replace(UNSUBSCRIBE_PLACEHOLDER, replacement));
        }
        let mut out = String::with_capacity(
            self.segments
                .iter()
                .map(|s| match s {
                    Segment::Encoded(e) | Segment::Personal(e) => e.len() + 32,
                })
                .sum(),
        );
        for s in &self.segments {
            match s {
                Segment::Encoded(e) => out.push_str(e),
                Segment::Personal(line) => {
                    out.push_str(&qp(&line.replace(UNSUBSCRIBE_PLACEHOLDER, replacement)))
                }
            }
        }
        Body::dangerous_pre_encoded(out.into_bytes(), Cte::QuotedPrintable)
    }
}

/// Line endings as lettre writes them: every `\n` not already after `\r` becomes `\r\n`.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

fn qp(text: &str) -> String {
    String::from_utf8(quoted_printable::encode(text)).expect("quoted-printable is ASCII")
}

/// A PNG as a MIME body (base64), for [`BriefMessage::chart`].
pub fn png_body(png: Vec<u8>) -> Body {
    Body::new(png)
}

impl BriefMessage {
    /// The message for one subscriber: their unsubscribe URL in the body and the headers, a
    /// stable Message-ID (the same on every retry), DKIM-signed when configured.
    pub fn for_subscriber(
        &self,
        subscriber_id: i64,
        email: &str,
        unsubscribe_url: &str,
        date: std::time::SystemTime,
    ) -> Result<Outgoing, BuildError> {
        let to = mailbox(email)?;
        let message_id = format!("<{}.{subscriber_id}@{}>", self.week, self.host);
        let list_unsubscribe = match &self.unsubscribe_mailto {
            Some(m) => format!("<{unsubscribe_url}>, <{m}>"),
            None => format!("<{unsubscribe_url}>"),
        };
        let raw = |name: &str, value: String| {
            header::HeaderValue::new(
                header::HeaderName::new_from_ascii_str(name_static(name)),
                value,
            )
        };
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(self.subject.clone())
            .message_id(Some(message_id.clone()))
            .date(date)
            .raw_header(raw("List-Unsubscribe", list_unsubscribe))
            .raw_header(raw(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .raw_header(raw("List-Id", self.list_id.clone()))
            .multipart({
                let (text_body, html_body) = self
                    .prepared
                    .0
                    .get_or_init(|| (PreparedBody::new(&self.text), PreparedBody::new(&self.html)));
                let text = SinglePart::builder()
                    .header(header::ContentType::TEXT_PLAIN)
                    .body(text_body.personalise(unsubscribe_url));
                let html = SinglePart::builder()
                    .header(header::ContentType::TEXT_HTML)
                    .body(html_body.personalise(&escape_attribute(unsubscribe_url)));
                match &self.chart {
                    // text | (html + the image it shows by Content-ID)
                    Some(png) => MultiPart::alternative().singlepart(text).multipart(
                        MultiPart::related().singlepart(html).singlepart(
                            Attachment::new_inline(crate::chart::CHART_CID.to_owned()).body(
                                png.clone(),
                                header::ContentType::parse("image/png").expect("a valid MIME type"),
                            ),
                        ),
                    ),
                    None => MultiPart::alternative().singlepart(text).singlepart(html),
                }
            })
            .map_err(BuildError::Message)?;
        if let Some(d) = &self.dkim {
            message.sign(&d.config);
        }
        Ok(Outgoing {
            envelope: message.envelope().clone(),
            raw: message.formatted(),
            message_id,
        })
    }
}

/// Escapes a URL for a double-quoted HTML attribute (and leaves `/` alone, so the link stays
/// readable in the source).
fn escape_attribute(url: &str) -> String {
    url.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;")
}

fn name_static(name: &str) -> &'static str {
    match name {
        "List-Unsubscribe" => "List-Unsubscribe",
        "List-Unsubscribe-Post" => "List-Unsubscribe-Post",
        _ => "List-Id",
    }
}

/// The headers the bulk-sender rules need, as DKIM must cover them.
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "Subject",
    "To",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
];

/// The pre-send check: the message carries every header a bulk sender needs, a visible
/// unsubscribe link and the postal address, a DKIM signature when one is configured, and is not
/// too large. Returns what is wrong.
pub fn check(
    out: &Outgoing,
    unsubscribe_url: &str,
    postal_address: &str,
    dkim: bool,
    max_bytes: usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    let text = String::from_utf8_lossy(&out.raw);
    let head = text
        .split_once("\r\n\r\n")
        .map_or(text.as_ref(), |(h, _)| h);
    let has = |name: &str| {
        head.lines().any(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
    };
    for h in [
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "List-Id",
        "Message-ID",
        "Date",
        "From",
        "To",
        "Subject",
    ] {
        if !has(h) {
            problems.push(format!("missing header {h}"));
        }
    }
    if !head.contains("List-Unsubscribe: <https://") && !head.contains("List-Unsubscribe: <http://")
    {
        problems.push("List-Unsubscribe has no http(s) URL".into());
    }
    if !head.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
        problems.push("List-Unsubscribe-Post is not `List-Unsubscribe=One-Click`".into());
    }
    if dkim {
        let sig = head.to_ascii_lowercase();
        if !sig.contains("dkim-signature:") {
            problems.push("missing DKIM-Signature".into());
        } else if !sig.contains("list-unsubscribe") {
            problems.push("the DKIM signature does not cover List-Unsubscribe".into());
        }
    }
    // Bodies are quoted-printable or base64; look for the link in the decoded parts.
    let decoded = decoded_bodies(&out.raw);
    if !decoded.iter().all(|b| b.contains(unsubscribe_url)) || decoded.len() < 2 {
        problems.push("the body lacks a visible unsubscribe link in both parts".into());
    }
    if !decoded.iter().all(|b| b.contains(postal_address)) {
        problems.push("the body lacks the postal address".into());
    }
    for cid in missing_inline_images(&out.raw) {
        problems.push(format!(
            "the HTML shows cid:{cid} but the message carries no part with that Content-ID"
        ));
    }
    if out.raw.len() > max_bytes {
        problems.push(format!(
            "the message is {} bytes, over the {max_bytes}-byte limit",
            out.raw.len()
        ));
    }
    problems
}

/// The `cid:` images the HTML part refers to that no part of the message carries.
fn missing_inline_images(raw: &[u8]) -> Vec<String> {
    use mail_parser::MimeHeaders;
    let Some(msg) = mail_parser::MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    let carried: Vec<&str> = msg.parts.iter().filter_map(|p| p.content_id()).collect();
    let Some(html) = msg.body_html(0) else {
        return Vec::new();
    };
    html.split("src=\"cid:")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|cid| !carried.contains(cid))
        .map(str::to_owned)
        .collect()
}

/// The decoded text of each part (text and HTML).
fn decoded_bodies(raw: &[u8]) -> Vec<String> {
    let Some(msg) = mail_parser::MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(t) = msg.body_text(0) {
        out.push(t.into_owned());
    }
    if let Some(h) = msg.body_html(0) {
        out.push(h.into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief() -> BriefMessage {
        BriefMessage {
            subject: "modelbrief 2026-W28: 1 new model".into(),
            html: format!(
                "<p>Hi &amp; welcome</p><a href=\"{UNSUBSCRIBE_PLACEHOLDER}\">Unsubscribe</a><p>1 Test Street</p>"
            ),
            text: format!("Hi\nUnsubscribe: {UNSUBSCRIBE_PLACEHOLDER}\n1 Test Street\n"),
            from: mailbox("modelbrief <brief@example.com>").unwrap(),
            list_id: "modelbrief <brief.example.com>".into(),
            host: "example.com".into(),
            week: "2026-W28".into(),
            unsubscribe_mailto: Some("mailto:unsubscribe@example.com".into()),
            dkim: None,
            chart: None,
            prepared: Default::default(),
        }
    }

    #[test]
    fn each_message_carries_the_bulk_sender_headers_and_its_own_unsubscribe_link() {
        let url = "https://brief.example.com/unsubscribe?token=abc.def";
        let out = brief()
            .for_subscriber(7, "ada@example.com", url, std::time::SystemTime::UNIX_EPOCH)
            .unwrap();
        let raw = String::from_utf8(out.raw.clone())
            .unwrap()
            .replace("\r\n ", " ");
        assert!(raw.contains("List-Unsubscribe: <https://brief.example.com/unsubscribe?token=abc.def>, <mailto:unsubscribe@example.com>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("List-Id: modelbrief <brief.example.com>"));
        assert_eq!(out.message_id, "<2026-W28.7@example.com>");
        assert_eq!(
            check(&out, url, "1 Test Street", false, 100_000),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_chart_travels_inline_next_to_the_html_that_shows_it() {
        use mail_parser::MimeHeaders;
        let mut b = brief();
        b.html = b.html.replace(
            "<p>Hi",
            &format!(
                "<img src=\"cid:{}\" alt=\"prices\"><p>Hi",
                crate::chart::CHART_CID
            ),
        );
        let url = "https://brief.example.com/unsubscribe?token=abc";
        let without = b
            .for_subscriber(7, "ada@example.com", url, std::time::SystemTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(
            check(&without, url, "1 Test Street", false, 100_000),
            vec![format!(
                "the HTML shows cid:{} but the message carries no part with that Content-ID",
                crate::chart::CHART_CID
            )]
        );

        let png = b"\x89PNG\r\n\x1a\nnot really a picture".to_vec();
        b.chart = Some(png_body(png.clone()));
        let with = b
            .for_subscriber(7, "ada@example.com", url, std::time::SystemTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(
            check(&with, url, "1 Test Street", false, 100_000),
            Vec::<String>::new()
        );
        let msg = mail_parser::MessageParser::default()
            .parse(&with.raw)
            .unwrap();
        let image = msg
            .parts
            .iter()
            .find(|p| p.content_id() == Some(crate::chart::CHART_CID))
            .expect("an inline part");
        assert_eq!(image.contents(), png.as_slice());
        assert!(
            msg.body_text(0).unwrap().contains("Unsubscribe: https://"),
            "the text part is still there"
        );
        let raw = String::from_utf8_lossy(&with.raw);
        assert!(raw.contains("multipart/related"), "{raw}");
        assert!(raw.contains("Content-Disposition: inline"), "{raw}");
    }

    #[test]
    fn a_body_encoded_once_is_byte_for_byte_what_encoding_each_copy_would_give() {
        // The real brief with a personal link where the mail template puts it.
        let golden_html = include_str!("../../../tests/golden/brief-2026-W28.html")
            .replace("(chart)", "iVBORw0KGgo")
            .replace(
                "</body>",
                &format!("<p>You get this because you subscribed. <a href=\"{UNSUBSCRIBE_PLACEHOLDER}\" style=\"color:#0b5cad;\">Unsubscribe</a> with one click.</p>\n</body>"),
            );
        let golden_text = format!(
            "{}Unsubscribe: {UNSUBSCRIBE_PLACEHOLDER}\n",
            include_str!("../../../tests/golden/brief-2026-W28.txt")
        );
        let tricky = format!(
            "caf\u{e9} = 1  \n{p}\n  trailing space \t\n{long} {p} {long}\n{p}",
            p = UNSUBSCRIBE_PLACEHOLDER,
            long = "x".repeat(90)
        );
        let bodies = [
            golden_html,
            golden_text,
            tricky,
            format!("plain ascii {UNSUBSCRIBE_PLACEHOLDER}\nno encoding needed\n"),
        ];
        let urls = [
            "https://brief.example.com/unsubscribe?token=v1.abc".to_owned(),
            "https://brief.example.com/unsubscribe?token=v1.AbC_-=&amp;x=\u{e9}".to_owned(),
            format!("https://b.example/u?token={}", "t".repeat(200)),
        ];
        use lettre::message::header::ContentTransferEncoding as Cte;
        let encodings: Vec<Cte> = bodies
            .iter()
            .map(|b| PreparedBody::new(b).encoding)
            .collect();
        assert_eq!(
            encodings,
            [
                Cte::QuotedPrintable,
                Cte::QuotedPrintable,
                Cte::QuotedPrintable,
                Cte::SevenBit
            ],
            "both paths are exercised"
        );
        for body in &bodies {
            assert!(body.contains(UNSUBSCRIBE_PLACEHOLDER));
            let prepared = PreparedBody::new(body);
            for url in &urls {
                let once = prepared.personalise(url);
                let each = Body::new(body.replace(UNSUBSCRIBE_PLACEHOLDER, url));
                assert_eq!(once.encoding(), each.encoding());
                assert_eq!(
                    String::from_utf8_lossy(once.as_ref()),
                    String::from_utf8_lossy(each.as_ref())
                );
            }
        }
    }

    #[test]
    fn the_pre_send_check_names_what_is_missing() {
        let mut b = brief();
        b.text = "no link here".into();
        let url = "https://brief.example.com/unsubscribe?token=x";
        let out = b
            .for_subscriber(1, "a@example.com", url, std::time::SystemTime::UNIX_EPOCH)
            .unwrap();
        let problems = check(&out, url, "1 Test Street", true, 100);
        assert!(
            problems.iter().any(|p| p.contains("unsubscribe link")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.contains("postal address")));
        assert!(problems.iter().any(|p| p.contains("DKIM")));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("over the 100-byte limit"))
        );
    }
}
