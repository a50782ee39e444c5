/* The switch set: driver registry, per-line state with holds and post-roll,
 * and the fail-safe (see switch.h). */
#define G_LOG_DOMAIN "loa-switch"
#include "switch.h"

#include "i18n.h"

#include <string.h>

G_DEFINE_QUARK(loa-switch-error-quark, loa_switch_error)

static const LoaSwitchDriver *const drivers[] = {
  &loa_switch_modbus_driver,
  &loa_switch_gpio_driver,
  &loa_switch_dtmf_driver,
  &loa_switch_command_driver,
};

/* One line with a switch. */
typedef struct {
  const LoaLineConfig *line;      /* borrowed from the config */
  guint driver_index;             /* into drivers[] and LoaSwitchSet.states */
  guint holds;                    /* airings that need it on now */
  gboolean on;                    /* switched on (or waiting for its post-roll) */
  gint64 off_due_us;              /* when holds == 0 and on: switch off at this time */
} SwitchedLine;

struct LoaSwitchSet {
  GMutex mutex;                   /* serialises every driver call and the line states */
  LoaSwitchContext context;       /* what the drivers got */
  gpointer states[G_N_ELEMENTS(drivers)]; /* driver state, NULL for drivers no line uses */
  GHashTable *lines;              /* line id -> SwitchedLine *, lines with a switch only */
};

void
loa_switch_result_clear(LoaSwitchResult *result)
{
  g_clear_pointer(&result->reason, g_free);
  g_clear_pointer(&result->play_path, g_free);
  result->status = LOA_SWITCH_STATUS_NONE;
  result->play_frames = 0;
}

const char *
loa_switch_status_name(LoaSwitchStatus status)
{
  switch (status) {
  case LOA_SWITCH_STATUS_NONE:
    return "none";
  case LOA_SWITCH_STATUS_OK:
    return "ok";
  case LOA_SWITCH_STATUS_FAILED:
    return "failed";
  case LOA_SWITCH_STATUS_MISMATCH:
    return "readback-mismatch";
  }
  return "?";
}

char *
loa_switch_result_describe(const LoaSwitchResult *result)
{
  if (result->reason == NULL)
    return g_strdup(loa_switch_status_name(result->status));
  return g_strdup_printf("%s: %s", loa_switch_status_name(result->status), result->reason);
}

LoaSwitchSet *
loa_switch_set_new(const LoaConfig *config, GError **error)
{
  return loa_switch_set_new_with_gpio(config, &loa_gpio_chip_libgpiod, error);
}

LoaSwitchSet *
loa_switch_set_new_with_gpio(const LoaConfig *config, const LoaGpioChipOps *gpio, GError **error)
{
  g_autoptr(LoaSwitchSet) set = g_new0(LoaSwitchSet, 1);
  g_mutex_init(&set->mutex);
  set->context.config = config;
  set->context.gpio = gpio;
  set->lines = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

  for (guint i = 0; i < config->lines->len; i++) {
    const LoaLineConfig *line = g_ptr_array_index(config->lines, i);
    if (line->line_switch.driver == NULL)
      continue;
    guint d = 0;
    while (d < G_N_ELEMENTS(drivers) && g_strcmp0(drivers[d]->name, line->line_switch.driver) != 0)
      d++;
    if (d == G_N_ELEMENTS(drivers)) {
      g_set_error(error, LOA_SWITCH_ERROR, LOA_SWITCH_ERROR_SETUP,
                  _("line '%s': unknown switch driver '%s'"), line->id, line->line_switch.driver);
      return NULL;
    }
    if (set->states[d] == NULL) {
      set->states[d] = drivers[d]->open(&set->context, error);
      if (set->states[d] == NULL)
        return NULL;
    }
    SwitchedLine *switched = g_new0(SwitchedLine, 1);
    switched->line = line;
    switched->driver_index = d;
    g_hash_table_insert(set->lines, line->id, switched);
  }
  return g_steal_pointer(&set);
}

void
loa_switch_set_free(LoaSwitchSet *set)
{
  if (set == NULL)
    return;
  for (guint d = 0; d < G_N_ELEMENTS(drivers); d++)
    if (set->states[d] != NULL)
      drivers[d]->close(set->states[d]);
  if (set->lines != NULL)
    g_hash_table_destroy(set->lines);
  g_mutex_clear(&set->mutex);
  g_free(set);
}

