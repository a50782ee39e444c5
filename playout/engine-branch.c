/* One spot branch's life on a line's pipeline: built (filesrc ! decodebin !
 * convert ! volume ! resample ! caps ! split) and held at its first
 * buffer, released onto the timeline, trimmed to its cues, faded when cut,
 * measured at the mixer's input, and finished exactly once (see engine.h
 * for the threading contract, engine-private.h for the shared state). */
#define G_LOG_DOMAIN "loa-engine"

#include "engine-private.h"

#include "airlog.h"
#include "decoders.h"
#include "i18n.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>

/* Completion waits this long after the last sample's render time. */
#define RENDER_SLACK_MS 50
/* A spot that plays this much less than ingest measured did not complete. */
#define SHORT_SLACK (50 * GST_MSECOND)

/* --- main-context notifications from streaming threads ---------------- */

typedef enum { NOTE_ENDED, NOTE_FAILED, NOTE_STARTED } NoteKind;

typedef struct {
  LoaEngine *engine;
  guint serial;     /* branches are found by serial: they may be gone already */
  NoteKind kind;
  char *reason;
} Note;

static void branch_ended(Branch *branch);
static Branch *branch_ref(Branch *branch);
static void branch_unref(gpointer data);

static Branch *
find_branch(LoaEngine *engine, guint serial)
{
  for (GList *l = engine->branches; l != NULL; l = l->next)
    if (((Branch *)l->data)->serial == serial)
      return l->data;
  return NULL;
}

static gboolean
deliver_note(gpointer data)
{
  Note *note = data;
  Branch *branch = find_branch(note->engine, note->serial);
  if (branch != NULL && branch->state != BRANCH_FINISHED) {
    switch (note->kind) {
    case NOTE_ENDED:
      branch_ended(branch);
      break;
    case NOTE_FAILED:
      branch_fail(branch, note->reason);
      break;
    case NOTE_STARTED:
      if (note->engine->callbacks.started != NULL) {
        g_mutex_lock(&note->engine->lock);
        GstClockTime first = branch->first_rt;
        g_mutex_unlock(&note->engine->lock);
        note->engine->callbacks.started(branch->data,
                                        loa_engine_running_time_to_wall(note->engine, first),
                                        note->engine->user_data);
      }
      break;
    }
  }
  return G_SOURCE_REMOVE;
}

static void
note_free(gpointer data)
{
  Note *note = data;
  g_free(note->reason);
  g_free(note);
}

static void
post_note(Branch *branch, NoteKind kind, const char *reason)
{
  Note *note = g_new0(Note, 1);
  note->engine = branch->engine;
  note->serial = branch->serial;
  note->kind = kind;
  note->reason = g_strdup(reason);
  /* Always through the main context, never run here: a streaming thread must
   * not call back into the engine, even when no loop owns the context. */
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_HIGH);
  g_source_set_callback(source, deliver_note, note, note_free);
  g_source_attach(source, NULL);
  g_source_unref(source);
}

/* --- release: placing a held branch on the timeline -------------------- */

/* Engine lock held. Records that branch must start at target; the branch's
 * own streaming thread applies it (now if it is held, else when it gets there). */
void
branch_request_release(Branch *branch, GstClockTime target)
{
  branch->release_requested = TRUE;
  branch->target_rt = target;
  g_cond_broadcast(&branch->engine->cond);
}

static GstPadProbeReturn mixer_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data);

/* Engine lock held. Requests the branch's pad on the line's mixer and links
 * the branch to it, unless that was done already. Called as late as the
 * mixer allows: a mixer pad without data makes a live mixer wait for its
 * latency on every buffer, which for the spots waiting in a sequence was most
 * of a line's CPU. A successor is linked before its predecessor's EOS reaches
 * the mixer, so the mixer waits for the successor's first buffer instead of
 * mixing past the join without it. Returns FALSE when the branch is not to
 * play after all (cancelled, or the link failed, which is posted as its
 * failure). */
