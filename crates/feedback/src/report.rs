//! Delivery-status notifications (RFC 3464) and abuse feedback reports (RFC 5965, ARF), as
//! mailbox messages: a `multipart/report` whose machine-readable part says what happened, and
//! whose last part returns the original message (or its headers), which carries the
//! `Message-ID` modelbrief wrote. Read from a maildir with mail-parser's iterator; a report read
//! twice gives the same event ids, so the store ignores the second reading.

use crate::FeedbackError;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use modelbrief_domain::feedback::normalise_message_id;
use modelbrief_domain::{FeedbackEvent, FeedbackKind, FeedbackSource};
use std::path::{Path, PathBuf};

/// The events of one report message: one per failed or delayed recipient of a DSN, one
/// complaint for an ARF abuse report; none for anything else (a delivered DSN, a reply).
pub fn parse(raw: &[u8]) -> Result<Vec<FeedbackEvent>, FeedbackError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| FeedbackError::malformed("report", "not a mail message"))?;
    let report_id = message
        .message_id()
        .and_then(normalise_message_id)
        .ok_or_else(|| FeedbackError::malformed("report", "no Message-ID of its own"))?;
    let mut status: Option<&[u8]> = None;
    let mut feedback: Option<&[u8]> = None;
    let mut original_id = None;
    let mut original_to = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let (t, sub) = (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().map(str::to_ascii_lowercase),
        );
        match (t.as_str(), sub.as_deref()) {
            ("message", Some("delivery-status" | "global-delivery-status")) => {
                status = Some(part.contents());
            }
            ("message", Some("feedback-report")) => feedback = Some(part.contents()),
            ("message", Some("rfc822" | "global")) | ("text", Some("rfc822-headers")) => {
                let nested = match &part.body {
                    PartType::Message(m) => Some(m.clone()),
                    _ => MessageParser::default().parse(part.contents()),
                };
                if let Some(m) = nested {
                    original_id = m.message_id().and_then(normalise_message_id);
                    original_to = m
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .map(str::to_owned);
                }
            }
            _ => {}
        }
    }
    let at = message
        .date()
        .and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0))
        .map(modelbrief_domain::Timestamp::from_datetime);
    let mut out = Vec::new();
    if let Some(body) = feedback {
        let fields = fields(body);
        let kind = field(&fields, "Feedback-Type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if matches!(kind.as_str(), "abuse" | "fraud" | "virus") {
            let recipient = field(&fields, "Original-Rcpt-To")
                .map(strip_addr_type)
                .or(original_to.clone());
            out.push(FeedbackEvent {
                source: FeedbackSource::Report,
                event_id: format!("{report_id}:arf"),
                kind: FeedbackKind::Complaint,
                recipient,
                message_id: original_id.clone(),
                at,
                detail: format!("ARF {kind}"),
            });
        }
    }
    if let Some(body) = status {
        // The first block is about the message, each later one about one recipient.
        for block in blocks(body).into_iter().skip(1) {
            let action = field(&block, "Action")
                .unwrap_or_default()
                .to_ascii_lowercase();
            let code = field(&block, "Status").unwrap_or_default();
            let kind = match (action.as_str(), code.chars().next()) {
                ("failed", Some('5')) => FeedbackKind::HardBounce,
                ("failed" | "delayed", _) => FeedbackKind::SoftBounce,
                _ => continue, // delivered, relayed, expanded
            };
            let recipient = field(&block, "Final-Recipient")
                .or_else(|| field(&block, "Original-Recipient"))
                .map(strip_addr_type);
            let who = recipient.clone().unwrap_or_default().to_lowercase();
            out.push(FeedbackEvent {
                source: FeedbackSource::Report,
                event_id: format!("{report_id}:{who}"),
                kind,
                recipient,
                message_id: original_id.clone(),
                at,
                detail: match field(&block, "Diagnostic-Code") {
                    Some(d) => format!("{action} {code}: {}", strip_addr_type(d)),
                    None => format!("{action} {code}"),
                },
            });
        }
    }
    Ok(out)
}

/// `rfc822; alice@example.com` → `alice@example.com` (the address-type prefix of RFC 3464),
/// `<user@example.com>` → `user@example.com`.
fn strip_addr_type(v: String) -> String {
    let addr = match v.split_once(';') {
        Some((_, rest)) => rest,
        None => v.as_str(),
    };
    addr.trim().trim_matches(['<', '>']).to_owned()
}

type Fields = Vec<(String, String)>;

