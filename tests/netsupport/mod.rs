//! Helpers for the network tests (tests/network.rs, tests/network_env.rs): a session and
//! request over the C ABI, responses copied out, the proxy's and rig's JSON reports.
#![allow(dead_code)] // each test binary uses a subset

use crate::support;
#[allow(unused_imports)] // each test binary uses a subset
pub use crate::support::capi::{c, take, Req, Resp, Session as S};

/// The header `name` of an httpbin or rig echo body, if present ("Name": "value" pairs).
pub fn echoed_header(body: &str, name: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let needle = format!("\"{}\"", name.to_ascii_lowercase());
    let at = lower.find(&needle)? + needle.len();
    let rest = &body[at..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

/// The proxy's /stats entries of `kind`, as raw JSON object texts.
pub fn proxy_seen(proxy: &support::Server, kind: &str) -> Vec<String> {
    let body = support::get_json(&proxy.url("/stats"));
    body.split('{')
        .skip(2)
        .filter(|e| e.contains(&format!("\"kind\": \"{kind}\"")))
        .map(|e| e.trim_end_matches([',', ' ', ']', '}']).to_owned())
        .collect()
}

/// The count a rig /attempts?key= reports.
pub fn attempts(rig: &support::Server, key: &str) -> u64 {
    let body = support::get_json(&rig.url(&format!("/attempts?key={key}")));
    body.trim().trim_start_matches("{\"attempts\":").trim_end_matches('}').trim().parse().unwrap()
}

pub fn extra<'a>(server: &'a support::Server, key: &str) -> &'a str {
    server.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("server printed no {key}"))
}