/* Runs the driver with the mutex held. */
static void
switch_locked(LoaSwitchSet *set, SwitchedLine *switched, gboolean on, LoaSwitchResult *result)
{
  loa_switch_result_clear(result);
  result->status = LOA_SWITCH_STATUS_FAILED;
  drivers[switched->driver_index]->set(set->states[switched->driver_index], switched->line, on,
                                       result);
  /* A failed "off" leaves the line counted as on, so the fail-safe and the
   * next post-roll try again; a failed "on" is not on. */
  if (on)
    switched->on = result->status == LOA_SWITCH_STATUS_OK;
  else if (result->status == LOA_SWITCH_STATUS_OK)
    switched->on = FALSE;
  if (result->status == LOA_SWITCH_STATUS_OK)
    g_debug("line '%s': switched %s (%s)", switched->line->id, on ? "on" : "off",
            drivers[switched->driver_index]->name);
  else
    g_warning(_("line '%s': switching %s failed: %s"), switched->line->id, on ? "on" : "off",
              result->reason != NULL ? result->reason : loa_switch_status_name(result->status));
}

void
loa_switch_set_line(LoaSwitchSet *set, const char *line_id, gboolean on, LoaSwitchResult *result)
{
  g_mutex_lock(&set->mutex);
  SwitchedLine *switched = g_hash_table_lookup(set->lines, line_id);
  if (switched == NULL)
    loa_switch_result_clear(result);
  else
    switch_locked(set, switched, on, result);
  g_mutex_unlock(&set->mutex);
}

void
loa_switch_set_hold(LoaSwitchSet *set, const char *line_id, LoaSwitchResult *result)
{
  g_mutex_lock(&set->mutex);
  SwitchedLine *switched = g_hash_table_lookup(set->lines, line_id);
  loa_switch_result_clear(result);
  if (switched != NULL) {
    switched->holds++;
    if (switched->on)
      result->status = LOA_SWITCH_STATUS_OK;
    else
      switch_locked(set, switched, TRUE, result);
  }
  g_mutex_unlock(&set->mutex);
}

void
loa_switch_set_release(LoaSwitchSet *set, const char *line_id, gint64 now_us)
{
  g_mutex_lock(&set->mutex);
  SwitchedLine *switched = g_hash_table_lookup(set->lines, line_id);
  if (switched != NULL && switched->holds > 0) {
    switched->holds--;
    if (switched->holds == 0)
      switched->off_due_us = now_us + (gint64)set->context.config->switch_post_roll_ms * 1000;
  }
  g_mutex_unlock(&set->mutex);
}

guint
loa_switch_set_switch_due(LoaSwitchSet *set, gint64 now_us, gint64 *next_due_us,
                          LoaSwitchDoneFunc done, gpointer user_data)
{
  guint switched_off = 0;
  gint64 next = G_MAXINT64;
  g_mutex_lock(&set->mutex);
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, set->lines);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    SwitchedLine *switched = value;
    if (!switched->on || switched->holds > 0)
      continue;
    if (switched->off_due_us > now_us) {
      next = MIN(next, switched->off_due_us);
      continue;
    }
    g_auto(LoaSwitchResult) result = { 0 };
    switch_locked(set, switched, FALSE, &result);
    switched_off++;
    if (done != NULL)
      done(switched->line->id, &result, user_data);
  }
  g_mutex_unlock(&set->mutex);
  if (next_due_us != NULL)
    *next_due_us = next;
  return switched_off;
}

gboolean
loa_switch_set_all_off(LoaSwitchSet *set, GError **error)
{
  g_autoptr(GString) failures = g_string_new(NULL);
  g_mutex_lock(&set->mutex);
  /* Config order, so the message lists lines the way the operator wrote them. */
  const LoaConfig *config = set->context.config;
  for (guint i = 0; i < config->lines->len; i++) {
    const LoaLineConfig *line = g_ptr_array_index(config->lines, i);
    SwitchedLine *switched = g_hash_table_lookup(set->lines, line->id);
    if (switched == NULL || g_strcmp0(line->line_switch.driver, "dtmf") == 0)
      continue;
    switched->holds = 0;
    g_auto(LoaSwitchResult) result = { 0 };
    switch_locked(set, switched, FALSE, &result);
    if (result.status != LOA_SWITCH_STATUS_OK) {
      g_autofree char *text = loa_switch_result_describe(&result);
      g_string_append_printf(failures, "%s%s: %s", failures->len > 0 ? "; " : "", line->id, text);
    }
  }
  g_mutex_unlock(&set->mutex);
  if (failures->len > 0) {
    g_set_error(error, LOA_SWITCH_ERROR, LOA_SWITCH_ERROR_FAILED,
                _("some lines could not be switched off: %s"), failures->str);
    return FALSE;
  }
  return TRUE;
}
