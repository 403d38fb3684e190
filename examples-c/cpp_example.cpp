// The session tutorial in C++ with session.hpp: default headers, cookies kept across
// requests, a JSON POST, a redirect's history, and errors as exceptions.
// Usage: cpp_example [BASE_URL]   (default $HTTPBIN_URL, else http://127.0.0.1:8080)
#include "session.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char **argv)
{
    const char *env = std::getenv("HTTPBIN_URL");
    const std::string base = argc > 1 ? argv[1] : (env && *env ? env : "http://127.0.0.1:8080");

    try {
        libsession::Session s;
        s.set_header("X-Client", "cpp-example").set_timeout(std::chrono::seconds(5),
                                                             std::chrono::seconds(30));

        // The server sets a cookie and redirects; the session keeps it for later requests.
        libsession::Response login = s.get(base + "/cookies/set?session_id=abc123");
        std::cout << "login -> " << login.status_code() << " after " << login.redirect_count()
                  << " redirect(s), first hop " << login.history(0).status_code() << "\n";
        std::cout << "jar sends: " << s.cookie_header(base + "/").value_or("(nothing)") << "\n";

        // A reusable request builder: JSON body, per-request header.
        libsession::Request post("POST", base + "/post");
        post.set_json(R"({"item": "book", "qty": 2})").set_header("X-Request-Id", "1");
        libsession::Response r = s.send(post);
        r.raise_for_status();
        std::cout << "POST -> " << r.status_code() << " " << r.reason() << ", "
                  << r.header("Content-Type").value_or("?") << ", " << r.body().size()
                  << " bytes\n";

        // A 404 is a response, not an exception, until raise_for_status().
        libsession::Response missing = s.get(base + "/status/404");
        std::cout << "missing -> " << missing.status_code() << " ok=" << missing.ok() << "\n";
        try {
            missing.raise_for_status();
        } catch (const libsession::Error &e) {
            std::cout << "raise_for_status: " << e.what() << "\n";
        }

        // The non-throwing form reports a transport failure in the response.
        libsession::Response down = s.get("http://127.0.0.1:1/", libsession::nothrow);
        std::cout << "unreachable -> " << libsession::strerror(down.error()) << "\n";
    } catch (const libsession::Error &e) {
        std::cerr << "error " << e.code() << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
