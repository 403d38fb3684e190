// session.hpp against httpbin (HTTPBIN_URL): RAII, moves, string_view accessors,
// exceptions and their non-throwing twins. Run under valgrind by tests/cpp_suite.rs.
#include "session.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>

static int total, failed;

#define CHECK(cond) record((cond), __FILE__, __LINE__, #cond)

static bool record(bool ok, const char *file, int line, const char *expr)
{
    total++;
    if (!ok) {
        failed++;
        std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
    }
    return ok;
}

static std::string url(const char *path)
{
    const char *base = std::getenv("HTTPBIN_URL");
    if (base == nullptr || *base == '\0') {
        std::fprintf(stderr, "HTTPBIN_URL is not set\n");
        std::exit(2);
    }
    return std::string(base) + path;
}

static bool contains(std::string_view text, std::string_view needle)
{
    return text.find(needle) != std::string_view::npos;
}

// Nothing reachable on port 1 of loopback: connection refused.
static const char *const REFUSED = "http://127.0.0.1:1/";

static_assert(!std::is_copy_constructible_v<libsession::Session>);
static_assert(!std::is_copy_assignable_v<libsession::Request>);
static_assert(!std::is_copy_constructible_v<libsession::Response>);
static_assert(std::is_nothrow_move_constructible_v<libsession::Session>);
static_assert(std::is_nothrow_move_assignable_v<libsession::Request>);
static_assert(std::is_nothrow_move_constructible_v<libsession::Response>);

static void test_get_and_accessors()
{
    libsession::Session s;
    s.set_header("X-Cpp", "yes").set_param("from", "session");
    libsession::Response r = s.get(url("/get"));
    CHECK(r.error() == SESSION_OK);
    CHECK(r.status_code() == 200);
    CHECK(r.reason() == "OK");
    CHECK(r.ok());
    CHECK(r.url() == url("/get?from=session"));
    CHECK(contains(r.body(), "\"X-Cpp\": \"yes\""));
    CHECK(r.body().size() == r.get()->body_len);
    CHECK(r.text() == r.body());
    CHECK(r.http_version() == "HTTP/1.1");
    CHECK(r.elapsed().count() > 0.0);
    CHECK(r.header("content-type").value_or("") == "application/json");
    CHECK(!r.header("X-Not-There").has_value());
    CHECK(r.header_count() > 0 && r.headers().size() == r.header_count());
    auto [name, value] = r.header_at(0);
    CHECK(!name.empty() && value.data() != nullptr);
    CHECK(r.header_at(10000).first.empty());
}

static void test_binary_body()
{
    libsession::Session s;
    // httpbin's /bytes/n: n random bytes, NULs included; string_view keeps them all.
    libsession::Response r = s.get(url("/bytes/4096?seed=7"));
    CHECK(r.status_code() == 200);
    CHECK(r.body().size() == 4096);
    CHECK(r.body().find('\0') != std::string_view::npos);
}

static void test_request_builder()
{
    libsession::Session s;
    libsession::Request req("post", url("/post"));
    req.set_json("{\"n\": 1}").set_header("X-Req", "1").add_param("q", "a b");
    libsession::Response r1 = s.send(req);
    libsession::Response r2 = s.send(req); // reusable
    for (const libsession::Response *r : {&r1, &r2}) {
        CHECK(r->status_code() == 200);
        CHECK(contains(r->body(), "\"json\": {\n    \"n\": 1\n  }"));
        CHECK(contains(r->body(), "\"X-Req\": \"1\""));
        CHECK(contains(r->body(), "\"q\": \"a b\""));
    }
    libsession::Request form("PUT", url("/put"));
    form.add_form("k", "v");
    libsession::Response r3 = s.send(form);
    CHECK(contains(r3.body(), "\"k\": \"v\""));

    std::string body("raw\0bytes", 9);
    libsession::Response r4 = s.post(url("/post"), body, "application/octet-stream");
    CHECK(contains(r4.body(), "\"Content-Length\": \"9\""));
    CHECK(contains(r4.body(), "\"data\": \"raw\\u0000bytes\""));
    CHECK(s.patch(url("/patch"), "x").status_code() == 200);
    CHECK(s.delete_(url("/delete")).status_code() == 200);
    libsession::Response head = s.head(url("/get"));
    CHECK(head.status_code() == 200 && head.body().empty());

    libsession::Request noredirect("GET", url("/redirect/1"));
    noredirect.set_allow_redirects(false);
    CHECK(s.send(noredirect).status_code() == 302);
}

