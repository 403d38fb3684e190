// session.hpp's WebSocket, WsMessage and Request::on_events against
// tests/servers/stream_server.py (STREAM_URL: its http://127.0.0.1:port).
#include <session.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

static int failed = 0, passed = 0;
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) {                                                        \
            ++passed;                                                      \
        } else {                                                           \
            ++failed;                                                      \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (0)

int main()
{
    const char *base_env = std::getenv("STREAM_URL");
    if (!base_env)
        return 2;
    std::string base = base_env, ws_base = "ws" + base.substr(4);
    libsession::Session s;

    {
        libsession::WebSocket ws = s.ws_connect(ws_base + "/echo");
        CHECK(ws.fd() >= 0);
        std::thread sender([&] {
            for (int i = 0; i < 50; ++i)
                ws.send_text("m" + std::to_string(i));
        });
        std::vector<std::string> got;
        for (auto &m : ws) {
            if (m.is_close()) {
                CHECK(m.close_code() == 1000);
                break;
            }
            got.emplace_back(m.data());
            /* Close once every echo is in: the websockets server answers a close at once,
             * dropping echoes it has not sent yet. */
            if (got.size() == 50)
                ws.close(1000, "done");
        }
        sender.join();
        CHECK(got.size() == 50 && got.front() == "m0" && got.back() == "m49");
    }
    {
        libsession::Response handshake;
        libsession::WebSocket ws = s.ws_connect(ws_base + "/refuse", nullptr, &handshake, libsession::nothrow);
        CHECK(!ws);
        CHECK(handshake && handshake.status_code() == 403 && handshake.error() == SESSION_E_UPGRADE_REFUSED);
        try {
            s.ws_connect(ws_base + "/refuse");
            CHECK(false);
        } catch (const libsession::Error &e) {
            CHECK(e.code() == SESSION_E_UPGRADE_REFUSED);
        }
    }
    {
        libsession::WebSocket ws = s.ws_connect(ws_base + "/silent");
        try {
            ws.recv(std::chrono::milliseconds(100));
            CHECK(false);
        } catch (const libsession::Error &e) {
            CHECK(e.code() == SESSION_E_TIMEOUT);
        }
        CHECK(!ws.recv(std::chrono::milliseconds(0), libsession::nothrow));
    }
    {
        std::vector<std::string> data;
        auto on_event = [&](const session_event_t &ev) {
            data.emplace_back(ev.data, ev.data_len);
            return data.size() < 3;
        };
        libsession::Request req("GET", base + "/events/forever");
        req.on_events(on_event);
        libsession::Response r = s.send(req);
        CHECK(r.error() == SESSION_OK && r.status_code() == 200);
        CHECK(data.size() == 3 && data[0] == "tick 0" && data[2] == "tick 2");
    }
    std::printf("test_streams_hpp: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
