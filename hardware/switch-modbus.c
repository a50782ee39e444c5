/* Modbus relay boards (libmodbus, TCP or RTU): one coil per line. Each write
 * is followed by a read of the same coil, because cheap boards acknowledge
 * writes to relays that did not move. Connections are opened on first use,
 * closed after any error and reopened on the next switch, so a board that was
 * unplugged or rebooted is used again without a restart. The connect and
 * response timeouts are switching.timeout_ms, so a dead board fails fast. */
#include "switch.h"

#include "i18n.h"

#include <errno.h>
#include <modbus.h>
#include <string.h>

/* One board and its connection. */
typedef struct {
  const LoaModbusBoardConfig *config;  /* borrowed */
  modbus_t *modbus;                    /* NULL while not connected */
} Board;

typedef struct {
  int timeout_ms;
  GHashTable *boards;   /* board id -> Board * */
} ModbusState;

static void
board_disconnect(Board *board)
{
  if (board->modbus == NULL)
    return;
  modbus_close(board->modbus);
  modbus_free(board->modbus);
  board->modbus = NULL;
}

static void
board_free(gpointer data)
{
  Board *board = data;
  board_disconnect(board);
  g_free(board);
}

static gpointer
modbus_open(const LoaSwitchContext *context, GError **error)
{
  (void)error;
  ModbusState *state = g_new0(ModbusState, 1);
  state->timeout_ms = context->config->switch_timeout_ms;
  state->boards = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, board_free);
  for (guint i = 0; i < context->config->modbus_boards->len; i++) {
    const LoaModbusBoardConfig *config = g_ptr_array_index(context->config->modbus_boards, i);
    Board *board = g_new0(Board, 1);
    board->config = config;
    g_hash_table_insert(state->boards, config->id, board);
  }
  return state;
}

static void
modbus_close_state(gpointer data)
{
  ModbusState *state = data;
  if (state == NULL)
    return;
  g_hash_table_destroy(state->boards);
  g_free(state);
}

/* Connects board if needed. Returns TRUE, or FALSE with *reason set. */
static gboolean
board_connect(Board *board, int timeout_ms, char **reason)
{
  if (board->modbus != NULL)
    return TRUE;
  const char *address = board->config->address;
  const char *call = "modbus_new";
  modbus_t *modbus = NULL;
  if (g_str_has_prefix(address, "tcp:")) {
    const char *colon = strrchr(address + 4, ':');
    g_autofree char *host = g_strndup(address + 4, (gsize)(colon - (address + 4)));
    /* "[::1]:502" names an IPv6 host. */
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
      char *bare = g_strndup(host + 1, strlen(host) - 2);
      g_free(host);
      host = bare;
    }
    call = "modbus_new_tcp_pi";
    modbus = modbus_new_tcp_pi(host, colon + 1);
  } else {
    const char *parity = board->config->parity;
    char parity_letter = g_strcmp0(parity, "even") == 0 ? 'E' : g_strcmp0(parity, "odd") == 0 ? 'O' : 'N';
    call = "modbus_new_rtu";
    modbus = modbus_new_rtu(address + 4, board->config->baud, parity_letter,
                            board->config->data_bits, board->config->stop_bits);
  }
  if (modbus == NULL)
    goto fail;
  call = "modbus_set_slave";
  if (modbus_set_slave(modbus, board->config->unit) != 0)
    goto fail;
  call = "modbus_set_response_timeout";
  if (modbus_set_response_timeout(modbus, (uint32_t)(timeout_ms / 1000),
                                  (uint32_t)(timeout_ms % 1000) * 1000) != 0)
    goto fail;
  call = "modbus_connect";
  if (modbus_connect(modbus) != 0)
    goto fail;
  board->modbus = modbus;
  return TRUE;

fail:;
  int errsv = errno;
  *reason = g_strdup_printf(_("Modbus board '%s' (%s): %s: %s"), board->config->id, address, call,
                            modbus_strerror(errsv));
  if (modbus != NULL)
    modbus_free(modbus);
  return FALSE;
}

/* Writes then reads back the coil on a connected board. Returns the status;
 * *reason on failure. A failure of the connection itself sets *io_failed. */
static LoaSwitchStatus
board_write_coil(Board *board, int coil, gboolean on, char **reason, gboolean *io_failed)
{
  uint8_t read_back = 0;
  *io_failed = TRUE;
  if (modbus_write_bit(board->modbus, coil, on ? 1 : 0) != 1) {
    *reason = g_strdup_printf(_("Modbus board '%s': writing coil %d failed: %s"), board->config->id,
                              coil, modbus_strerror(errno));
    return LOA_SWITCH_STATUS_FAILED;
  }
  if (modbus_read_bits(board->modbus, coil, 1, &read_back) != 1) {
    *reason = g_strdup_printf(_("Modbus board '%s': reading back coil %d failed: %s"),
                              board->config->id, coil, modbus_strerror(errno));
    return LOA_SWITCH_STATUS_FAILED;
  }
  *io_failed = FALSE;
  if ((read_back != 0) != (on != FALSE)) {
    *reason = g_strdup_printf(_("Modbus board '%s': coil %d reads %s after it was switched %s"),
                              board->config->id, coil, read_back ? "on" : "off", on ? "on" : "off");
    return LOA_SWITCH_STATUS_MISMATCH;
  }
  return LOA_SWITCH_STATUS_OK;
}

static void
modbus_set(gpointer data, const LoaLineConfig *line, gboolean on, LoaSwitchResult *result)
{
  ModbusState *state = data;
  Board *board = g_hash_table_lookup(state->boards, line->line_switch.board);
  if (board == NULL) { /* the config loader checks this; a hand-made config may not */
    result->status = LOA_SWITCH_STATUS_FAILED;
    result->reason = g_strdup_printf(_("no Modbus board '%s'"), line->line_switch.board);
    return;
  }
  /* A kept connection may have died with the board (reboot, cable): then one
   * fresh connection gets a second chance before the switch counts as failed. */
  for (int attempt = 0; attempt < 2; attempt++) {
    gboolean was_connected = board->modbus != NULL;
    g_clear_pointer(&result->reason, g_free);
    if (!board_connect(board, state->timeout_ms, &result->reason)) {
      result->status = LOA_SWITCH_STATUS_FAILED;
      return;
    }
    gboolean io_failed = FALSE;
    result->status = board_write_coil(board, line->line_switch.coil, on, &result->reason, &io_failed);
    if (!io_failed)
      return;
    board_disconnect(board);
    if (!was_connected)
      return;
  }
}

const LoaSwitchDriver loa_switch_modbus_driver = {
  .name = "modbus",
  .open = modbus_open,
  .set = modbus_set,
  .close = modbus_close_state,
};
