// session.hpp compiled with -fno-exceptions: the nothrow overloads only.
#include "session.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main()
{
    const char *base = std::getenv("HTTPBIN_URL");
    if (base == nullptr)
        return 2;
    libsession::Session s(libsession::nothrow);
    if (!s || s.set_header("X-A", "1", libsession::nothrow) != SESSION_OK)
        return 1;
    libsession::Response r = s.get(std::string(base) + "/status/418", libsession::nothrow);
    if (r.error() != SESSION_OK)
        return 1;
    std::printf("status %ld, raise_for_status %d\n", r.status_code(),
                static_cast<int>(r.raise_for_status(libsession::nothrow)));
    return r.raise_for_status(libsession::nothrow) == SESSION_E_HTTP_STATUS ? 0 : 1;
}