static gboolean
branch_link_mixer(Branch *branch)
{
  LoaEngine *engine = branch->engine;
  if (branch->cancelled)
    return FALSE;
  if (branch->mixer_pad != NULL)
    return TRUE;
  GstPad *pad = gst_element_request_pad_simple(engine->mixer, "sink_%u");
  if (pad == NULL || GST_PAD_LINK_FAILED(gst_pad_link(branch->ghost, pad))) {
    if (pad != NULL) {
      gst_element_release_request_pad(engine->mixer, pad);
      gst_object_unref(pad);
    }
    post_note(branch, NOTE_FAILED, _("cannot connect the spot to the line's mixer"));
    return FALSE;
  }
  branch->mixer_pad = pad;
  branch->mixer_probe_id =
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      mixer_probe, branch_ref(branch), branch_unref);
  return TRUE;
}

/* Buffer probe on the hold pad (BLOCK type, so the ghost pad re-sends its
 * sticky segment with the new offset before this buffer passes). Runs in the
 * branch's streaming thread and waits here until released or cancelled. */
static GstPadProbeReturn
hold_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Branch *branch = user_data;
  LoaEngine *engine = branch->engine;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);

  g_autoptr(GstEvent) segment_event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *segment = NULL;
  if (segment_event != NULL)
    gst_event_parse_segment(segment_event, &segment);
  GstClockTime local_rt = 0;
  if (segment != NULL && GST_BUFFER_PTS_IS_VALID(buffer))
    local_rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
  if (!GST_CLOCK_TIME_IS_VALID(local_rt))
    local_rt = 0;

  g_mutex_lock(&engine->lock);
  if (branch->state < BRANCH_READY)
    branch->state = BRANCH_READY;
  while (!branch->release_requested && !branch->cancelled)
    g_cond_wait(&engine->cond, &engine->lock);
  if (branch->cancelled) {
    g_mutex_unlock(&engine->lock);
    return GST_PAD_PROBE_DROP;
  }
  GstClockTime target = branch->target_rt;
  GstClockTime position = engine->mixer_position;
  /* A successor the mixer already waits for (linked when its predecessor
   * was released) is only moved if it is behind the mixer; a branch linked
   * only now, past what the mixer may be mixing already. */
  GstClockTime earliest = branch->mixer_pad != NULL ? position : position + RELEASE_AHEAD;
  if (GST_CLOCK_TIME_IS_VALID(position) && target < earliest) {
    if (branch->mixer_pad != NULL)
      earliest += RELEASE_MARGIN;
    if (!branch->asap)
      g_message(_("line '%s': %s was ready too close to its time; it starts %.1f ms late"),
                engine->line_id, branch->path, (double)(earliest - target) / GST_MSECOND);
    target = earliest;
    branch->target_rt = target;
  }
  g_debug("line '%s': %s released at %.3f ms (mixer at %.3f ms)", engine->line_id, branch->path,
          (double)target / 1e6, (double)position / 1e6);
  if (!branch_link_mixer(branch)) {
    /* Later buffers wait here until the branch is removed. */
    branch->release_requested = FALSE;
    g_mutex_unlock(&engine->lock);
    return GST_PAD_PROBE_DROP;
  }
  branch->state = BRANCH_RELEASED;
  branch->hold_probe_id = 0;
  g_mutex_unlock(&engine->lock);

  gst_pad_set_offset(branch->ghost, (gint64)target - (gint64)local_rt);
  return GST_PAD_PROBE_REMOVE;
}


/* Events at the hold pad: an EOS there before the branch was released means
 * no sample ever reached the hold (a released branch's EOS is seen at the
 * mixer). */
static GstPadProbeReturn
hold_event_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Branch *branch = user_data;
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  g_mutex_lock(&branch->engine->lock);
  gboolean unreleased = branch->state < BRANCH_RELEASED && !branch->cancelled;
  g_mutex_unlock(&branch->engine->lock);
  if (unreleased)
    post_note(branch, NOTE_FAILED, _("the file decoded to no audio"));
  return GST_PAD_PROBE_OK;
}

