/* The client side of the control socket (see control.h and
 * docs/control-protocol.md): one request, one response, with a deadline. The
 * `loa` operator commands (status, now, next, skip, play, stop, reload) use it. */
#pragma once

#include <json-glib/json-glib.h>

#define LOA_CONTROL_CLIENT_ERROR (loa_control_client_error_quark())
GQuark loa_control_client_error_quark(void);

/* Local failures. A refusal by the daemon comes back in LOA_CONTROL_ERROR
 * (control.h) instead, with the code the daemon sent. */
typedef enum {
  LOA_CONTROL_CLIENT_ERROR_CONNECT,   /* no daemon listens, or the socket may not be opened */
  LOA_CONTROL_CLIENT_ERROR_TIMEOUT,   /* no complete response before the deadline */
  LOA_CONTROL_CLIENT_ERROR_PROTOCOL,  /* the response is not what the protocol says */
} LoaControlClientError;

/* How long the commands wait for the daemon by default. */
#define LOA_CONTROL_CLIENT_TIMEOUT_MS 5000

/* Sends {"cmd": cmd, ...members of args} to the daemon at socket_path and
 * waits up to timeout_ms for its response. args may be NULL; it is borrowed.
 * Returns the response's "result" (new, never NULL: JSON null is a null node),
 * or NULL with error set: LOA_CONTROL_CLIENT_ERROR_* for local problems (the
 * message names the socket path), LOA_CONTROL_ERROR with the daemon's code
 * and message when the daemon answered {"ok": false}. */
JsonNode *loa_control_call(const char *socket_path, const char *cmd, JsonObject *args,
                           guint timeout_ms, GError **error) G_GNUC_WARN_UNUSED_RESULT;
