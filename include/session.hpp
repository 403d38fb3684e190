/*
 * libsession for C++17: header-only RAII wrappers over session.h.
 *
 *   libsession::Session s;
 *   s.set_header("X-Client", "demo");
 *   libsession::Response r = s.get("http://127.0.0.1:8080/get");
 *   std::cout << r.status_code() << ' ' << r.body() << '\n';
 *
 * Types: Session, Request (reusable builder), Response (owns a session_response_t),
 * ResponseView (a non-owning view, used for redirect history entries), WebSocket (owns a
 * session_ws_t; iterate it for WsMessage) and WsMessage (owns a session_ws_message_t).
 * Server-Sent Events: Request::on_events(callable). Session, Request and
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
#include <iterator>
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

/** Throws Error for the last failure on this thread (for calls that return NULL): its code
 *  is read back from session_last_error's "<strerror>: " prefix. */
[[noreturn]] inline void throw_last_error()
{
    std::string_view detail = last_error();
    session_code code = SESSION_E_INTERNAL;
    for (int c = 1; c < 64; ++c) {
        std::string_view text = strerror(static_cast<session_code>(c));
        if (detail.substr(0, text.size()) == text && detail.substr(text.size(), 1) == ":") {
            code = static_cast<session_code>(c);
            break;
        }
    }
    throw Error(code, std::string(detail));
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
    /** How the session's HTTP cache answered this hop (SESSION_CACHE_NONE when off). */
    session_cache_status cache_status() const noexcept { return session_response_cache_status(r_); }

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

    /** The method this hop's request was sent with ("" when nothing was sent). */
    std::string_view request_method() const noexcept { return str(session_response_request_method(r_)); }
    /** The header lines this hop's request was sent with (libcurl's own Host,
        Content-Length and a digest Authorization are not listed). */
    std::vector<std::pair<std::string_view, std::string_view>> request_headers() const
    {
        std::vector<std::pair<std::string_view, std::string_view>> out;
        const std::size_t n = session_response_request_header_count(r_);
        out.reserve(n);
        for (std::size_t i = 0; i < n; i++) {
            const char *name = nullptr, *value = nullptr;
            if (session_response_request_header_at(r_, i, &name, &value) == SESSION_OK)
                out.emplace_back(name, value);
        }
        return out;
    }
    /** The body this hop's request carried; nullopt without one or when it was streamed. */
    std::optional<std::string_view> request_body() const noexcept
    {
        std::size_t len = 0;
        const uint8_t *data = session_response_request_body(r_, &len);
        return data ? std::optional<std::string_view>(std::string_view(reinterpret_cast<const char *>(data), len))
                    : std::nullopt;
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
    /** SESSION_CACHE_DEFAULT, _NO_STORE, _NO_CACHE, _FORCE_CACHE or _ONLY_IF_CACHED. */
    session_code set_cache_mode(session_cache_mode mode, nothrow_t) noexcept
    {
        return session_request_set_cache_mode(req_, mode);
    }
    /** Server-Sent Events: `cb` gets each event (session_request_set_event_callback). */
    session_code set_event_callback(session_event_cb cb, void *userdata, nothrow_t) noexcept
    {
        return session_request_set_event_callback(req_, cb, userdata);
    }
    /**
     * Server-Sent Events to a callable `f(const session_event_t &) -> bool` (true goes on,
     * false ends the stream cleanly). `f` is borrowed: it must outlive every send of this
     * request. An exception from `f` ends the stream (it is not propagated through C).
     */
    template <class F>
    session_code on_events(F &f, nothrow_t) noexcept
    {
        return set_event_callback(
            [](const session_event_t *ev, void *userdata) -> int {
#if SESSION_HPP_EXCEPTIONS
                try {
                    return (*static_cast<F *>(userdata))(*ev) ? 0 : 1;
                } catch (...) {
                    return 1;
                }
#else
                return (*static_cast<F *>(userdata))(*ev) ? 0 : 1;
#endif
            },
            &f, nothrow);
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
    Request &set_cache_mode(session_cache_mode mode)
    {
        check(set_cache_mode(mode, nothrow));
        return *this;
    }
    template <class F>
    Request &on_events(F &f)
    {
        check(on_events(f, nothrow));
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

/** A received WebSocket message (owns a session_ws_message_t). Move-only. */
class WsMessage {
public:
    WsMessage() noexcept = default;
    explicit WsMessage(session_ws_message_t *m) noexcept : m_(m) {}
    WsMessage(const WsMessage &) = delete;
    WsMessage &operator=(const WsMessage &) = delete;
    WsMessage(WsMessage &&other) noexcept : m_(std::exchange(other.m_, nullptr)) {}
    WsMessage &operator=(WsMessage &&other) noexcept
    {
        if (this != &other) {
            session_ws_message_free(m_);
            m_ = std::exchange(other.m_, nullptr);
        }
        return *this;
    }
    ~WsMessage() { session_ws_message_free(m_); }

    explicit operator bool() const noexcept { return m_ != nullptr; }
    session_ws_type type() const noexcept { return m_->type; }
    bool is_text() const noexcept { return m_->type == SESSION_WS_TEXT; }
    bool is_close() const noexcept { return m_->type == SESSION_WS_CLOSE; }
    /** The payload (text is UTF-8), valid as long as the message lives. */
    std::string_view data() const noexcept { return {m_->data, m_->len}; }
    uint16_t close_code() const noexcept { return m_->close_code; }
    std::string_view close_reason() const noexcept { return m_->close_reason; }
    const session_ws_message_t *get() const noexcept { return m_; }

private:
    session_ws_message_t *m_ = nullptr;
};

/**
 * An open WebSocket (owns a session_ws_t; freeing sends a close). Move-only. One thread may
 * send while another receives (see session_ws_recv). Iterating yields messages until and
 * with the peer's close; a failure ends the iteration (the throwing build throws Error).
 */
class WebSocket {
public:
    WebSocket() noexcept = default;
    explicit WebSocket(session_ws_t *ws) noexcept : ws_(ws) {}
    WebSocket(const WebSocket &) = delete;
    WebSocket &operator=(const WebSocket &) = delete;
    WebSocket(WebSocket &&other) noexcept : ws_(std::exchange(other.ws_, nullptr)) {}
    WebSocket &operator=(WebSocket &&other) noexcept
    {
        if (this != &other) {
            session_ws_free(ws_);
            ws_ = std::exchange(other.ws_, nullptr);
        }
        return *this;
    }
    ~WebSocket() { session_ws_free(ws_); }

    explicit operator bool() const noexcept { return ws_ != nullptr; }
    session_ws_t *get() const noexcept { return ws_; }
    int fd() const noexcept { return session_ws_fd(ws_); }

    session_code send_text(std::string_view utf8, nothrow_t) noexcept
    {
        return session_ws_send_text(ws_, utf8.data(), utf8.size());
    }
    session_code send_binary(std::string_view data, nothrow_t) noexcept
    {
        return session_ws_send_binary(ws_, data.data(), data.size());
    }
    session_code ping(std::string_view data, nothrow_t) noexcept
    {
        return session_ws_ping(ws_, data.data(), data.size());
    }
    session_code close(uint16_t code, const cstr &reason, nothrow_t) noexcept
    {
        return session_ws_close(ws_, code, reason.c_str());
    }
    session_code set_max_message(size_t bytes, nothrow_t) noexcept
    {
        return session_ws_set_max_message(ws_, bytes);
    }
    /** The next message; empty (see last_error()) on timeout or failure. -1 waits forever. */
    WsMessage recv(std::chrono::milliseconds timeout, nothrow_t) noexcept
    {
        long ms = to_long_ms(timeout);
        return WsMessage(session_ws_recv(ws_, ms < 0 ? -1 : static_cast<int>(ms > 2147483647L ? 2147483647L : ms)));
    }
#if SESSION_HPP_EXCEPTIONS
    void send_text(std::string_view utf8) { check(send_text(utf8, nothrow)); }
    void send_binary(std::string_view data) { check(send_binary(data, nothrow)); }
    void ping(std::string_view data = {}) { check(ping(data, nothrow)); }
    void close(uint16_t code = 1000, const cstr &reason = nullptr) { check(close(code, reason, nothrow)); }
    void set_max_message(size_t bytes) { check(set_max_message(bytes, nothrow)); }
    /** Throws Error (SESSION_E_TIMEOUT included) when no message comes. */
    WsMessage recv(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        WsMessage m = recv(timeout, nothrow);
        if (!m)
            throw_last_error();
        return m;
    }
#endif

    /** Input iterator over the messages, up to and with the peer's close. */
    class iterator {
    public:
        using value_type = WsMessage;
        using difference_type = std::ptrdiff_t;
        using reference = WsMessage &;
        using pointer = WsMessage *;
        using iterator_category = std::input_iterator_tag;
        iterator() noexcept = default;
        explicit iterator(WebSocket *ws) : ws_(ws) { ++*this; }
        WsMessage &operator*() noexcept { return m_; }
        WsMessage *operator->() noexcept { return &m_; }
        iterator &operator++()
        {
            if (m_ && m_.is_close()) {
                ws_ = nullptr;
                return *this;
            }
            m_ = ws_->recv(std::chrono::milliseconds(-1), nothrow);
            if (!m_) {
                ws_ = nullptr;
#if SESSION_HPP_EXCEPTIONS
                throw_last_error();
#endif
            }
            return *this;
        }
        bool operator==(const iterator &other) const noexcept { return ws_ == other.ws_; }
        bool operator!=(const iterator &other) const noexcept { return ws_ != other.ws_; }

    private:
        WebSocket *ws_ = nullptr;
        WsMessage m_;
    };
    iterator begin() { return iterator(this); }
    iterator end() noexcept { return iterator(); }

private:
    session_ws_t *ws_ = nullptr;
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

    // ---- session state: HSTS, redirect safety, one-file save/restore (docs/state.md) ----
    session_code set_hsts(bool enabled, nothrow_t) noexcept { return session_set_hsts(s_, enabled); }
    /** max_age_s 0 removes the host's entry; an IP literal or a public suffix is refused. */
    session_code hsts_add(const cstr &host, std::int64_t max_age_s, bool include_subdomains, nothrow_t) noexcept
    {
        return session_hsts_add(s_, host.c_str(), max_age_s, include_subdomains);
    }
    session_code hsts_clear(nothrow_t) noexcept { return session_hsts_clear(s_); }
    /** Whether `host` is HTTPS-only now. */
    bool hsts_lookup(const cstr &host) const noexcept { return session_hsts_lookup(s_, host.c_str()); }
    /** Comma-separated names; nullptr or "" for none. */
    session_code set_sensitive_headers(const cstr &names, nothrow_t) noexcept
    {
        return session_set_sensitive_headers(s_, names.c_str());
    }
    session_code set_https_only(bool enabled, nothrow_t) noexcept { return session_set_https_only(s_, enabled); }
    /** Cookies and HSTS entries to one file, atomically, mode 0600. */
    session_code save(const cstr &path, nothrow_t) noexcept { return session_save(s_, path.c_str()); }
    /** All or nothing: on error the session is unchanged. */
    session_code load(const cstr &path, nothrow_t) noexcept { return session_load(s_, path.c_str()); }
    // ---- the HTTP cache (docs/cache.md) ----
    /** dir nullptr: in memory; max_bytes 0 turns the cache off. */
    session_code set_cache(const cstr &dir, std::uint64_t max_bytes, nothrow_t) noexcept
    {
        return session_set_cache(s_, dir.c_str(), max_bytes);
    }
    // ---- HAR export and record/replay (docs/har-replay.md) ----
    /** path nullptr stops logging. */
    session_code set_har_log(const cstr &path, nothrow_t) noexcept
    {
        return session_set_har_log(s_, path.c_str());
    }
    session_code set_har_options(bool redact, bool bodies, std::uint64_t max_body_bytes, nothrow_t) noexcept
    {
        return session_set_har_options(s_, redact, bodies, max_body_bytes);
    }
    session_code har_flush(nothrow_t) noexcept { return session_har_flush(s_); }
    /** mode SESSION_REPLAY_OFF, _RECORD, _PLAYBACK or _AUTO; path may be nullptr with OFF. */
    session_code set_replay(const cstr &path, session_replay_mode mode, nothrow_t) noexcept
    {
        return session_set_replay(s_, path.c_str(), mode);
    }
    /** Comma-separated names; nullptr for none; match_headers "*" for all. */
    session_code set_replay_matching(const cstr &match_headers, const cstr &ignore_headers, const cstr &ignore_params,
                                     nothrow_t) noexcept
    {
        return session_set_replay_matching(s_, match_headers.c_str(), ignore_headers.c_str(), ignore_params.c_str());
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
    /**
     * Opens a WebSocket (session_ws_connect_response); empty on failure (see last_error()).
     * `handshake`, when given, receives the server's answer (the 101, or a refusal).
     */
    WebSocket ws_connect(const cstr &url, const Request *opts, Response *handshake, nothrow_t) const noexcept
    {
        session_response_t *r = nullptr;
        WebSocket ws(session_ws_connect_response(s_, url.c_str(), opts ? opts->get() : nullptr, &r));
        if (handshake)
            *handshake = Response(r);
        else
            session_response_free(r);
        return ws;
    }
#if SESSION_HPP_EXCEPTIONS
    /** Throws Error (SESSION_E_UPGRADE_REFUSED for a non-101 answer) on failure. */
    WebSocket ws_connect(const cstr &url, const Request *opts = nullptr) const
    {
        WebSocket ws = ws_connect(url, opts, nullptr, nothrow);
        if (!ws)
            throw_last_error();
        return ws;
    }
#endif
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
    Session &set_har_log(const cstr &path) { return checked(set_har_log(path, nothrow)); }
    Session &set_cache(const cstr &dir, std::uint64_t max_bytes) { return checked(set_cache(dir, max_bytes, nothrow)); }
    Session &set_har_options(bool redact, bool bodies, std::uint64_t max_body_bytes)
    {
        return checked(set_har_options(redact, bodies, max_body_bytes, nothrow));
    }
    Session &har_flush() { return checked(har_flush(nothrow)); }
    Session &set_replay(const cstr &path, session_replay_mode mode) { return checked(set_replay(path, mode, nothrow)); }
    Session &set_replay_matching(const cstr &match_headers, const cstr &ignore_headers, const cstr &ignore_params)
    {
        return checked(set_replay_matching(match_headers, ignore_headers, ignore_params, nothrow));
    }
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
    Session &set_hsts(bool enabled) { return checked(set_hsts(enabled, nothrow)); }
    Session &hsts_add(const cstr &host, std::int64_t max_age_s, bool include_subdomains = false)
    {
        return checked(hsts_add(host, max_age_s, include_subdomains, nothrow));
    }
    Session &hsts_clear() { return checked(hsts_clear(nothrow)); }
    Session &set_sensitive_headers(const cstr &names) { return checked(set_sensitive_headers(names, nothrow)); }
    Session &set_https_only(bool enabled) { return checked(set_https_only(enabled, nothrow)); }
    Session &save(const cstr &path) { return checked(save(path, nothrow)); }
    Session &load(const cstr &path) { return checked(load(path, nothrow)); }

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