/* Applies the cut's fade to a buffer of S16 samples starting at running time
 * rt: gain falls linearly from 1 at fade_start to 0 at fade_end, and the
 * buffer is truncated at fade_end (*frames updated). Returns the buffer to
 * pass on (possibly a new one). */
static GstBuffer *
fade_buffer(LoaEngine *engine, GstBuffer *buffer, GstClockTime rt, GstClockTime fade_start,
            GstClockTime fade_end, guint64 *frames)
{
  buffer = gst_buffer_make_writable(buffer);
  guint64 keep = *frames;
  if (fade_end < rt + gst_util_uint64_scale_int(*frames, GST_SECOND, engine->rate))
    keep = gst_util_uint64_scale_int(fade_end - MIN(rt, fade_end), engine->rate, GST_SECOND);
  if (keep < *frames) {
    gst_buffer_resize(buffer, 0, (gssize)(keep * 2 * (guint64)engine->channels));
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale_int(keep, GST_SECOND, engine->rate);
    *frames = keep;
  }
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READWRITE))
    return buffer;
  gint16 *samples = (gint16 *)map.data;
  double length = (double)(fade_end - fade_start);
  for (guint64 f = 0; f < keep; f++) {
    GstClockTime t = rt + gst_util_uint64_scale_int(f, GST_SECOND, engine->rate);
    if (t < fade_start)
      continue;
    double gain = t >= fade_end ? 0.0 : 1.0 - (double)(t - fade_start) / length;
    for (int c = 0; c < engine->channels; c++) {
      gint16 *sample = &samples[f * (guint64)engine->channels + (guint64)c];
      *sample = (gint16)((double)*sample * gain);
    }
  }
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

/* Buffers and events entering the mixer from a branch: the measured facts of
 * the airing (first sample, frames, end) and the hand-over to the next spot. */
static GstPadProbeReturn
mixer_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Branch *branch = user_data;
  LoaEngine *engine = branch->engine;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    guint64 frames = gst_buffer_get_size(buffer) / (guint64)(2 * engine->channels);
    gboolean first = FALSE;
    g_mutex_lock(&engine->lock);
    if (branch->cancelled) {
      g_mutex_unlock(&engine->lock);
      return GST_PAD_PROBE_DROP;
    }
    GstClockTime rt = gst_segment_to_running_time(&branch->segment, GST_FORMAT_TIME,
                                                  GST_BUFFER_PTS(buffer));
    if (GST_CLOCK_TIME_IS_VALID(rt) && GST_CLOCK_TIME_IS_VALID(branch->fade_end_rt)) {
      if (rt >= branch->fade_end_rt) {
        /* Cut: nothing more of it; the decoder stops on EOS and its EOS ends it. */
        branch->faded = TRUE;
        g_mutex_unlock(&engine->lock);
        gst_buffer_unref(buffer);
        GST_PAD_PROBE_INFO_DATA(info) = NULL;
        GST_PAD_PROBE_INFO_FLOW_RETURN(info) = GST_FLOW_EOS;
        return GST_PAD_PROBE_HANDLED;
      }
      GstClockTime buffer_end = rt + gst_util_uint64_scale_int(frames, GST_SECOND, engine->rate);
      if (buffer_end > branch->fade_start_rt) {
        buffer = fade_buffer(engine, buffer, rt, branch->fade_start_rt, branch->fade_end_rt,
                             &frames);
        GST_PAD_PROBE_INFO_DATA(info) = buffer;
        branch->faded = TRUE;
      }
    }
    if (GST_CLOCK_TIME_IS_VALID(rt)) {
      if (!branch->have_first) {
        branch->have_first = TRUE;
        branch->first_rt = rt;
        first = TRUE;
      }
      branch->end_rt = rt + gst_util_uint64_scale_int(frames, GST_SECOND, engine->rate);
      branch->frames += frames;
    }
    g_mutex_unlock(&engine->lock);
    if (first)
      post_note(branch, NOTE_STARTED, NULL);
    return GST_PAD_PROBE_OK;
  }

  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
    const GstSegment *segment;
    gst_event_parse_segment(event, &segment);
    g_mutex_lock(&engine->lock);
    gst_segment_copy_into(segment, &branch->segment);
    g_mutex_unlock(&engine->lock);
  } else if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    gboolean played;
    g_mutex_lock(&engine->lock);
    played = branch->have_first && !branch->cancelled;
    g_debug("line '%s': EOS of %s at mixer: end %.3f ms, mixer at %.3f ms, now %.3f ms",
            engine->line_id, branch->path, (double)branch->end_rt / 1e6,
            (double)engine->mixer_position / 1e6,
            (double)loa_engine_now_running_time(engine) / 1e6);
    if (played) {
      branch->state = BRANCH_ENDED;
      if (branch->next != NULL) {
        /* A failure to link is the successor's failure; its slot is kept. */
        (void)branch_link_mixer(branch->next);
        branch_request_release(branch->next, branch->end_rt);
      }
    }
    g_mutex_unlock(&engine->lock);
    post_note(branch, played ? NOTE_ENDED : NOTE_FAILED,
              played ? NULL : _("the file decoded to no audio"));
  }
  return GST_PAD_PROBE_OK;
}

