/* How lines are switched: a line's `switch` group (gpio, modbus, dtmf or
 * command), the Modbus relay boards (`switching.modbus`), and the checks
 * between them once both are read. The scalar `switching` settings are in
 * the station table (config.c). */
#include "config.h"
#include "config-private.h"

#include "i18n.h"

#include <string.h>

static char *
validate_switch_driver(const char *value)
{
  static const char *const drivers[] = { "gpio", "modbus", "dtmf", "command" };
  for (size_t i = 0; i < G_N_ELEMENTS(drivers); i++)
    if (g_strcmp0(value, drivers[i]) == 0)
      return NULL;
  return g_strdup_printf(_("switch driver '%s' is not gpio, modbus, dtmf or command"), value);
}

static char *
validate_dtmf_code(const char *value)
{
  if (value[0] == '\0')
    return g_strdup(_("a DTMF code must not be empty"));
  for (const char *c = value; *c != '\0'; c++)
    if (strchr("0123456789*#ABCD", *c) == NULL)
      return g_strdup_printf(_("DTMF code '%s' has '%c'; only 0-9, *, # and A-D are DTMF digits"),
                             value, *c);
  return NULL;
}

static const KeySpec switch_keys[] = {
  { "driver", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, driver), validate_switch_driver },
  { "board", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, board), NULL },
  { "coil", KEY_INT, FALSE, 0, 65535, NULL, -1, G_STRUCT_OFFSET(LoaSwitchConfig, coil), NULL },
  { "chip", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, chip), NULL },
  { "offset", KEY_INT, FALSE, 0, 65535, NULL, -1, G_STRUCT_OFFSET(LoaSwitchConfig, offset), NULL },
  { "active_low", KEY_BOOL, FALSE, 0, 0, NULL, FALSE, G_STRUCT_OFFSET(LoaSwitchConfig, active_low), NULL },
  { "on", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, on_code), validate_dtmf_code },
  { "off", KEY_STRING, FALSE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaSwitchConfig, off_code), validate_dtmf_code },
};

static char *
validate_modbus_address(const char *value)
{
  if (g_str_has_prefix(value, "rtu:") && value[4] != '\0')
    return NULL;
  if (g_str_has_prefix(value, "tcp:")) {
    const char *colon = strrchr(value + 4, ':');
    if (colon != NULL && colon != value + 4 && colon[1] != '\0' &&
        strspn(colon + 1, "0123456789") == strlen(colon + 1))
      return NULL;
  }
  return g_strdup_printf(_("Modbus address '%s' is not \"tcp:HOST:PORT\" or \"rtu:DEVICE\""), value);
}

static char *
validate_parity(const char *value)
{
  if (g_strcmp0(value, "none") == 0 || g_strcmp0(value, "even") == 0 || g_strcmp0(value, "odd") == 0)
    return NULL;
  return g_strdup_printf(_("parity '%s' is not \"none\", \"even\" or \"odd\""), value);
}

static const KeySpec modbus_board_keys[] = {
  { "id", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaModbusBoardConfig, id),
    loa_config_validate_id },
  { "address", KEY_STRING, TRUE, 0, 0, NULL, 0, G_STRUCT_OFFSET(LoaModbusBoardConfig, address),
    validate_modbus_address },
  { "unit", KEY_INT, FALSE, 0, 247, NULL, 1, G_STRUCT_OFFSET(LoaModbusBoardConfig, unit), NULL },
  { "baud", KEY_INT, FALSE, 300, 921600, NULL, 9600, G_STRUCT_OFFSET(LoaModbusBoardConfig, baud), NULL },
  { "parity", KEY_STRING, FALSE, 0, 0, "none", 0, G_STRUCT_OFFSET(LoaModbusBoardConfig, parity),
    validate_parity },
  { "data_bits", KEY_INT, FALSE, 5, 8, NULL, 8, G_STRUCT_OFFSET(LoaModbusBoardConfig, data_bits), NULL },
  { "stop_bits", KEY_INT, FALSE, 1, 2, NULL, 1, G_STRUCT_OFFSET(LoaModbusBoardConfig, stop_bits), NULL },
};

/* Names every key of the switch group that its driver does not use. */
static void
check_switch_keys(Loader *loader, config_setting_t *group, const char *driver,
                  const char *const *allowed)
{
  for (size_t i = 0; i < G_N_ELEMENTS(switch_keys); i++) {
    const char *key = switch_keys[i].path;
    if (g_strcmp0(key, "driver") == 0 || g_strv_contains(allowed, key))
      continue;
    config_setting_t *setting = config_setting_lookup(group, key);
    if (setting != NULL)
      add_error(loader, setting_line(setting), _("'%s' does not apply to switch driver '%s'"), key,
                driver);
  }
}

/* Reads a line's optional `switch` group into lc->line_switch. The board a
 * modbus switch names is checked once all boards are read (loa_config_check_switches). */
