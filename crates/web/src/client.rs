//! Who the client is: its IP (through the proxies the operator trusts, never through a header the
//! client writes itself) and the keys the rate limiters count it under.

use crate::AppState;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// The client's IP. The socket's peer, unless the peer is one of `trusted` proxies: then the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy (every proxy appends the
/// address it saw, so entries left of the first untrusted one are the client's own writing).
/// An entry that is not an IP address ends the walk at the last trusted hop.
pub(crate) fn client_ip(trusted: &[IpNet], headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut ip = peer.ip().to_canonical();
    if !is_trusted(&ip) {
        return ip;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(next) => {
                ip = next.to_canonical();
                if !is_trusted(&ip) {
                    return ip;
                }
            }
            Err(_) => return ip,
        }
    }
    ip
}

/// The key a client is rate-limited under: its IPv4 address, or its IPv6 /64 (one home or
/// server holds a whole /64, so counting single IPv6 addresses would be no limit at all).
pub(crate) fn limiter_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// Forgets limiter entries that have recovered their whole quota, once a minute, so the
/// limiters' memory follows the clients of the last minutes, not every client ever seen.
pub(crate) async fn sweep_limiters(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        state.per_ip.retain_recent();
        state.per_ip.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 4321)
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&["6.6.6.6"]);
        assert_eq!(
            client_ip(&trusted, &h, peer("203.0.113.9")),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(&[], &h, peer("10.0.0.1")),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry_is_the_client() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "192.168.1.0/24".parse().unwrap(),
        ];
        // The client wrote "6.6.6.6" itself; the proxies appended what they saw.
        let h = headers(&["6.6.6.6, 198.51.100.4", "192.168.1.3"]);
        assert_eq!(
            client_ip(&trusted, &h, peer("10.1.2.3")),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn a_forwarded_entry_that_is_not_an_ip_is_never_taken_as_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        for junk in ["<script>x</script>", &"A".repeat(8000), "unknown", ""] {
            let h = headers(&[junk]);
            assert_eq!(
                client_ip(&trusted, &h, peer("10.0.0.5")),
                "10.0.0.5".parse::<IpAddr>().unwrap(),
                "{junk:.20}"
            );
        }
    }

    #[test]
    fn ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() {
        let a = limiter_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = limiter_key("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, limiter_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(
            limiter_key("::ffff:198.51.100.7".parse().unwrap()),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }
}