/* --- branches ---------------------------------------------------------- */

static void
on_pad_added(GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  Branch *branch = user_data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (caps == NULL)
    caps = gst_pad_query_caps(pad, NULL);
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  if (s == NULL || !g_str_has_prefix(gst_structure_get_name(s), "audio/"))
    return;
  g_autoptr(GstPad) sink = gst_element_get_static_pad(branch->convert, "sink");
  if (gst_pad_is_linked(sink))
    return; /* only the first audio stream airs */
  if (GST_PAD_LINK_FAILED(gst_pad_link(pad, sink))) {
    post_note(branch, NOTE_FAILED, _("cannot connect the decoded audio"));
    return;
  }
  g_mutex_lock(&branch->engine->lock);
  branch->audio_linked = TRUE;
  g_mutex_unlock(&branch->engine->lock);
}

/* Decoders skip damaged frames by default, shortening a spot silently; at
 * air time a decoding error must fail the spot (and be logged) instead. */
static void
on_deep_element_added(GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(element), "max-errors") != NULL)
    g_object_set(element, "max-errors", 0, NULL);
}

static void
on_no_more_pads(GstElement *decodebin, gpointer user_data)
{
  Branch *branch = user_data;
  g_mutex_lock(&branch->engine->lock);
  gboolean linked = branch->audio_linked;
  g_mutex_unlock(&branch->engine->lock);
  if (!linked)
    post_note(branch, NOTE_FAILED, _("the file has no audio stream"));
}

/* Branches are shared with the probes and signal handlers that streaming
 * threads run, so they are reference counted: each of those holds a
 * reference until it is removed. */
static Branch *
branch_ref(Branch *branch)
{
  return g_atomic_rc_box_acquire(branch);
}

static void
branch_clear(gpointer data)
{
  Branch *branch = data;
  g_clear_object(&branch->hold_pad);
  g_clear_object(&branch->ghost);
  g_clear_object(&branch->mixer_pad);
  g_clear_object(&branch->bin);
  g_free(branch->path);
  g_free(branch->cut_reason);
}

static void
branch_unref(gpointer data)
{
  g_atomic_rc_box_release_full(data, branch_clear);
}

static void
branch_unref_closure(gpointer data, GClosure *closure)
{
  branch_unref(data);
}

/* Stops a branch's bin off the main thread: a decoder stuck in a read must
 * not stop the line. The bin is no longer in the pipeline by then. */
