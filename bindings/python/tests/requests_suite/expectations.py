"""What requests' own test suite (tests/test_requests.py, requests 2.34.2) is expected to give
against the binding. Patterns are fnmatch patterns over "Class::test_name[params]".
Run by run.py; the counts are in bindings/python/README.md and docs/parity.md."""

# At least this many tests must pass (measured: see docs/parity.md; raise it as tests are fixed).
MIN_PASSED = 278

# Deselected: they need the network beyond 127.0.0.1 (a non-routable address to time out on,
# or DNS for an external name), which this project's tests never use.
NOT_HERE = {
    "TestTimeout::test_connect_timeout*": "connects to 10.255.255.1 to time out",
    "TestTimeout::test_total_timeout_connect*": "connects to 10.255.255.1 to time out",
    "TestRequests::test_errors[[]http://doesnotexist.google.com-*": "resolves an external name",
    "TestRequests::test_proxy_error": "resolves the proxy name 'non-resolvable-address' through DNS",
}

_ADAPTER = "HTTPAdapter / Session.mount / get_adapter: libsession's transport is libcurl in C"
_URLLIB3 = "urllib3 internals (its Retry object, connection pools, raw HTTPResponse)"
_MIXIN = ("SessionRedirectMixin internals (resolve_redirects, rebuild_proxies, should_strip_auth,"
          " get_redirect_target): redirects are followed inside the C library")
_PREPARED = "PreparedRequest internals (pickling, hooks on a requests.Request, body of an unprepared Request)"

# Run, not counted: they test machinery libsession does not have.
CANNOT_APPLY = {
    "TestRequests::test_transport_adapter_ordering": _ADAPTER,
    "TestRequests::test_session_get_adapter_prefix_*": _ADAPTER,
    "TestRequests::test_session_close_proxy_clear": _ADAPTER,
    "TestPreparingURLs::test_different_connection_pool_for_*": _ADAPTER,
    "test_urllib3_retries": _URLLIB3,
    "test_urllib3_pool_connection_closed": _URLLIB3,
    "TestRequests::test_unconsumed_session_response_closes_connection": _URLLIB3,
    "TestTimeout::test_stream_timeout": _URLLIB3 + ": asserts on urllib3's ReadTimeoutError inside the exception's args",
    "TestRequests::test_redirect_with_wrong_gzipped_header": _ADAPTER + ": patches the adapter's build_response",
    "TestRequests::test_manual_redirect_with_partial_body_read": _MIXIN,
    "TestRequests::test_header_and_body_removal_on_redirect": _MIXIN,
    "TestRequests::test_transfer_enc_removal_on_redirect": _MIXIN,
    "TestRequests::test_cookielib_cookiejar_on_redirect": _MIXIN,
    "TestRequests::test_should_strip_auth_*": _MIXIN,
    "TestRequests::test_custom_redirect_mixin": _MIXIN,
    "TestRequests::test_proxy_authorization_not_appended_to_https_request*": _MIXIN,
    "test_proxy_env_vars_override_default*": _MIXIN,
    "TestRequests::test_prepared_request_*pickleable": _PREPARED,
    "TestRequests::test_cannot_send_unprepared_requests": _PREPARED,
}

_DIFF = "deliberate difference (README 'Where libsession deliberately differs')"

# May fail; each with its reason. A listed test that passes is reported by run.py.
_CA_ENV = (_DIFF + ": REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE are ignored (pytest-httpbin's httpbin_ca_bundle"
           " fixture sets REQUESTS_CA_BUNDLE and passes verify=None)")
_DIGEST = (_DIFF + ": digest is libcurl's (MD5, SHA-256, SHA-512-256 and their -sess forms); the loop"
           " also asks for httpbin's SHA-512, which RFC 7616 does not define")

# May fail; each with its reason. A listed test that passes is reported by run.py.
KNOWN_FAILURES = {
    "TestRequests::test_env_cert_bundles[[]env[1367]-*": _CA_ENV,
    "TestRequests::test_pyopenssl_redirect": _CA_ENV,
    "TestRequests::test_auth_is_stripped_on_http_downgrade": _CA_ENV,
    "TestRequests::test_basicauth_with_netrc": _DIFF + " 10: ~/.netrc is read only when enabled",
    "TestRequests::test_basicauth_with_netrc_leak": _DIFF + " 10: ~/.netrc is read only when enabled",
    "TestRequests::test_generic_cookiejar_works": (
        _DIFF + ": session.cookies is always the live view of the C jar: assigning a CookieJar copies"
        " its cookies in, so `s.cookies is cj` is false"),
    "TestRequests::test_proxy_authorization_preserved_on_request": (
        _DIFF + ": a Proxy-Authorization header goes to a proxy only, never to an origin server"),
    "TestRequests::test_DIGEST_HTTP_200_OK_GET": _DIGEST,
    "TestRequests::test_DIGEST_AUTH_RETURNS_COOKIE": _DIGEST,
    "TestRequests::test_DIGEST_STREAM": _DIGEST,
    "TestRequests::test_DIGESTAUTH_QUOTES_QOP_VALUE": (
        _DIGEST + "; and the digest Authorization is computed by libcurl, so Response.request.headers"
        " (the headers the library set) does not show it"),
}