static void test_redirect_history_and_cookies()
{
    libsession::Session s;
    libsession::Response r = s.get(url("/cookies/set?flavour=oat"));
    CHECK(r.status_code() == 200);
    CHECK(r.redirect_count() == 1);
    libsession::ResponseView first = r.history(0);
    CHECK(first && first.status_code() == 302);
    CHECK(first.header("Location").has_value());
    CHECK(!r.history(1));
    CHECK(contains(r.body(), "\"flavour\": \"oat\""));
    CHECK(s.cookie_get(url("/"), "flavour").value_or("") == "oat");
    CHECK(s.cookie_header(url("/")).value_or("") == "flavour=oat");
    CHECK(!s.cookie_get(url("/"), "nope").has_value());
    s.cookie_set("extra", "1", "127.0.0.1");
    CHECK(s.cookie_get(url("/"), std::string_view("extra")).value_or("") == "1");
    s.cookies_clear();
    CHECK(!s.cookie_header(url("/")).has_value());

    // each hop keeps the request it sent
    libsession::Response p = s.post(url("/redirect-to?url=/get&status_code=303"), "hi");
    CHECK(p.status_code() == 200 && p.redirect_count() == 1);
    CHECK(p.history(0).request_method() == "POST" && p.request_method() == "GET");
    CHECK(p.history(0).request_body().value_or("") == "hi" && !p.request_body().has_value());
    bool agent = false;
    for (const auto &h : p.request_headers())
        agent = agent || h.first == "User-Agent";
    CHECK(agent);
}

static void test_moves()
{
    libsession::Session a;
    a.set_header("X-Moved", "1");
    libsession::Session b(std::move(a));
    CHECK(!a && b);
    libsession::Session c(libsession::nothrow);
    c = std::move(b); // frees c's own session
    CHECK(!b && c);
    libsession::Response r = c.get(url("/headers"));
    CHECK(contains(r.body(), "\"X-Moved\": \"1\""));

    libsession::Response kept;
    CHECK(!kept);
    {
        libsession::Response tmp = c.get(url("/get"));
        kept = std::move(tmp);
        CHECK(!tmp);
    }
    CHECK(kept.status_code() == 200);
    kept = c.get(url("/status/201")); // move-assign over a live response frees the old one
    CHECK(kept.status_code() == 201);

    libsession::Request q("GET", url("/get"));
    libsession::Request q2 = std::move(q);
    CHECK(!q && q2);

    // A response outlives its session.
    libsession::Response orphan;
    {
        libsession::Session temp;
        orphan = temp.get(url("/get"));
    }
    CHECK(orphan.status_code() == 200 && contains(orphan.body(), "\"url\""));
    session_response_free(orphan.release());
    CHECK(!orphan);
}

static void test_exceptions()
{
    libsession::Session s;
    try {
        s.get(REFUSED);
        CHECK(!"transport failure must throw");
    } catch (const libsession::Error &e) {
        CHECK(e.code() == SESSION_E_CONNECT);
        std::string prefix = std::string(libsession::strerror(SESSION_E_CONNECT)) + ": ";
        CHECK(std::string_view(e.what()).substr(0, prefix.size()) == prefix);
        CHECK(std::string_view(e.what()).size() > prefix.size());
    }
    try {
        s.set_header("X-Bad", "x\r\nInjected: 1");
        CHECK(!"CR/LF header must throw");
    } catch (const libsession::Error &e) {
        CHECK(e.code() == SESSION_E_INVALID_ARGUMENT);
        CHECK(contains(e.what(), "CR, LF or NUL"));
    }
    try {
        libsession::Request bad("GE T", url("/get"));
        CHECK(!"bad method must throw");
    } catch (const libsession::Error &e) {
        CHECK(e.code() == SESSION_E_INVALID_ARGUMENT);
    }
    try {
        s.set_max_redirects(-1);
        CHECK(!"negative redirects must throw");
    } catch (const libsession::Error &e) {
        CHECK(e.code() == SESSION_E_INVALID_ARGUMENT);
    }
    // 4xx is a response, not an exception, until raise_for_status.
    libsession::Response r = s.get(url("/status/404"));
    CHECK(r.status_code() == 404 && !r.ok());
    CHECK(r.raise_for_status(libsession::nothrow) == SESSION_E_HTTP_STATUS);
    try {
        r.raise_for_status();
        CHECK(!"404 raise_for_status must throw");
    } catch (const libsession::Error &e) {
        CHECK(e.code() == SESSION_E_HTTP_STATUS);
        // session_last_error's text once, not prefixed twice.
        CHECK(std::string_view(e.what()) ==
              std::string(libsession::strerror(SESSION_E_HTTP_STATUS)) + ": HTTP status 404");
    }
    // A failed transfer's raise_for_status throws its own error with the response's detail.
    libsession::Response down = s.get(REFUSED, libsession::nothrow);
    try {
        down.raise_for_status();
        CHECK(!"failed transfer's raise_for_status must throw");
    } catch (const libsession::Error &e) {
        CHECK(e.code() == SESSION_E_CONNECT);
        CHECK(contains(e.what(), down.error_message()));
    }
    s.get(url("/status/200")).raise_for_status(); // no throw
    CHECK(true);
}