static void
stop_orphan(GstElement *bin, gpointer user_data)
{
  gst_element_set_state(bin, GST_STATE_NULL);
}

/* Takes the branch out of the pipeline and drops the engine's reference.
 * Main thread. */
void
branch_remove(Branch *branch)
{
  LoaEngine *engine = branch->engine;

  if (branch->completion_source != 0) {
    g_source_remove(branch->completion_source);
    branch->completion_source = 0;
  }
  g_mutex_lock(&engine->lock);
  branch->cancelled = TRUE;
  if (branch->prev != NULL)
    branch->prev->next = branch->next;
  if (branch->next != NULL)
    branch->next->prev = branch->prev;
  branch->prev = branch->next = NULL;
  gulong hold_probe = branch->hold_probe_id;
  branch->hold_probe_id = 0;
  gulong hold_event_probe_id = branch->hold_event_probe_id;
  branch->hold_event_probe_id = 0;
  GstPad *mixer_pad = g_steal_pointer(&branch->mixer_pad);
  gulong mixer_probe_id = branch->mixer_probe_id;
  branch->mixer_probe_id = 0;
  g_cond_broadcast(&engine->cond);
  g_mutex_unlock(&engine->lock);

  if (hold_probe != 0)
    gst_pad_remove_probe(branch->hold_pad, hold_probe);
  /* The EOS watch holds a reference to the branch, which holds the pad:
   * left on the pad, it would keep both (and the ghost pad) forever. */
  if (hold_event_probe_id != 0)
    gst_pad_remove_probe(branch->hold_pad, hold_event_probe_id);
  /* Releasing the mixer pad also wakes a streaming thread waiting inside the
   * mixer, which would otherwise hold the stream lock that stopping needs. */
  if (mixer_pad != NULL) {
    gst_pad_remove_probe(mixer_pad, mixer_probe_id);
    gst_element_release_request_pad(engine->mixer, mixer_pad);
    gst_object_unref(mixer_pad);
  }
  gst_element_set_locked_state(branch->bin, TRUE);
  if (GST_OBJECT_PARENT(branch->bin) != NULL)
    gst_bin_remove(GST_BIN(GST_OBJECT_PARENT(branch->bin)), branch->bin);
  if (engine->stopped)
    gst_element_set_state(branch->bin, GST_STATE_NULL);
  else
    gst_element_call_async(branch->bin, stop_orphan, NULL, NULL);
  /* Dropping the bin lets its handlers and probes drop their references. */
  g_clear_object(&branch->bin);
  engine->branches = g_list_remove(engine->branches, branch);
  branch_unref(branch);
}

/* Frees a branch that was built but never attached to the pipeline. */
void
branch_discard(Branch *branch)
{
  if (branch->hold_probe_id != 0)
    gst_pad_remove_probe(branch->hold_pad, branch->hold_probe_id);
  branch->hold_probe_id = 0;
  if (branch->hold_event_probe_id != 0)
    gst_pad_remove_probe(branch->hold_pad, branch->hold_event_probe_id);
  branch->hold_event_probe_id = 0;
  g_clear_object(&branch->bin);
  branch_unref(branch);
}

void
branch_finish(Branch *branch, const char *status, const char *reason)
{
  LoaEngine *engine = branch->engine;
  LoaEngineOutcome outcome = { .status = status, .reason = reason };

  g_mutex_lock(&engine->lock);
  gboolean played = branch->have_first;
  GstClockTime first = branch->first_rt, end = branch->end_rt;
  guint64 frames = branch->frames;
  branch->state = BRANCH_FINISHED;
  g_mutex_unlock(&engine->lock);

  if (played && g_strcmp0(status, LOA_AIRING_COMPLETED) != 0) {
    /* Only what reached the sink counts: the mixer input runs ahead of it. */
    GstClockTime rendered = loa_engine_now_running_time(engine) - engine->latency;
    if (engine->stopped || rendered < end)
      end = MAX(first, MIN(end, rendered));
    frames = MIN(frames, gst_util_uint64_scale_int(end - first, engine->rate, GST_SECOND));
  }
  if (played && frames > 0) {
    outcome.started_at = loa_engine_running_time_to_wall(engine, first);
    outcome.ended_at = loa_engine_running_time_to_wall(engine, end);
    outcome.frames = (gint64)frames;
  }
  loa_engine_deliver_levels(engine);
  if (engine->callbacks.finished != NULL)
    engine->callbacks.finished(branch->data, &outcome, engine->user_data);
}

