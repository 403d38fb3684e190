// The C++ wrapper from an installed libsession (tests/install.rs). Usage: app_cpp BASE_URL
#include <session.hpp>

#include <cstdio>
#include <string>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    libsession::Session s;
    libsession::Response r = s.get(std::string(argv[1]) + "/status/204");
    std::printf("status %ld, %s\n", r.status_code(), std::string(libsession::version()).c_str());
    return r.status_code() == 204 ? 0 : 1;
}
