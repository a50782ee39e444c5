/* The tests' side of the Modbus TCP relay board simulator
 * (tests/hardware/modbus-sim.c, its path in $LOA_TEST_MODBUS_SIM): starts it
 * on 127.0.0.1, stops it, and reads back the coil writes it logged; also a
 * port where no board answers. A failure aborts the test (g_assert), as the
 * helpers of tests/common/test-util.h do. Main thread only. */
#pragma once

#include <gio/gio.h>

/* A simulator, running or stopped; zero-initialise it before the first start. */
typedef struct {
  GSubprocess *process;  /* the simulator, NULL while stopped */
  int port;              /* where it listens (kept after a stop) */
  char *log_path;        /* its write log (kept after a stop, so a restart appends to it) */
} ModbusSimClient;

/* Starts the simulator on port (0: a free one) and waits until it listens;
 * sets sim->port. extra, if not NULL, is one more option and extra_value its
 * value (NULL for a flag). The first start names a new log file in dir. */
void modbus_sim_client_start(ModbusSimClient *sim, const char *dir, int port,
                             const char *extra, const char *extra_value);
/* Kills the simulator and waits for it; nothing if it is not running. */
void modbus_sim_client_stop(ModbusSimClient *sim);
/* Stops the simulator and frees what sim holds; sim can be started again. */
void modbus_sim_client_clear(ModbusSimClient *sim);

/* The coil writes logged so far as "COIL VALUE\n" lines, oldest first ("" if
 * none); their times (monotonic us) are appended to times_us if not NULL.
 * Returns a new string (g_free). */
char *modbus_sim_client_writes(const ModbusSimClient *sim, GArray *times_us);

/* A port on 127.0.0.1 that nothing listens on: bound once, then closed. */
int modbus_sim_client_closed_port(void);
