/* A clock faster than real time for engines under test (and benches): a
 * GstTestClock that a driver thread moves on `speed` times faster than real
 * time, releasing every wait that is due, with a wall clock that follows it
 * (wall = clock + an offset that a test can step). While an attached engine
 * decodes a spot's first buffer the clock creeps at a tenth of real time, as
 * if decoders were ten times faster than the machine, so placement is exact
 * however slow it is (for at most 5 s of real time, so a decoder that never
 * delivers still meets the watchdog). All functions run on the main thread. */
#pragma once

#include "engine.h"

#include <gst/gst.h>

typedef struct FastClock FastClock;

/* speed <= 0: $LOA_TEST_CLOCK_SPEED, else 4 (the mixer's 100 ms of slack
 * for a following spot is then 25 ms of real time, ample on a loaded machine). */
FastClock *fast_clock_new(double speed);
/* Stops the driver; detach (or free) every engine first. */
void fast_clock_free(FastClock *fc);

/* Puts engine (not yet started) on the clock; its preparation holds it. */
void fast_clock_attach(FastClock *fc, LoaEngine *engine);
void fast_clock_detach(FastClock *fc, LoaEngine *engine);

/* Wall time now (UTC ns) on this clock. */
gint64 fast_clock_now_wall(FastClock *fc);
/* Steps the wall clock by step ns (an NTP step, an operator's change). */
void fast_clock_step_wall(FastClock *fc, gint64 step);
/* Stops the clock until what is queued next is prepared: call before
 * queueing (building a branch takes real time, during which the clock would
 * otherwise run on). */
void fast_clock_hold(FastClock *fc);
