//! No environment variable can turn TLS verification off. Its own binary: the variables must
//! be set before the process's first request, when the system CA store is located.

mod netsupport;
mod support;

use netsupport::*;
use session::error::session_code::*;

#[test]
fn no_environment_variable_turns_verification_off() {
    let trusted = support::rig_tls();
    let other = support::rig_tls(); // signed by another throwaway CA
    // Variables other tools read to relax or redirect verification. SSL_CERT_FILE is
    // OpenSSL's way to name the system store: honoured (read once, at first use), so it may
    // add a CA, never skip verification.
    let vars = [
        ("SSL_CERT_FILE", trusted.ca_pem.as_ref().unwrap().to_str().unwrap()),
        ("CURL_CA_BUNDLE", ""),
        ("REQUESTS_CA_BUNDLE", ""),
        ("SSL_CERT_DIR", ""),
        ("PYTHONHTTPSVERIFY", "0"),
        ("CURL_SSL_NO_VERIFY", "1"),
        ("CURLOPT_SSL_VERIFYPEER", "0"),
        ("GIT_SSL_NO_VERIFY", "1"),
        ("NODE_TLS_REJECT_UNAUTHORIZED", "0"),
        ("SSL_NO_VERIFY", "1"),
    ];
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
    let s = S::new();
    let r = s.get(&trusted.tls_url("/echo"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "SSL_CERT_FILE names the store: {r:?}");
    let r = s.get(&other.tls_url("/echo"));
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
    // A CA bundle variable of requests/curl does not replace the store either.
    std::env::set_var("CURL_CA_BUNDLE", other.ca_pem.as_ref().unwrap());
    std::env::set_var("REQUESTS_CA_BUNDLE", other.ca_pem.as_ref().unwrap());
    assert_eq!(S::new().get(&other.tls_url("/echo")).error, SESSION_E_TLS);
    for (name, _) in vars {
        std::env::remove_var(name);
    }
}
