/* The tests' side of the Modbus relay board simulator (see modbus-sim-client.h). */
#include "modbus-sim-client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

void
modbus_sim_client_start(ModbusSimClient *sim, const char *dir, int port, const char *extra,
                        const char *extra_value)
{
  static int counter;
  const char *program = g_getenv("LOA_TEST_MODBUS_SIM");
  if (program == NULL)
    g_error("LOA_TEST_MODBUS_SIM must name the simulator (tests/hardware/modbus-sim.c)");
  if (sim->log_path == NULL)
    sim->log_path = g_strdup_printf("%s/modbus-%d.log", dir, ++counter);
  g_autofree char *port_text = g_strdup_printf("%d", port);
  const char *argv[] = { program, "--port", port_text, "--log", sim->log_path, extra,
                         extra_value, NULL };
  g_autoptr(GError) error = NULL;
  sim->process = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error(error);
  /* Its first line is the port, printed once it listens. */
  g_autoptr(GDataInputStream) out =
      g_data_input_stream_new(g_subprocess_get_stdout_pipe(sim->process));
  g_autofree char *line = g_data_input_stream_read_line(out, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(line);
  sim->port = (int)g_ascii_strtoll(line, NULL, 10);
  g_assert_cmpint(sim->port, >, 0);
}

void
modbus_sim_client_stop(ModbusSimClient *sim)
{
  if (sim->process == NULL)
    return;
  g_subprocess_force_exit(sim->process);
  g_subprocess_wait(sim->process, NULL, NULL);
  g_clear_object(&sim->process);
}

void
modbus_sim_client_clear(ModbusSimClient *sim)
{
  modbus_sim_client_stop(sim);
  g_clear_pointer(&sim->log_path, g_free);
}

char *
modbus_sim_client_writes(const ModbusSimClient *sim, GArray *times_us)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents(sim->log_path, &text, NULL, NULL))
    return g_strdup("");
  /* Log lines are "MONOTONIC_US write COIL VALUE". */
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GString *writes = g_string_new(NULL);
  for (char **line = lines; *line != NULL; line++) {
    g_auto(GStrv) fields = g_strsplit(*line, " ", -1);
    if (g_strv_length(fields) != 4)
      continue;
    g_string_append_printf(writes, "%s %s\n", fields[2], fields[3]);
    if (times_us != NULL) {
      gint64 t = g_ascii_strtoll(fields[0], NULL, 10);
      g_array_append_val(times_us, t);
    }
  }
  return g_string_free(writes, FALSE);
}

int
modbus_sim_client_closed_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t length = sizeof(address);
  g_assert_cmpint(bind(fd, (struct sockaddr *)&address, sizeof(address)), ==, 0);
  g_assert_cmpint(getsockname(fd, (struct sockaddr *)&address, &length), ==, 0);
  close(fd);
  return ntohs(address.sin_port);
}