static gboolean
complete_branch(gpointer data)
{
  Branch *branch = data;
  branch->completion_source = 0;
  LoaEngine *engine = branch->engine;
  g_mutex_lock(&engine->lock);
  gboolean cut = branch->faded;
  guint64 frames = branch->frames;
  g_mutex_unlock(&engine->lock);
  /* Parsers resynchronise over damage and drop what they cannot read, so a
   * damaged file can end early without any error: one that played clearly
   * less than ingest measured did not complete. */
  guint64 expected = gst_util_uint64_scale_int(branch->duration, engine->rate, GST_SECOND);
  guint64 slack = gst_util_uint64_scale_int(SHORT_SLACK, engine->rate, GST_SECOND);
  if (cut) {
    branch_finish(branch, LOA_AIRING_INTERRUPTED, branch->cut_reason);
  } else if (branch->duration > 0 && frames + slack < expected) {
    g_autofree char *reason = g_strdup_printf(
      _("the file ended %.3f s early (it played %.3f of %.3f s): damaged or changed"),
      (double)(expected - frames) / engine->rate, (double)frames / engine->rate,
      (double)expected / engine->rate);
    g_message(_("line '%s': %s failed: %s"), engine->line_id, branch->path, reason);
    branch_finish(branch, LOA_AIRING_FAILED, reason);
  } else {
    branch_finish(branch, LOA_AIRING_COMPLETED, NULL);
  }
  branch_remove(branch);
  return G_SOURCE_REMOVE;
}

/* EOS reached the mixer: complete once the last sample has left the sink. */
static void
branch_ended(Branch *branch)
{
  LoaEngine *engine = branch->engine;
  g_mutex_lock(&engine->lock);
  GstClockTime end = branch->end_rt;
  g_mutex_unlock(&engine->lock);
  GstClockTimeDiff wait = (GstClockTimeDiff)(end + engine->latency) -
                          (GstClockTimeDiff)loa_engine_now_running_time(engine);
  guint ms = (guint)(MAX(wait, 0) / GST_MSECOND) + RENDER_SLACK_MS;
  branch->completion_source = g_timeout_add(ms, complete_branch, branch);
}

/* A branch failed (bad file, decoder error, no audio). Its successor takes
 * over its place in the sequence; main thread. */
void
branch_fail(Branch *branch, const char *reason)
{
  LoaEngine *engine = branch->engine;

  g_mutex_lock(&engine->lock);
  Branch *next = branch->next;
  if (next != NULL) {
    GstClockTime target = GST_CLOCK_TIME_NONE;
    if (branch->state >= BRANCH_RELEASED && branch->have_first)
      target = branch->end_rt;          /* it was on air: continue where it stopped */
    else if (branch->release_requested)
      target = branch->target_rt;       /* it was due: the next takes its slot */
    if (GST_CLOCK_TIME_IS_VALID(target))
      branch_request_release(next, target);
  }
  g_mutex_unlock(&engine->lock);

  g_message(_("line '%s': %s failed: %s"), engine->line_id, branch->path, reason);
  branch_finish(branch, LOA_AIRING_FAILED, reason);
  branch_remove(branch);
}

/* Keeps only the frames between the cues (counted at the engine rate, after
 * resampling, so the cut is sample exact). Past cue-out, upstream is told EOS
 * and sends the EOS that ends the spot. Runs in the branch's streaming thread. */
