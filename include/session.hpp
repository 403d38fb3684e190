/*
 * libsession for C++17: header-only RAII wrappers over session.h.
 *
 *   libsession::Session s;
 *   s.set_header("X-Client", "demo");
 *   libsession::Response r = s.get("http://127.0.0.1:8080/get");
 *   std::cout << r.status_code() << ' ' << r.body() << '\n';
 *
 * Types: Session, Request (reusable builder), Response (owns a session_response_t) and
 * ResponseView (a non-owning view, used for redirect history entries). Session, Request and
 * Response are move-only; a moved-from object is empty (operator bool is false) and may only
 * be destroyed or assigned to.
 *
 * Errors: by default a failing call throws libsession::Error (code() and what()). A transport
 * failure of a request throws too; an HTTP 4xx/5xx does not (call raise_for_status()), as in
 * requests. Every throwing call has a non-throwing overload taking libsession::nothrow as its
 * last argument: setters then return the session_code, requests return the Response with its
 * error() set. Compiled without exceptions (-fno-exceptions, or SESSION_HPP_NO_EXCEPTIONS
 * defined) only the non-throwing overloads exist.
 *
 * Strings: arguments accept const char*, std::string or std::string_view (a string_view is
 * copied to add the NUL that C needs). Accessors return std::string_view into the response,
 * valid as long as the Response lives. Everything else follows session.h and
 * docs/CONVENTIONS.md (strings copied on the way in, responses outlive their session).
 *
 * Adding a C function: a setter is one line, `return code(session_x(ptr_, a.c_str()));` in
 * the nothrow overload plus `check(x(a, nothrow));` in the throwing one.
 */
#ifndef LIBSESSION_SESSION_HPP
#define LIBSESSION_SESSION_HPP

#include "session.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if !defined(SESSION_HPP_NO_EXCEPTIONS) && \
    (defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND))
#define SESSION_HPP_EXCEPTIONS 1
#include <stdexcept>
#else
#define SESSION_HPP_EXCEPTIONS 0
#endif

namespace libsession {

/** Tag selecting the non-throwing overload of a call. */
struct nothrow_t {
    explicit nothrow_t() = default;
};
inline constexpr nothrow_t nothrow{};

/** Static description of a code (session_strerror). */
inline std::string_view strerror(session_code code) noexcept
{
    return session_strerror(static_cast<int>(code));
}

/** Detail of the last failure on this thread (session_last_error). */
inline std::string_view last_error() noexcept
{
    return session_last_error();
}

/** "libsession X.Y.Z (libcurl A.B.C)". */
inline std::string_view version() noexcept
{
    return session_version();
}

#if SESSION_HPP_EXCEPTIONS
/** A failed call: the session_code and its message. */
class Error : public std::runtime_error {
public:
    Error(session_code code, const std::string &message)
        : std::runtime_error(message), code_(code)
    {
    }
    session_code code() const noexcept { return code_; }

private:
    session_code code_;
};

/** Throws Error for anything but SESSION_OK, with session_last_error() as its message. */
inline void check(session_code code)
{
    if (code != SESSION_OK) {
        // session_last_error() reads "<strerror>: <detail>"; another code's text is stale.
        std::string_view text = strerror(code), detail = last_error();
        throw Error(code, std::string(detail.substr(0, text.size()) == text ? detail : text));
    }
}
#endif

/** Milliseconds as the C API's `long`. */
inline long to_long_ms(std::chrono::milliseconds d) noexcept
{
    return std::chrono::duration_cast<std::chrono::duration<long, std::milli>>(d).count();
}

/**
 * A NUL-terminated string argument: borrows a const char* or std::string, copies a
 * std::string_view. nullptr passes NULL (where the C function gives it a meaning).
 */
class cstr {
public:
    cstr(const char *s) noexcept : ptr_(s) {}
    cstr(std::nullptr_t) noexcept : ptr_(nullptr) {}
    cstr(const std::string &s) noexcept : ptr_(s.c_str()) {}
    cstr(std::string_view s) : copy_(s), ptr_(copy_.c_str()) {}
    cstr(const cstr &) = delete;
    cstr &operator=(const cstr &) = delete;
    const char *c_str() const noexcept { return ptr_; }

private:
    std::string copy_;
    const char *ptr_;
};

/** Read-only access to a response; does not own it (history entries, Response's base). */
class ResponseView {
public:
    explicit ResponseView(const session_response_t *r = nullptr) noexcept : r_(r) {}