void
loa_config_read_switch(Loader *loader, config_setting_t *entry, LoaLineConfig *lc)
{
  LoaSwitchConfig *sw = &lc->line_switch;
  sw->coil = -1;
  sw->offset = -1;
  config_setting_t *group = config_setting_lookup(entry, "switch");
  if (group == NULL)
    return;
  mark_read(loader, group);
  int line = setting_line(group);
  sw->source_line = line;
  if (!config_setting_is_group(group)) {
    add_error(loader, line, _("line '%s': 'switch' must be a group { driver = ...; ... }"), lc->id);
    return;
  }
  guint errors_before = (guint)loader->errors->len;
  loa_config_read_keys(loader, group, switch_keys, G_N_ELEMENTS(switch_keys), sw, line);
  if ((guint)loader->errors->len != errors_before || sw->driver == NULL)
    return;

  if (g_strcmp0(sw->driver, "modbus") == 0) {
    static const char *const allowed[] = { "board", "coil", NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
    if (sw->board == NULL || sw->coil < 0)
      add_error(loader, line, _("line '%s': a modbus switch needs 'board' and 'coil'"), lc->id);
  } else if (g_strcmp0(sw->driver, "gpio") == 0) {
    static const char *const allowed[] = { "chip", "offset", "active_low", NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
    if (sw->chip == NULL || sw->offset < 0)
      add_error(loader, line, _("line '%s': a gpio switch needs 'chip' and 'offset'"), lc->id);
  } else if (g_strcmp0(sw->driver, "dtmf") == 0) {
    static const char *const allowed[] = { "on", "off", NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
    if (sw->on_code == NULL)
      add_error(loader, line, _("line '%s': a dtmf switch needs 'on' (the address code)"), lc->id);
  } else {
    static const char *const allowed[] = { NULL };
    check_switch_keys(loader, group, sw->driver, allowed);
  }
}

void
loa_config_modbus_board_free(gpointer data)
{
  LoaModbusBoardConfig *board = data;
  g_free(board->id);
  g_free(board->address);
  g_free(board->parity);
  g_free(board);
}

void
loa_config_read_modbus_boards(Loader *loader, config_t *cfg, LoaConfig *config)
{
  config_setting_t *boards = config_lookup(cfg, "switching.modbus");
  if (boards == NULL)
    return;
  mark_read(loader, boards);
  if (!config_setting_is_list(boards)) {
    add_error(loader, setting_line(boards),
              _("'switching.modbus' must be a list: ( { id = ...; address = ...; }, ... )"));
    return;
  }
  int n = config_setting_length(boards);
  for (int i = 0; i < n; i++) {
    config_setting_t *entry = config_setting_get_elem(boards, (unsigned)i);
    int line = setting_line(entry);
    if (!config_setting_is_group(entry)) {
      add_error(loader, line, _("switching.modbus entry %d must be a group { id = ...; ... }"), i + 1);
      continue;
    }
    g_hash_table_add(loader->read, entry);
    LoaModbusBoardConfig *board = g_new0(LoaModbusBoardConfig, 1);
    board->source_line = line;
    guint errors_before = (guint)loader->errors->len;
    loa_config_read_keys(loader, entry, modbus_board_keys, G_N_ELEMENTS(modbus_board_keys), board,
                         line);
    if ((guint)loader->errors->len != errors_before) {
      loa_config_modbus_board_free(board);
      continue;
    }
    if (loa_config_find_modbus_board(config, board->id) != NULL) {
      add_error(loader, line, _("Modbus board id '%s' is used twice"), board->id);
      loa_config_modbus_board_free(board);
      continue;
    }
    g_ptr_array_add(config->modbus_boards, board);
  }
}

/* Checks what a switch refers to: its board exists, no coil or GPIO line
 * switches two loudspeaker lines, the command driver has a command. */
void
loa_config_check_switches(Loader *loader, LoaConfig *config)
{
  g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < config->lines->len; i++) {
    const LoaLineConfig *lc = g_ptr_array_index(config->lines, i);
    const LoaSwitchConfig *sw = &lc->line_switch;
    g_autofree char *key = NULL;
    if (g_strcmp0(sw->driver, "modbus") == 0 && sw->board != NULL) {
      if (loa_config_find_modbus_board(config, sw->board) == NULL) {
        add_error(loader, sw->source_line,
                  _("line '%s': no Modbus board '%s' in switching.modbus"), lc->id, sw->board);
        continue;
      }
      key = g_strdup_printf(_("Modbus board '%s' coil %d"), sw->board, sw->coil);
    } else if (g_strcmp0(sw->driver, "gpio") == 0 && sw->chip != NULL) {
      key = g_strdup_printf(_("GPIO chip '%s' line %d"), sw->chip, sw->offset);
    } else if (g_strcmp0(sw->driver, "command") == 0 && config->switch_command == NULL) {
      add_error(loader, sw->source_line,
                _("line '%s': the command switch needs switching.command (the program to run)"),
                lc->id);
    }
    if (key == NULL)
      continue;
    const char *other = g_hash_table_lookup(used, key);
    if (other != NULL) {
      add_error(loader, sw->source_line, _("line '%s': %s already switches line '%s'"), lc->id, key,
                other);
      continue;
    }
    g_hash_table_insert(used, g_steal_pointer(&key), lc->id);
  }
}