static GstPadProbeReturn
cue_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Branch *branch = user_data;
  LoaEngine *engine = branch->engine;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  guint64 frame_bytes = 2 * (guint64)engine->channels;
  guint64 n = gst_buffer_get_size(buffer) / frame_bytes;
  guint64 start = branch->frames_in, end = start + n;
  branch->frames_in = end;
  guint64 keep_from = MAX(start, branch->cue_in_frames);
  guint64 keep_to = branch->cue_out_frames > 0 ? MIN(end, branch->cue_out_frames) : end;

  if (branch->cue_out_frames > 0 && start >= branch->cue_out_frames) {
    gst_buffer_unref(buffer);
    GST_PAD_PROBE_INFO_DATA(info) = NULL;
    GST_PAD_PROBE_INFO_FLOW_RETURN(info) = GST_FLOW_EOS;
    return GST_PAD_PROBE_HANDLED;
  }
  if (keep_from >= keep_to)
    return GST_PAD_PROBE_DROP;
  if (keep_from == start && keep_to == end)
    return GST_PAD_PROBE_OK;
  GstBuffer *part = gst_buffer_copy_region(buffer, GST_BUFFER_COPY_ALL,
                                           (gsize)((keep_from - start) * frame_bytes),
                                           (gsize)((keep_to - keep_from) * frame_bytes));
  if (GST_BUFFER_PTS_IS_VALID(buffer))
    GST_BUFFER_PTS(part) = GST_BUFFER_PTS(buffer) +
                           gst_util_uint64_scale_int(keep_from - start, GST_SECOND, engine->rate);
  GST_BUFFER_DURATION(part) = gst_util_uint64_scale_int(keep_to - keep_from, GST_SECOND,
                                                        engine->rate);
  gst_buffer_unref(buffer);
  GST_PAD_PROBE_INFO_DATA(info) = part;
  return GST_PAD_PROBE_OK;
}