    explicit operator bool() const noexcept { return r_ != nullptr; }
    const session_response_t *get() const noexcept { return r_; }

    /** SESSION_OK when a response was received; otherwise what failed. */
    session_code error() const noexcept { return r_ ? r_->error : SESSION_E_INVALID_ARGUMENT; }
    std::string_view error_message() const noexcept { return str(r_ ? r_->error_message : nullptr); }
    long status_code() const noexcept { return r_ ? r_->status_code : 0; }
    std::string_view reason() const noexcept { return str(r_ ? r_->reason : nullptr); }
    std::string_view url() const noexcept { return str(r_ ? r_->url : nullptr); }
    /** The body bytes (may contain NULs); text() is the same bytes. */
    std::string_view body() const noexcept
    {
        return r_ && r_->body ? std::string_view(r_->body, r_->body_len) : std::string_view();
    }
    std::string_view text() const noexcept { return body(); }
    std::chrono::duration<double> elapsed() const noexcept
    {
        return std::chrono::duration<double>(r_ ? r_->elapsed : 0.0);
    }
    std::string_view http_version() const noexcept { return str(r_ ? r_->http_version : nullptr); }
    std::size_t redirect_count() const noexcept { return r_ ? r_->redirect_count : 0; }

    /** No error and status below 400. */
    bool ok() const noexcept { return session_response_ok(r_); }

    /** Header value (case-insensitive, repeats joined with ", "), or nullopt when absent. */
    std::optional<std::string_view> header(const cstr &name) const noexcept
    {
        const char *v = session_response_header(r_, name.c_str());
        return v ? std::optional<std::string_view>(v) : std::nullopt;
    }
    std::size_t header_count() const noexcept { return session_response_header_count(r_); }
    /** The i-th header line in received order; empty views when out of range. */
    std::pair<std::string_view, std::string_view> header_at(std::size_t i) const noexcept
    {
        const char *name = nullptr, *value = nullptr;
        if (session_response_header_at(r_, i, &name, &value) != SESSION_OK)
            return {};
        return {name, value};
    }
    /** All header lines in received order. */
    std::vector<std::pair<std::string_view, std::string_view>> headers() const
    {
        std::vector<std::pair<std::string_view, std::string_view>> out;
        const std::size_t n = header_count();
        out.reserve(n);
        for (std::size_t i = 0; i < n; i++)
            out.push_back(header_at(i));
        return out;
    }

    /** The i-th redirect hop (0 is the first request's); empty view when out of range. */
    ResponseView history(std::size_t i) const noexcept
    {
        return ResponseView(session_response_history_at(r_, i));
    }

    /** SESSION_E_HTTP_STATUS for 4xx/5xx, the transport error, or SESSION_OK. */
    session_code raise_for_status(nothrow_t) const noexcept
    {
        return session_response_raise_for_status(r_);
    }
#if SESSION_HPP_EXCEPTIONS
    /** Throws Error(SESSION_E_HTTP_STATUS) for 4xx/5xx, or the transport error. */
    void raise_for_status() const
    {
        if (r_ && r_->error != SESSION_OK)
            throw_error();
        check(raise_for_status(nothrow));
    }
    /** Throws the transport error this response carries as Error. */
    [[noreturn]] void throw_error() const
    {
        throw Error(error(), std::string(strerror(error())) + ": " + std::string(error_message()));
    }
#endif

protected:
    static std::string_view str(const char *s) noexcept { return s ? s : std::string_view(); }
    const session_response_t *r_;
};

/** Owns a session_response_t (session_response_free on destruction). Move-only. */
class Response : public ResponseView {
public:
    Response() noexcept = default;
    /** Takes ownership of `r` (NULL gives an empty Response). */
    explicit Response(session_response_t *r) noexcept : ResponseView(r) {}
    Response(const Response &) = delete;
    Response &operator=(const Response &) = delete;
    Response(Response &&other) noexcept : ResponseView(std::exchange(other.r_, nullptr)) {}
    Response &operator=(Response &&other) noexcept
    {
        if (this != &other) {
            reset();
            r_ = std::exchange(other.r_, nullptr);
        }
        return *this;
    }
    ~Response() { reset(); }

