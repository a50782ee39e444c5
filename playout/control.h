/* The daemon's control socket: a UNIX stream socket on which operator commands
 * (`loa status`, `loa play` ...) arrive as one JSON object per line and get
 * one JSON object per line back (docs/control-protocol.md).
 *
 * The server knows nothing of the daemon: the daemon registers one handler per
 * command name. Everything runs on one GMainContext with non-blocking I/O, so
 * a slow, silent or vanished client costs a buffer and a timer, never a wait:
 * playout is never blocked by the socket. Each client's unread output is
 * capped, a half-written request times out, and peers that are neither root,
 * the daemon's own user nor members of group LOA_CONTROL_GROUP are refused
 * (SO_PEERCRED). */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#define LOA_CONTROL_ERROR (loa_control_error_quark())
GQuark loa_control_error_quark(void);

/* Error codes; each travels on the wire as the response's "code" string. */
typedef enum {
  LOA_CONTROL_ERROR_FAILED,          /* "failed": the command ran and failed */
  LOA_CONTROL_ERROR_BAD_REQUEST,     /* "bad-request": not JSON, not an object, bad argument */
  LOA_CONTROL_ERROR_UNKNOWN_COMMAND, /* "unknown-command": no handler for "cmd" */
  LOA_CONTROL_ERROR_NOT_FOUND,       /* "not-found": the line, spot or zone does not exist */
  LOA_CONTROL_ERROR_TOO_LONG,        /* "too-long": the request line exceeds the limit */
  LOA_CONTROL_ERROR_DENIED,          /* "denied": the peer may not use the socket */
  LOA_CONTROL_ERROR_BUSY,            /* "busy": too many clients at once */
  LOA_CONTROL_ERROR_SOCKET,          /* the socket could not be created (server side only) */
  LOA_CONTROL_ERROR_IN_USE,          /* another daemon listens on the path (server side only) */
} LoaControlError;

/* The group whose members may use the socket (besides root and the daemon's user). */
#define LOA_CONTROL_GROUP "loa"
/* Where the daemon listens when the config says nothing (config key control_socket). */
#define LOA_CONTROL_DEFAULT_PATH "/run/loa/control"

/* The wire name of an error code ("bad-request" ...); "failed" for unknown codes. */
const char *loa_control_error_code_name(int code);

/* Runs one command. request is the whole request object ("cmd" included),
 * borrowed. Returns the "result" node (the server takes ownership; NULL
 * without error means JSON null), or NULL with error set: its message goes to
 * the client, and its code becomes the response's "code" when its domain is
 * LOA_CONTROL_ERROR ("failed" otherwise). Called on the server's main context. */
typedef JsonNode *(*LoaControlHandler)(JsonObject *request, gpointer user_data, GError **error);

/* Resource limits of the server; loa_control_new sets the defaults given here. */
typedef struct {
  gsize max_request;       /* longest request line in bytes (64 KiB); longer: error, close */
  gsize max_output;        /* unread response bytes per client before it is dropped (1 MiB) */
  guint idle_timeout_ms;   /* a client without progress this long is dropped (10 s) */
  guint max_clients;       /* connections at once; more get a "busy" error (32) */
} LoaControlLimits;

typedef struct LoaControl LoaControl;

/* Creates the listening socket at socket_path. A stale socket file (nothing
 * listens on it) is removed first; a path where another process listens gives
 * LOA_CONTROL_ERROR_IN_USE, any other existing file LOA_CONTROL_ERROR_SOCKET,
 * both naming the path. The socket gets mode 0660 and group LOA_CONTROL_GROUP
 * when that group exists. Returns a new server (free with loa_control_free),
 * not yet serving, or NULL with the error set. */
LoaControl *loa_control_new(const char *socket_path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Registers handler for requests whose "cmd" is name (copied); a second
 * registration of the same name replaces the first. user_data is borrowed. */
void loa_control_add_command(LoaControl *control, const char *name, LoaControlHandler handler,
                             gpointer user_data);

/* Replaces the limits (tests use small ones). Applies to later connections. */
void loa_control_set_limits(LoaControl *control, const LoaControlLimits *limits);

/* Starts accepting clients on context (NULL: the global default context). */
void loa_control_start(LoaControl *control, GMainContext *context);

/* Stops accepting and closes every client connection. Idempotent. */
void loa_control_stop(LoaControl *control);

/* Connected clients right now (for tests and the status of the daemon). */
guint loa_control_n_clients(const LoaControl *control);

/* Stops the server, closes the socket and removes its file. Accepts NULL. */
void loa_control_free(LoaControl *control);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoaControl, loa_control_free)