Branch *
branch_new(LoaEngine *engine, const LoaEngineItem *item, GError **error)
{
  Branch *branch = g_atomic_rc_box_new0(Branch);
  branch->engine = engine;
  branch->serial = ++engine->serial;
  branch->path = g_strdup(item->path);
  branch->data = item->data;
  gst_segment_init(&branch->segment, GST_FORMAT_TIME);
  branch->gain = pow(10.0, MIN(item->gain_db, LOA_ENGINE_MAX_GAIN_DB) / 20.0);
  branch->cue_in_frames =
    (guint64)gst_util_uint64_scale_int((guint64)MAX(item->cue_in_ns, 0), engine->rate, GST_SECOND);
  branch->cue_out_frames =
    (guint64)gst_util_uint64_scale_int((guint64)MAX(item->cue_out_ns, 0), engine->rate, GST_SECOND);
  branch->duration = (GstClockTime)MAX(item->duration_ns, 0);
  branch->fade_start_rt = branch->fade_end_rt = GST_CLOCK_TIME_NONE;

  g_autofree char *name = g_strdup_printf("spot-%u", branch->serial);
  branch->bin = gst_bin_new(name);
  gst_object_ref_sink(branch->bin);
  /* From gst-plugins-bad, not -base: said by name. */
  GstElement *split = engine_make_element("audiobuffersplit", NULL, engine->line_id, error);
  if (split == NULL) {
    branch_unref(branch);
    return NULL;
  }
  GstElement *src = gst_element_factory_make("filesrc", NULL);
  GstElement *decode = gst_element_factory_make("decodebin", NULL);
  branch->convert = gst_element_factory_make("audioconvert", NULL);
  GstElement *volume = gst_element_factory_make("volume", NULL);
  GstElement *resample = gst_element_factory_make("audioresample", NULL);
  GstElement *filter = gst_element_factory_make("capsfilter", NULL);
  if (src == NULL || decode == NULL || branch->convert == NULL || volume == NULL ||
      resample == NULL || filter == NULL) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("line '%s': GStreamer decoding elements are missing "
                  "(install gstreamer1.0-plugins-base)"),
                engine->line_id);
    gst_clear_object(&src);
    gst_clear_object(&decode);
    gst_clear_object(&branch->convert);
    gst_clear_object(&volume);
    gst_clear_object(&resample);
    gst_clear_object(&filter);
    gst_clear_object(&split);
    branch_unref(branch);
    return NULL;
  }
  g_object_set(src, "location", item->path, NULL);
  g_object_set(filter, "caps", engine->caps, NULL);
  g_object_set(volume, "volume", branch->gain, NULL);
  /* Decoders give buffers of 20-96 ms (Opus 20, Vorbis 21, WAV 40, FLAC 96
   * at 48 kHz); each one the mixer takes wakes this branch's thread to send
   * the next, which was most of what airing added to a line's CPU. Longer
   * buffers cost fewer (see BRANCH_BUFFER for the limit). */
  g_object_set(split, "output-buffer-duration", 1, (int)(GST_SECOND / BRANCH_BUFFER), NULL);
  gst_bin_add_many(GST_BIN(branch->bin), src, decode, branch->convert, volume, resample, filter,
                   split, NULL);
  if (!gst_element_link(src, decode) ||
      !gst_element_link_many(branch->convert, volume, resample, filter, split, NULL)) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP,
                _("line '%s': cannot link the decoding branch for %s"), engine->line_id,
                item->path);
    branch_unref(branch);
    return NULL;
  }
  g_signal_connect_data(decode, "pad-added", G_CALLBACK(on_pad_added), branch_ref(branch),
                        branch_unref_closure, 0);
  g_signal_connect_data(decode, "no-more-pads", G_CALLBACK(on_no_more_pads), branch_ref(branch),
                        branch_unref_closure, 0);
  g_signal_connect(decode, "deep-element-added", G_CALLBACK(on_deep_element_added), NULL);
  loa_decoders_watch(decode);

  if (branch->cue_in_frames > 0 || branch->cue_out_frames > 0) {
    g_autoptr(GstPad) filter_sink = gst_element_get_static_pad(filter, "sink");
    gst_pad_add_probe(filter_sink, GST_PAD_PROBE_TYPE_BUFFER, cue_probe, branch_ref(branch),
                      branch_unref);
  }
  branch->hold_pad = gst_element_get_static_pad(split, "src");
  branch->ghost = gst_ghost_pad_new("src", branch->hold_pad);
  gst_object_ref(branch->ghost);
  gst_element_add_pad(branch->bin, branch->ghost);
  branch->hold_probe_id =
    gst_pad_add_probe(branch->hold_pad, GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER,
                      hold_probe, branch_ref(branch), branch_unref);
  branch->hold_event_probe_id =
    gst_pad_add_probe(branch->hold_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, hold_event_probe,
                      branch_ref(branch), branch_unref);
  return branch;
}

/* Adds the branch to the running pipeline and starts it decoding. */
gboolean
branch_attach(Branch *branch, GError **error)
{
  LoaEngine *engine = branch->engine;

  /* filesrc would only say "cannot start" here; the plain reason helps more. */
  if (g_access(branch->path, R_OK) != 0) {
    int saved = errno;
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_SETUP, _("cannot read %s: %s"),
                branch->path, g_strerror(saved));
    gst_bin_add(engine->container, branch->bin);
    engine->branches = g_list_append(engine->branches, branch);
    return FALSE;
  }
  gst_bin_add(engine->container, branch->bin);
  engine->branches = g_list_append(engine->branches, branch);
  if (!gst_element_sync_state_with_parent(branch->bin)) {
    g_set_error(error, LOA_ENGINE_ERROR, LOA_ENGINE_ERROR_STATE,
                _("line '%s': cannot start decoding %s"), engine->line_id, branch->path);
    return FALSE;
  }
  return TRUE;
}