    /** Gives up ownership: the caller frees the result with session_response_free. */
    session_response_t *release() noexcept
    {
        return const_cast<session_response_t *>(std::exchange(r_, nullptr));
    }
    void reset() noexcept { session_response_free(release()); }
};

/** A reusable request builder (session_request_t). Move-only. */
class Request {
public:
    /** Empty Request; see make() for the non-throwing constructor. */
    Request() noexcept = default;
#if SESSION_HPP_EXCEPTIONS
    /** Throws Error(SESSION_E_INVALID_ARGUMENT) for a bad method or URL. */
    Request(const cstr &method, const cstr &url)
        : req_(session_request_new(method.c_str(), url.c_str()))
    {
        if (!req_)
            check(SESSION_E_INVALID_ARGUMENT);
    }
#endif
    /** An empty Request (operator bool false) instead of throwing; see last_error(). */
    static Request make(const cstr &method, const cstr &url, nothrow_t) noexcept
    {
        Request r;
        r.req_ = session_request_new(method.c_str(), url.c_str());
        return r;
    }
    /** Takes ownership of `req`. */
    explicit Request(session_request_t *req) noexcept : req_(req) {}
    Request(const Request &) = delete;
    Request &operator=(const Request &) = delete;
    Request(Request &&other) noexcept : req_(std::exchange(other.req_, nullptr)) {}
    Request &operator=(Request &&other) noexcept
    {
        if (this != &other) {
            session_request_free(req_);
            req_ = std::exchange(other.req_, nullptr);
        }
        return *this;
    }
    ~Request() { session_request_free(req_); }

    explicit operator bool() const noexcept { return req_ != nullptr; }
    session_request_t *get() const noexcept { return req_; }
    session_request_t *release() noexcept { return std::exchange(req_, nullptr); }

