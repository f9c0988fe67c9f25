//! The client's address, behind proxies only when they are trusted.

use std::net::{IpAddr, SocketAddr};

use actix_web::{HttpRequest, http::header::HeaderName};
use ipnet::IpNet;

const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The networks of the trusted proxies, as `trusted_proxies` lists them (an address alone is a
/// network of one).
pub fn parse_proxies(listed: &[String]) -> anyhow::Result<Vec<IpNet>> {
    listed
        .iter()
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| anyhow::anyhow!("trusted_proxies: {item:?} is no address or network"))
        })
        .collect()
}

fn hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Whether the request's peer is one of the trusted proxies (whose headers are believed).
pub fn from_trusted_proxy(peer: Option<std::net::SocketAddr>, proxies: &[IpNet]) -> bool {
    peer.is_some_and(|peer| {
        let ip = peer.ip().to_canonical();
        proxies.iter().any(|net| net.contains(&ip))
    })
}

/// The address a request comes from: the peer's, unless the peer is a trusted proxy; then the
/// right-most address of `X-Forwarded-For` that is not a trusted proxy (the left of it was
/// written by whoever the client is, and may be anything). A hop that is no address ends the
/// walk at the last trusted proxy before it.
pub fn client_address(req: &HttpRequest, proxies: &[IpNet]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip().to_canonical()) else {
        return "unknown".to_owned();
    };
    let trusted = |ip: &IpAddr| proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = req
        .headers()
        .get_all(FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut nearest = peer;
    for text in hops.iter().rev() {
        match hop(text) {
            Some(ip) if trusted(&ip) => nearest = ip,
            Some(ip) => return ip.to_string(),
            None => break,
        }
    }
    nearest.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(peer: &str, forwarded: &[&str]) -> String {
        let proxies = parse_proxies(&["10.0.0.0/8".to_owned(), "192.168.1.7".to_owned()]).unwrap();
        let mut request = TestRequest::default().peer_addr(peer.parse().unwrap());
        for value in forwarded {
            request = request.append_header((FORWARDED_FOR, *value));
        }
        client_address(&request.to_http_request(), &proxies)
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        // Straight from the internet: the header is the client's own words.
        assert_eq!(from("203.0.113.5:4000", &["1.2.3.4"]), "203.0.113.5");
        // Through the proxies: whatever the client put first is skipped.
        assert_eq!(
            from("10.0.0.2:4000", &["1.2.3.4, 198.51.100.9, 10.1.1.1"]),
            "198.51.100.9"
        );
        assert_eq!(
            from("192.168.1.7:4000", &["6.6.6.6", "198.51.100.9"]),
            "198.51.100.9"
        );
        // A proxy without the header, or garbage where the client wrote: the nearest proxy.
        assert_eq!(from("10.0.0.2:4000", &[]), "10.0.0.2");
        assert_eq!(from("10.0.0.2:4000", &["nonsense, 10.3.3.3"]), "10.3.3.3");
        assert!(parse_proxies(&["10.0.0.0/33".to_owned()]).is_err());
    }
}