static void test_nothrow()
{
    libsession::Session s(libsession::nothrow);
    CHECK(static_cast<bool>(s));
    libsession::Response r = s.get(REFUSED, libsession::nothrow);
    CHECK(r && r.error() == SESSION_E_CONNECT && r.status_code() == 0);
    CHECK(!r.error_message().empty());
    CHECK(s.set_header("A", "1", libsession::nothrow) == SESSION_OK);
    CHECK(s.set_header("A\n", "1", libsession::nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(!libsession::last_error().empty());
    CHECK(s.set_timeout(std::chrono::milliseconds(-1), std::chrono::milliseconds(0),
                        libsession::nothrow) == SESSION_E_INVALID_ARGUMENT);
    libsession::Request bad = libsession::Request::make("GET", nullptr, libsession::nothrow);
    CHECK(!bad);
    libsession::Response none = s.send(bad, libsession::nothrow);
    CHECK(none.error() == SESSION_E_INVALID_ARGUMENT);
    libsession::Request ok = libsession::Request::make("GET", url("/get"), libsession::nothrow);
    CHECK(ok && ok.set_header("X-N", "2", libsession::nothrow) == SESSION_OK);
    CHECK(s.send(ok, libsession::nothrow).status_code() == 200);
    // Calls on an empty (moved-from) session report, never crash.
    libsession::Session gone = std::move(s);
    CHECK(s.set_header("A", "1", libsession::nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.get(url("/get"), libsession::nothrow).error() == SESSION_E_INVALID_ARGUMENT);
    CHECK(!s.cookie_get(url("/"), "a").has_value());
}

static void test_state()
{
    std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                       "/libsession-hpp-state-" + std::to_string(std::rand()) + ".json";
    libsession::Session s;
    s.hsts_add("hpp.test", 600, true).cookie_set("k", "v", "hpp.test");
    CHECK(s.hsts_lookup("a.hpp.test") && !s.hsts_lookup("other.test"));
    CHECK(s.hsts_add("127.0.0.1", 600, false, libsession::nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.set_sensitive_headers("X-Api-Key", libsession::nothrow) == SESSION_OK);
    CHECK(s.set_https_only(false, libsession::nothrow) == SESSION_OK);
    CHECK(s.set_hsts(true, libsession::nothrow) == SESSION_OK);
    s.save(path);
    libsession::Session back;
    back.load(path);
    CHECK(back.hsts_lookup("hpp.test"));
    CHECK(back.cookie_get("http://hpp.test/", "k").value_or("") == "v");
    back.hsts_clear();
    CHECK(!back.hsts_lookup("hpp.test"));
    std::remove(path.c_str());
    bool threw = false;
    try {
        back.load(path);
    } catch (const libsession::Error &e) {
        threw = e.code() == SESSION_E_IO;
    }
    CHECK(threw);
}

static void test_connections()
{
    using libsession::nothrow;
    libsession::Session s;
    s.set_ip_resolve(SESSION_IP_V4).set_happy_eyeballs(std::chrono::milliseconds(100))
        .set_interface("127.0.0.1").set_local_port_range(0, 0).set_max_recv_speed(0).set_max_send_speed(0);
    CHECK(s.get(url("/get")).status_code() == 200);
    CHECK(s.set_pinned_public_key("sha256//short", nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.set_unix_socket("relative.sock", nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.set_doh_url("http://127.0.0.1/dns-query", nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.set_max_recv_speed(-1, nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.set_pinned_public_key(nullptr, nothrow) == SESSION_OK);
    CHECK(s.set_unix_socket(nullptr, nothrow) == SESSION_OK);
    CHECK(s.set_doh_url(nullptr, nothrow) == SESSION_OK);
    libsession::Request req("GET", url("/get"));
    req.set_unix_socket("").set_max_recv_speed(-1).set_max_send_speed(1000000);
    CHECK(req.set_unix_socket("x.sock", nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.send(req).status_code() == 200);
    try {
        s.set_interface("dev!eth0");
        CHECK(!"bad interface syntax must throw");
    } catch (const libsession::Error &e) {
        CHECK(e.code() == SESSION_E_INVALID_ARGUMENT);
    }
}

static void test_free_functions()
{
    CHECK(libsession::version().substr(0, 11) == "libsession ");
    CHECK(libsession::strerror(SESSION_E_TIMEOUT).size() > 0);
}

/* Record from httpbin, then play back against a port nothing listens on. */
static void test_har_and_replay()
{
    std::string cassette = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/libsession-hpp-replay.har";
    std::string log = cassette + ".log.har";
    {
        libsession::Session s;
        s.set_replay(cassette, SESSION_REPLAY_RECORD).set_har_log(log).set_har_options(true, true, 0);
        CHECK(s.get(url("/get?hpp=1")).status_code() == 200);
        s.har_flush();
    }
    libsession::Session p;
    p.set_replay(cassette, SESSION_REPLAY_PLAYBACK);
    libsession::Response r = p.get(url("/get?hpp=1"));
    CHECK(r.status_code() == 200 && contains(r.body(), "\"hpp\": \"1\""));
    CHECK(p.get(url("/get?hpp=2"), libsession::nothrow).error() == SESSION_E_NOT_RECORDED);
    CHECK(p.set_replay("/nonexistent/dir/x.har", SESSION_REPLAY_PLAYBACK, libsession::nothrow) == SESSION_E_IO);
    CHECK(p.set_replay(nullptr, SESSION_REPLAY_OFF, libsession::nothrow) == SESSION_OK);
    std::remove(cassette.c_str());
    std::remove(log.c_str());
}

static void test_cache()
{
    libsession::Session s;
    s.set_cache(nullptr, 1 << 20);
    std::string u = url("/cache/60?hpp-cache=1");
    CHECK(s.get(u).cache_status() == SESSION_CACHE_MISS);
    libsession::Response hit = s.get(u);
    CHECK(hit.status_code() == 200 && hit.cache_status() == SESSION_CACHE_HIT);
    std::string validated = url("/cache?hpp-cache=2"); // ETag and Last-Modified; 304 to a conditional GET
    CHECK(s.get(validated).cache_status() == SESSION_CACHE_MISS);
    libsession::Request again("GET", validated);
    again.set_cache_mode(SESSION_CACHE_NO_CACHE);
    CHECK(s.send(again).cache_status() == SESSION_CACHE_REVALIDATED);
    libsession::Request never("GET", url("/get?hpp-cache=never"));
    never.set_cache_mode(SESSION_CACHE_ONLY_IF_CACHED);
    CHECK(s.send(never, libsession::nothrow).error() == SESSION_E_NOT_CACHED);
    CHECK(never.set_cache_mode(99, libsession::nothrow) == SESSION_E_INVALID_ARGUMENT);
    CHECK(s.set_cache("", 1, libsession::nothrow) == SESSION_E_INVALID_ARGUMENT);
    s.set_cache(nullptr, 0);
    CHECK(s.get(u).cache_status() == SESSION_CACHE_NONE);
}

int main()
{
    test_get_and_accessors();
    test_binary_body();
    test_request_builder();
    test_redirect_history_and_cookies();
    test_moves();
    test_exceptions();
    test_nothrow();
    test_state();
    test_connections();
    test_free_functions();
    test_har_and_replay();
    test_cache();
    std::printf("test_session_hpp: %d checks, %d passed, %d failed\n", total, total - failed, failed);
    return failed ? 1 : 0;
}
