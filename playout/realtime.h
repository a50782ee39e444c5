/* Real-time scheduling for the threads that keep a line's output flowing.
 *
 * The threads that render a pipeline's output — the sink's (ALSA ring
 * buffer, or the basesink's streaming thread), the mixer's and the live
 * silence source's — run SCHED_FIFO at a modest priority when the system
 * allows it (root, CAP_SYS_NICE or RLIMIT_RTPRIO: packaging/loa.service sets
 * LimitRTPRIO), so ordinary CPU load (a backup, a report, another program)
 * cannot delay the first sample of a spot. Decoders stay at normal priority:
 * they work ahead of time and must never starve the system. */
#pragma once

#include <gst/gst.h>

/* Raises each output thread of pipeline to SCHED_FIFO priority (1..99) as it
 * starts; 0 leaves every thread as it is. A refusal is said once per
 * pipeline (label names it) and the threads go on at normal priority. Takes
 * the pipeline bus's sync handler. */
void loa_realtime_watch(GstElement *pipeline, int priority, const char *label);
