/* Real-time scheduling for the threads that keep a line's output flowing.
 *
 * The threads that render a pipeline's output — the sink's (ALSA ring
 * buffer, or the basesink's streaming thread) and the mixer's — run SCHED_FIFO at a modest priority when the system
 * allows it (root, CAP_SYS_NICE or RLIMIT_RTPRIO: packaging/loa.service sets
 * LimitRTPRIO), so ordinary CPU load (a backup, a report, another program)
 * cannot delay the first sample of a spot. Decoders stay at normal priority:
 * they work ahead of time and must never starve the system. */
#pragma once

#include <gst/gst.h>

typedef struct LoaRealtime LoaRealtime;

/* Prepares to raise each output thread of pipeline to SCHED_FIFO priority
 * (1..99) as it starts, and raises the system clock's thread now. Returns
 * NULL for priority 0 (every thread stays as it is). The caller owns the
 * result and feeds it the pipeline's messages from the bus's sync handler
 * (one handler per bus, so the engine owns it). label names the pipeline
 * when a refusal is said. */
LoaRealtime *loa_realtime_new(GstElement *pipeline, int priority, const char *label);

/* Called in the posting thread for every message of the pipeline's bus: a
 * stream-status "enter" of an output element raises that thread. A refusal
 * is said once per pipeline and the threads go on at normal priority. */
void loa_realtime_on_message(LoaRealtime *rt, GstMessage *message);

/* NULL is allowed. */
void loa_realtime_free(LoaRealtime *rt);