    session_code set_header(const cstr &name, const cstr &value, nothrow_t) noexcept
    {
        return session_request_set_header(req_, name.c_str(), value.c_str());
    }
    /** Don't send header `name`, not even the session's default (C: value NULL). */
    session_code suppress_header(const cstr &name, nothrow_t) noexcept
    {
        return session_request_set_header(req_, name.c_str(), nullptr);
    }
    session_code add_param(const cstr &name, const cstr &value, nothrow_t) noexcept
    {
        return session_request_add_param(req_, name.c_str(), value.c_str());
    }
    session_code set_body(std::string_view data, const cstr &content_type, nothrow_t) noexcept
    {
        return session_request_set_body(req_, data.data(), data.size(), content_type.c_str());
    }
    session_code set_json(const cstr &json, nothrow_t) noexcept
    {
        return session_request_set_json(req_, json.c_str());
    }
    session_code add_form(const cstr &name, const cstr &value, nothrow_t) noexcept
    {
        return session_request_add_form(req_, name.c_str(), value.c_str());
    }
    /** Total deadline over all redirects; 0 means none. */
    session_code set_timeout(std::chrono::milliseconds total, nothrow_t) noexcept
    {
        return session_request_set_timeout_ms(req_, to_long_ms(total));
    }
    session_code set_allow_redirects(bool allow, nothrow_t) noexcept
    {
        return session_request_set_allow_redirects(req_, allow);
    }
    /** This request's Unix domain socket: "" for TCP, nullptr for the session's. */
    session_code set_unix_socket(const cstr &path, nothrow_t) noexcept
    {
        return session_request_set_unix_socket(req_, path.c_str());
    }
    /** Bytes per second; 0 means no cap, -1 the session's. */
    session_code set_max_recv_speed(std::int64_t bytes_per_s, nothrow_t) noexcept
    {
        return session_request_set_max_recv_speed(req_, bytes_per_s);
    }
    session_code set_max_send_speed(std::int64_t bytes_per_s, nothrow_t) noexcept
    {
        return session_request_set_max_send_speed(req_, bytes_per_s);
    }

#if SESSION_HPP_EXCEPTIONS
    // Throwing forms, chainable: Request("POST", url).set_json("{}").set_header("A", "1")
    Request &set_header(const cstr &name, const cstr &value)
    {
        check(set_header(name, value, nothrow));
        return *this;
    }
    Request &suppress_header(const cstr &name)
    {
        check(suppress_header(name, nothrow));
        return *this;
    }
    Request &add_param(const cstr &name, const cstr &value)
    {
        check(add_param(name, value, nothrow));
        return *this;
    }
    Request &set_body(std::string_view data, const cstr &content_type = nullptr)
    {
        check(set_body(data, content_type, nothrow));
        return *this;
    }
    Request &set_json(const cstr &json)
    {
        check(set_json(json, nothrow));
        return *this;
    }
    Request &add_form(const cstr &name, const cstr &value)
    {
        check(add_form(name, value, nothrow));
        return *this;
    }
    Request &set_timeout(std::chrono::milliseconds total)
    {
        check(set_timeout(total, nothrow));
        return *this;
    }
    Request &set_allow_redirects(bool allow)
    {
        check(set_allow_redirects(allow, nothrow));
        return *this;
    }
    Request &set_unix_socket(const cstr &path)
    {
        check(set_unix_socket(path, nothrow));
        return *this;
    }
    Request &set_max_recv_speed(std::int64_t bytes_per_s)
    {
        check(set_max_recv_speed(bytes_per_s, nothrow));
        return *this;
    }
    Request &set_max_send_speed(std::int64_t bytes_per_s)
    {
        check(set_max_send_speed(bytes_per_s, nothrow));
        return *this;
    }
#endif

private:
    session_request_t *req_ = nullptr;
};

/** A session (session_t): cookies, defaults and a connection pool. Move-only. */
class Session {
public:
#if SESSION_HPP_EXCEPTIONS
    /** Throws std::bad_alloc when session_new fails (out of memory). */
    Session() : s_(session_new())
    {
        if (!s_)
            throw std::bad_alloc();
    }
#endif
    /** A session, empty (operator bool false) when out of memory. */
    explicit Session(nothrow_t) noexcept : s_(session_new()) {}
    /** Takes ownership of `s`. */
    explicit Session(session_t *s) noexcept : s_(s) {}
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;
    Session(Session &&other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
    Session &operator=(Session &&other) noexcept
    {
        if (this != &other) {
            session_free(s_);
            s_ = std::exchange(other.s_, nullptr);
        }
        return *this;
    }
    ~Session() { session_free(s_); }

    explicit operator bool() const noexcept { return s_ != nullptr; }
    session_t *get() const noexcept { return s_; }
    session_t *release() noexcept { return std::exchange(s_, nullptr); }

    // ---- settings (non-throwing forms return the code) ----
    session_code set_header(const cstr &name, const cstr &value, nothrow_t) noexcept
    {
        return session_set_header(s_, name.c_str(), value.c_str());
    }
    /** Don't send header `name` unless a request sets it (C: value NULL). */
    session_code suppress_header(const cstr &name, nothrow_t) noexcept
    {
        return session_set_header(s_, name.c_str(), nullptr);
    }
    session_code set_param(const cstr &name, const cstr &value, nothrow_t) noexcept
    {
        return session_set_param(s_, name.c_str(), value.c_str());
    }
    session_code remove_param(const cstr &name, nothrow_t) noexcept
    {
        return session_set_param(s_, name.c_str(), nullptr);
    }
    /** user nullptr removes the credentials. */
    session_code set_basic_auth(const cstr &user, const cstr &password, nothrow_t) noexcept
    {
        return session_set_basic_auth(s_, user.c_str(), password.c_str());
    }
    /** token nullptr removes it. */
    session_code set_bearer_token(const cstr &token, nothrow_t) noexcept
    {
        return session_set_bearer_token(s_, token.c_str());
    }
    /** Connect timeout and total deadline; 0 means none. */
    session_code set_timeout(std::chrono::milliseconds connect, std::chrono::milliseconds total,
                             nothrow_t) noexcept
    {
        return session_set_timeout_ms(s_, to_long_ms(connect),
                                      to_long_ms(total));
    }
    session_code set_max_redirects(int max, nothrow_t) noexcept
    {
        return session_set_max_redirects(s_, max);
    }
    session_code set_verify(bool verify, nothrow_t) noexcept
    {
        return session_set_verify(s_, verify);
    }
    /** path nullptr goes back to the system store. */
    session_code set_ca_bundle(const cstr &path, nothrow_t) noexcept
    {
        return session_set_ca_bundle(s_, path.c_str());
    }
    session_code set_max_body_size(std::size_t bytes, nothrow_t) noexcept
    {
        return session_set_max_body_size(s_, bytes);
    }
    /** address nullptr removes the override. */
    session_code set_resolve(const cstr &host, int port, const cstr &address, nothrow_t) noexcept
    {
        return session_set_resolve(s_, host.c_str(), port, address.c_str());
    }

    // ---- connections (see session.h: pins, Unix sockets, local address, DoH, bandwidth) ----
    /** "sha256//<base64>[;...]" or a PEM/DER key file; nullptr removes it. */
    session_code set_pinned_public_key(const cstr &pin, nothrow_t) noexcept
    {
        return session_set_pinned_public_key(s_, pin.c_str());
    }
    /** Absolute socket path; nullptr goes back to TCP. */
    session_code set_unix_socket(const cstr &path, nothrow_t) noexcept
    {
        return session_set_unix_socket(s_, path.c_str());
    }
    /** "eth0", "if!eth0", "host!name", "ifhost!eth0!addr" or an address; nullptr: any. */
    session_code set_interface(const cstr &interface, nothrow_t) noexcept
    {
        return session_set_interface(s_, interface.c_str());
    }
    /** Ports port .. port + range - 1; port 0 removes it. */
    session_code set_local_port_range(int port, int range, nothrow_t) noexcept
    {
        return session_set_local_port_range(s_, port, range);
    }
    session_code set_ip_resolve(session_ip_resolve family, nothrow_t) noexcept
    {
        return session_set_ip_resolve(s_, static_cast<int>(family));
    }
    /** -1 restores libcurl's 200 ms. */
    session_code set_happy_eyeballs(std::chrono::milliseconds delay, nothrow_t) noexcept
    {
        return session_set_happy_eyeballs_ms(s_, to_long_ms(delay));
    }
    /** An https:// URL; nullptr goes back to the system resolver. */
    session_code set_doh_url(const cstr &url, nothrow_t) noexcept
    {
        return session_set_doh_url(s_, url.c_str());
    }
    /** Bytes per second; 0 means no cap. */
    session_code set_max_recv_speed(std::int64_t bytes_per_s, nothrow_t) noexcept
    {
        return session_set_max_recv_speed(s_, bytes_per_s);
    }
    session_code set_max_send_speed(std::int64_t bytes_per_s, nothrow_t) noexcept
    {
        return session_set_max_send_speed(s_, bytes_per_s);
    }

    // ---- cookies ----
    /** path nullptr means "/". */
    session_code cookie_set(const cstr &name, const cstr &value, const cstr &domain,
                            const cstr &path, nothrow_t) noexcept
    {
        return session_cookie_set(s_, name.c_str(), value.c_str(), domain.c_str(), path.c_str());
    }
    session_code cookies_clear(nothrow_t) noexcept { return session_cookies_clear(s_); }
    /** The value of cookie `name` that would be sent to `url`, or nullopt. */
    std::optional<std::string> cookie_get(const cstr &url, const cstr &name) const
    {
        return take(session_cookie_get(s_, url.c_str(), name.c_str()));
    }
    /** The Cookie header the session would send to `url`, or nullopt. */
    std::optional<std::string> cookie_header(const cstr &url) const
    {
        return take(session_cookie_header(s_, url.c_str()));
    }

    // ---- requests (non-throwing: the Response carries the error) ----
    Response send(const Request &req, nothrow_t) const noexcept
    {
        return Response(session_send(s_, req.get()));
    }
    Response get(const cstr &url, nothrow_t) const noexcept
    {
        return Response(session_get(s_, url.c_str()));
    }
    Response head(const cstr &url, nothrow_t) const noexcept
    {
        return Response(session_head(s_, url.c_str()));
    }
    Response delete_(const cstr &url, nothrow_t) const noexcept
    {
        return Response(session_delete(s_, url.c_str()));
    }
    Response post(const cstr &url, std::string_view body, const cstr &content_type,
                  nothrow_t) const noexcept
    {
        return Response(session_post(s_, url.c_str(), body.data(), body.size(), content_type.c_str()));
    }
    Response put(const cstr &url, std::string_view body, const cstr &content_type,
                 nothrow_t) const noexcept
    {
        return Response(session_put(s_, url.c_str(), body.data(), body.size(), content_type.c_str()));
    }
    Response patch(const cstr &url, std::string_view body, const cstr &content_type,
                   nothrow_t) const noexcept
    {
        return Response(session_patch(s_, url.c_str(), body.data(), body.size(), content_type.c_str()));
    }

#if SESSION_HPP_EXCEPTIONS
    // ---- throwing forms: setters return *this for chaining ----
    Session &set_header(const cstr &name, const cstr &value) { return checked(set_header(name, value, nothrow)); }
    Session &suppress_header(const cstr &name) { return checked(suppress_header(name, nothrow)); }
    Session &set_param(const cstr &name, const cstr &value) { return checked(set_param(name, value, nothrow)); }
    Session &remove_param(const cstr &name) { return checked(remove_param(name, nothrow)); }
    Session &set_basic_auth(const cstr &user, const cstr &password) { return checked(set_basic_auth(user, password, nothrow)); }
    Session &set_bearer_token(const cstr &token) { return checked(set_bearer_token(token, nothrow)); }
    Session &set_timeout(std::chrono::milliseconds connect, std::chrono::milliseconds total) { return checked(set_timeout(connect, total, nothrow)); }
    Session &set_max_redirects(int max) { return checked(set_max_redirects(max, nothrow)); }
    Session &set_verify(bool verify) { return checked(set_verify(verify, nothrow)); }
    Session &set_ca_bundle(const cstr &path) { return checked(set_ca_bundle(path, nothrow)); }
    Session &set_max_body_size(std::size_t bytes) { return checked(set_max_body_size(bytes, nothrow)); }
    Session &set_resolve(const cstr &host, int port, const cstr &address) { return checked(set_resolve(host, port, address, nothrow)); }
    Session &set_pinned_public_key(const cstr &pin) { return checked(set_pinned_public_key(pin, nothrow)); }
    Session &set_unix_socket(const cstr &path) { return checked(set_unix_socket(path, nothrow)); }
    Session &set_interface(const cstr &interface) { return checked(set_interface(interface, nothrow)); }
    Session &set_local_port_range(int port, int range) { return checked(set_local_port_range(port, range, nothrow)); }
    Session &set_ip_resolve(session_ip_resolve family) { return checked(set_ip_resolve(family, nothrow)); }
    Session &set_happy_eyeballs(std::chrono::milliseconds delay) { return checked(set_happy_eyeballs(delay, nothrow)); }
    Session &set_doh_url(const cstr &url) { return checked(set_doh_url(url, nothrow)); }
    Session &set_max_recv_speed(std::int64_t bytes_per_s) { return checked(set_max_recv_speed(bytes_per_s, nothrow)); }
    Session &set_max_send_speed(std::int64_t bytes_per_s) { return checked(set_max_send_speed(bytes_per_s, nothrow)); }
    Session &cookie_set(const cstr &name, const cstr &value, const cstr &domain, const cstr &path = nullptr)
    {
        return checked(cookie_set(name, value, domain, path, nothrow));
    }
    Session &cookies_clear() { return checked(cookies_clear(nothrow)); }

    /** Throws Error when the transfer failed (not for 4xx/5xx). */
    Response send(const Request &req) const { return received(send(req, nothrow)); }
    Response get(const cstr &url) const { return received(get(url, nothrow)); }
    Response head(const cstr &url) const { return received(head(url, nothrow)); }
    Response delete_(const cstr &url) const { return received(delete_(url, nothrow)); }
    Response post(const cstr &url, std::string_view body = {}, const cstr &content_type = nullptr) const
    {
        return received(post(url, body, content_type, nothrow));
    }
    Response put(const cstr &url, std::string_view body = {}, const cstr &content_type = nullptr) const
    {
        return received(put(url, body, content_type, nothrow));
    }
    Response patch(const cstr &url, std::string_view body = {}, const cstr &content_type = nullptr) const
    {
        return received(patch(url, body, content_type, nothrow));
    }
#endif

private:
    static std::optional<std::string> take(char *s)
    {
        if (!s)
            return std::nullopt;
        struct Free {
            char *p;
            ~Free() { session_string_free(p); }
        } owner{s};
        return std::string(s);
    }
#if SESSION_HPP_EXCEPTIONS
    Session &checked(session_code code)
    {
        check(code);
        return *this;
    }
    static Response received(Response r)
    {
        if (!r)
            throw std::bad_alloc();
        if (r.error() != SESSION_OK)
            r.throw_error();
        return r;
    }
#endif

    session_t *s_;
};

} // namespace libsession

#endif /* LIBSESSION_SESSION_HPP */
