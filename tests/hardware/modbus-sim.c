/* A Modbus TCP relay board for the tests, built on libmodbus's server API:
 * 16 coils on 127.0.0.1, one client at a time (as a real board behaves).
 *
 *   loa-test-modbus-sim [--port N] [--log FILE] [--stuck COIL] [--mute]
 *
 * Prints the port it listens on (a free one unless --port) as the first line
 * of stdout. --log appends "MONOTONIC_US write COIL VALUE" for every coil
 * write (CLOCK_MONOTONIC, the clock of g_get_monotonic_time, so a test can
 * compare it with its own times). --stuck makes that coil acknowledge writes
 * but stay off, like a relay with a burnt coil. --mute accepts connections
 * and requests but never answers, like a board whose firmware hung. */
#include <inttypes.h>
#include <errno.h>
#include <glib.h>
#include <modbus.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define COILS 16

int
main(int argc, char **argv)
{
  int port = 0, stuck = -1;
  gboolean mute = FALSE;
  const char *log_path = NULL;
  for (int i = 1; i < argc; i++) {
    if (g_strcmp0(argv[i], "--port") == 0 && i + 1 < argc)
      port = (int)g_ascii_strtoll(argv[++i], NULL, 10);
    else if (g_strcmp0(argv[i], "--stuck") == 0 && i + 1 < argc)
      stuck = (int)g_ascii_strtoll(argv[++i], NULL, 10);
    else if (g_strcmp0(argv[i], "--log") == 0 && i + 1 < argc)
      log_path = argv[++i];
    else if (g_strcmp0(argv[i], "--mute") == 0)
      mute = TRUE;
    else {
      fprintf(stderr, "usage: %s [--port N] [--log FILE] [--stuck COIL] [--mute]\n", argv[0]);
      return 2;
    }
  }

  modbus_t *modbus = modbus_new_tcp("127.0.0.1", port);
  modbus_mapping_t *mapping = modbus_mapping_new(COILS, 0, 0, 0);
  if (modbus == NULL || mapping == NULL) {
    fprintf(stderr, "modbus-sim: %s\n", modbus_strerror(errno));
    return 1;
  }
  int listener = modbus_tcp_listen(modbus, 1);
  if (listener < 0) {
    fprintf(stderr, "modbus-sim: listen on port %d: %s\n", port, modbus_strerror(errno));
    return 1;
  }
  struct sockaddr_in address;
  socklen_t length = sizeof(address);
  getsockname(listener, (struct sockaddr *)&address, &length);
  printf("%d\n", ntohs(address.sin_port));
  fflush(stdout);

  FILE *log = log_path != NULL ? fopen(log_path, "a") : NULL;
  int header = modbus_get_header_length(modbus);
  uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
  for (;;) {
    int client = modbus_tcp_accept(modbus, &listener);
    if (client < 0)
      continue;
    for (;;) {
      int n = modbus_receive(modbus, query);
      if (n < 0)
        break; /* the client went away: wait for the next one */
      if (n == 0 || mute)
        continue;
      int function = query[header];
      int coil = (query[header + 1] << 8) | query[header + 2];
      if (function == MODBUS_FC_WRITE_SINGLE_COIL && log != NULL) {
        fprintf(log, "%" PRId64 " write %d %d\n", g_get_monotonic_time(), coil,
                query[header + 3] == 0xff ? 1 : 0);
        fflush(log);
      }
      modbus_reply(modbus, query, n, mapping);
      if (stuck >= 0 && stuck < COILS)
        mapping->tab_bits[stuck] = 0;
    }
    close(client);
  }
}