fn field(fields: &Fields, name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// RFC 822-style fields (`Name: value`, continued on indented lines).
fn fields(body: &[u8]) -> Fields {
    blocks(body).into_iter().flatten().collect()
}

/// The blank-line separated groups of fields of a `message/delivery-status` body.
fn blocks(body: &[u8]) -> Vec<Fields> {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    let mut out = Vec::new();
    for group in text.split("\n\n") {
        let mut fields: Fields = Vec::new();
        for line in group.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = fields.last_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                fields.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        if !fields.is_empty() {
            out.push(fields);
        }
    }
    out
}

/// One message of a maildir: its file, and its events or why it could not be read.
pub type ReadReport = (PathBuf, Result<Vec<FeedbackEvent>, FeedbackError>);

/// Every message of a maildir (its `new` and `cur`), with its path: a report that does not
/// parse is returned as an error naming its file, and the others are still read.
pub fn read_maildir(dir: &Path) -> std::io::Result<Vec<ReadReport>> {
    let mut out = Vec::new();
    for m in mail_parser::mailbox::maildir::MessageIterator::new(dir)? {
        let m = m?;
        out.push((m.path().to_owned(), parse(m.contents())));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3464's example of a DSN for a failed delivery (appendix, "Simple DSN"), with the
    /// returned message's headers carrying modelbrief's Message-ID.
    pub(crate) const DSN: &str = r#"Date: Thu, 7 Jul 1994 17:16:05 -0400
From: Mail Delivery Subsystem <MAILER-DAEMON@CS.UTK.EDU>
Message-Id: <199407072116.RAA14128@CS.UTK.EDU>
Subject: Returned mail: Cannot send message for 5 days
To: <owner-info-mime@cs.utk.edu>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
      boundary="RAA14128.773615765/CS.UTK.EDU"

--RAA14128.773615765/CS.UTK.EDU

The original message was received at Sat, 2 Jul 1994 17:10:28 -0400
from root@localhost

    ----- The following addresses had delivery problems -----
<louisl@larry.slip.umd.edu>  (unrecoverable error)

--RAA14128.773615765/CS.UTK.EDU
content-type: message/delivery-status

Reporting-MTA: dns; cs.utk.edu

Original-Recipient: rfc822;louisl@larry.slip.umd.edu
Final-Recipient: rfc822;louisl@larry.slip.umd.edu
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 user unknown

--RAA14128.773615765/CS.UTK.EDU
content-type: text/rfc822-headers

Return-Path: <owner-info-mime@cs.utk.edu>
Message-ID: <2026-W28.7@example.com>
To: louisl@larry.slip.umd.edu
Subject: modelbrief 2026-W28

--RAA14128.773615765/CS.UTK.EDU--
"#;

    /// RFC 5965's example of an abuse report (appendix B.1), the original message carrying
    /// modelbrief's Message-ID.
    pub(crate) const ARF: &str = r#"From: <abusedesk@example.com>
Date: Thu, 8 Mar 2005 17:40:36 EDT
Subject: FW: Earn money
To: <abuse@example.net>
MIME-Version: 1.0
Message-ID: <report-1@example.com>
Content-Type: multipart/report; report-type=feedback-report;
     boundary="part1_13d.2e68ed54_boundary"

--part1_13d.2e68ed54_boundary
Content-Type: text/plain; charset="US-ASCII"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP
192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.

--part1_13d.2e68ed54_boundary
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <somespammer@example.net>
Original-Rcpt-To: <user@example.com>
Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
Source-IP: 192.0.2.1

--part1_13d.2e68ed54_boundary
Content-Type: message/rfc822
Content-Disposition: inline

From: <somespammer@example.net>
Received: from mailserver.example.net (mailserver.example.net [192.0.2.1])
        by example.com with ESMTP id M63d4137594e46;
        Thu, 08 Mar 2005 14:00:00 -0400
To: <user@example.com>
Subject: Earn money
MIME-Version: 1.0
Content-type: text/plain
Message-ID: <2026-W28.9@example.com>
Date: Thu, 02 Sep 2004 12:31:03 -0500

Spam Spam Spam

--part1_13d.2e68ed54_boundary--
"#;

    /// The message as it travels: CRLF line ends.
    fn crlf(s: &str) -> String {
        s.replace('\n', "\r\n")
    }

    #[test]
    fn rfc_3464s_failed_dsn_is_a_hard_bounce_of_the_returned_message() {
        let events = parse(crlf(DSN).as_bytes()).unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.kind, FeedbackKind::HardBounce);
        assert_eq!(e.recipient.as_deref(), Some("louisl@larry.slip.umd.edu"));
        assert_eq!(e.message_id.as_deref(), Some("<2026-W28.7@example.com>"));
        assert!(e.detail.contains("550 user unknown"), "{}", e.detail);
        assert_eq!(
            e.event_id,
            "<199407072116.RAA14128@CS.UTK.EDU>:louisl@larry.slip.umd.edu"
        );
    }

    #[test]
    fn a_delayed_dsn_is_soft_and_a_delivered_one_is_nothing() {
        let delayed = crlf(&DSN.replace(
            "Action: failed\nStatus: 5.0.0",
            "Action: delayed\nStatus: 4.4.7",
        ));
        assert_eq!(
            parse(delayed.as_bytes()).unwrap()[0].kind,
            FeedbackKind::SoftBounce
        );
        let delivered = crlf(&DSN.replace(
            "Action: failed\nStatus: 5.0.0",
            "Action: delivered\nStatus: 2.0.0",
        ));
        assert!(parse(delivered.as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn rfc_5965s_abuse_report_is_a_complaint_about_the_original_message() {
        let events = parse(crlf(ARF).as_bytes()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, FeedbackKind::Complaint);
        assert_eq!(events[0].recipient.as_deref(), Some("user@example.com"));
        assert_eq!(
            events[0].message_id.as_deref(),
            Some("<2026-W28.9@example.com>")
        );
    }

    #[test]
    fn a_maildir_is_read_whole_and_a_broken_message_is_named_by_its_file() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("new/1.dsn"), crlf(DSN)).unwrap();
        std::fs::write(dir.path().join("cur/2.arf:2,S"), crlf(ARF)).unwrap();
        std::fs::write(dir.path().join("new/3.bad"), "no headers at all").unwrap();
        let read = read_maildir(dir.path()).unwrap();
        assert_eq!(read.len(), 3);
        let ok: usize = read
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .map(Vec::len)
            .sum();
        assert_eq!(ok, 2);
        assert!(read.iter().any(|(p, r)| p.ends_with("3.bad") && r.is_err()));
    }
}
