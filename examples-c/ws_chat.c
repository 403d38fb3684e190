/* A WebSocket echo chat: sends each line of stdin (or a few canned lines when stdin is a
 * terminal or empty) and prints what the server sends back; one thread would do for a
 * real chat's sending side, another for receiving (session_ws_recv is safe beside sends).
 *   ./ws_chat ws://127.0.0.1:PORT/echo  < lines.txt
 */
#include <session.h>
#include <stdio.h>
#include <string.h>

static int show(session_ws_t *ws)
{
    session_ws_message_t *m = session_ws_recv(ws, 5000);
    if (!m) {
        fprintf(stderr, "recv: %s\n", session_last_error());
        return 0;
    }
    if (m->type == SESSION_WS_TEXT)
        printf("< %s\n", m->data);
    else if (m->type == SESSION_WS_CLOSE)
        printf("< closed: %u %s\n", (unsigned)m->close_code, m->close_reason);
    else
        printf("< (%zu bytes of type %d)\n", m->len, (int)m->type);
    session_ws_message_free(m);
    return 1;
}

int main(int argc, char **argv)
{
    static const char *canned[] = {"hello", "how are you?", "bye"};
    const char *url = argc > 1 ? argv[1] : "ws://127.0.0.1:8765/echo";
    char line[4096];
    int sent = 0;
    size_t i;
    session_t *s = session_new();
    session_ws_t *ws = session_ws_connect(s, url, NULL);
    if (!ws) {
        fprintf(stderr, "connect %s: %s\n", url, session_last_error());
        session_free(s);
        return 1;
    }
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        printf("> %s\n", line);
        if (session_ws_send_text(ws, line, strlen(line)) != SESSION_OK || !show(ws))
            break;
        sent++;
    }
    for (i = 0; !sent && i < sizeof canned / sizeof *canned; i++) {
        printf("> %s\n", canned[i]);
        if (session_ws_send_text(ws, canned[i], strlen(canned[i])) != SESSION_OK || !show(ws))
            break;
    }
    session_ws_close(ws, 1000, "done");
    show(ws); /* the server's close */
    session_ws_free(ws);
    session_free(s);
    return 0;
}
