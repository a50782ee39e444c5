/* GPIO switches: one GPIO line per loudspeaker line, through libgpiod v1.6
 * (or a test double of the chip, see LoaGpioChipOps). A line is requested as
 * an output on first use and kept requested, so nothing else can drive the
 * relay meanwhile; after any error it is released and requested again on the
 * next switch. active_low is handled by the kernel (the request flag), so
 * "on" is always the active level; the value is read back after each write. */
#include "switch.h"

#include "i18n.h"

#include <errno.h>
#include <gpiod.h>

#define GPIO_CONSUMER "loa"

/* The libgpiod implementation of LoaGpioChipOps. */
typedef struct {
  struct gpiod_chip *chip;
  struct gpiod_line *line;
} LibgpiodHandle;

static void
libgpiod_release(gpointer data)
{
  LibgpiodHandle *handle = data;
  if (handle == NULL)
    return;
  if (handle->line != NULL)
    gpiod_line_release(handle->line);
  if (handle->chip != NULL)
    gpiod_chip_close(handle->chip);
  g_free(handle);
}

static gpointer
libgpiod_request(const char *chip, unsigned offset, gboolean active_low, const char *consumer,
                 const char **call)
{
  LibgpiodHandle *handle = g_new0(LibgpiodHandle, 1);
  *call = "gpiod_chip_open_lookup";
  handle->chip = gpiod_chip_open_lookup(chip);
  if (handle->chip == NULL)
    goto fail;
  *call = "gpiod_chip_get_line";
  struct gpiod_line *line = gpiod_chip_get_line(handle->chip, offset);
  if (line == NULL)
    goto fail;
  *call = "gpiod_line_request_output_flags";
  if (gpiod_line_request_output_flags(line, consumer,
                                      active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0, 0) != 0)
    goto fail;
  handle->line = line;
  return handle;

fail:;
  int errsv = errno;
  libgpiod_release(handle);
  errno = errsv;
  return NULL;
}

static int
libgpiod_set_value(gpointer data, int active)
{
  LibgpiodHandle *handle = data;
  return gpiod_line_set_value(handle->line, active);
}

static int
libgpiod_get_value(gpointer data)
{
  LibgpiodHandle *handle = data;
  return gpiod_line_get_value(handle->line);
}

const LoaGpioChipOps loa_gpio_chip_libgpiod = {
  .request = libgpiod_request,
  .set_value = libgpiod_set_value,
  .get_value = libgpiod_get_value,
  .release = libgpiod_release,
};

/* The driver. */
typedef struct {
  const LoaGpioChipOps *ops;
  GHashTable *handles;   /* line id -> handle of its requested GPIO line */
} GpioState;

typedef struct {
  const LoaGpioChipOps *ops;
  gpointer handle;
} Requested;

static void
requested_free(gpointer data)
{
  Requested *requested = data;
  requested->ops->release(requested->handle);
  g_free(requested);
}

static gpointer
gpio_open(const LoaSwitchContext *context, GError **error)
{
  (void)error;
  GpioState *state = g_new0(GpioState, 1);
  state->ops = context->gpio;
  state->handles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, requested_free);
  return state;
}

static void
gpio_close(gpointer data)
{
  GpioState *state = data;
  if (state == NULL)
    return;
  g_hash_table_destroy(state->handles);
  g_free(state);
}

static void
gpio_set(gpointer data, const LoaLineConfig *line, gboolean on, LoaSwitchResult *result)
{
  GpioState *state = data;
  const LoaSwitchConfig *sw = &line->line_switch;
  Requested *requested = g_hash_table_lookup(state->handles, line->id);
  const char *call = NULL;
  result->status = LOA_SWITCH_STATUS_FAILED;

  if (requested == NULL) {
    gpointer handle = state->ops->request(sw->chip, (unsigned)sw->offset, sw->active_low != 0,
                                          GPIO_CONSUMER, &call);
    if (handle == NULL)
      goto fail;
    requested = g_new0(Requested, 1);
    requested->ops = state->ops;
    requested->handle = handle;
    g_hash_table_insert(state->handles, g_strdup(line->id), requested);
  }
  call = "gpiod_line_set_value";
  if (state->ops->set_value(requested->handle, on ? 1 : 0) != 0)
    goto fail;
  call = "gpiod_line_get_value";
  int value = state->ops->get_value(requested->handle);
  if (value < 0)
    goto fail;
  if ((value != 0) != (on != FALSE)) {
    result->status = LOA_SWITCH_STATUS_MISMATCH;
    result->reason = g_strdup_printf(_("GPIO chip '%s' line %d reads %s after it was switched %s"),
                                     sw->chip, sw->offset, value ? "active" : "inactive",
                                     on ? "on" : "off");
    return;
  }
  result->status = LOA_SWITCH_STATUS_OK;
  return;

fail:;
  int errsv = errno;
  result->reason = g_strdup_printf(_("GPIO chip '%s' line %d: %s: %s"), sw->chip, sw->offset, call,
                                   g_strerror(errsv));
  g_hash_table_remove(state->handles, line->id);
}

const LoaSwitchDriver loa_switch_gpio_driver = {
  .name = "gpio",
  .open = gpio_open,
  .set = gpio_set,
  .close = gpio_close,
};
