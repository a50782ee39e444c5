/* Loudness, cues, review rules and the drop folder, on real files.
 *
 * Loudness is checked against signals whose loudness is known by
 * construction, after EBU Tech 3341 (integrated loudness, gating, true peak)
 * and Tech 3342 (loudness range): a 1 kHz stereo sine whose peak is at
 * -23 dBFS measures -23.0 LUFS. The cases run twice: fed to the measurement
 * directly as floats, and written as 16-bit WAV files and ingested, so the
 * decode path is covered too. Cues, approval, validity, air-time integrity and
 * the drop folder use generated WAV files, a real SQLite file and the real
 * library folder. */
#include "dropfolder.h"
#include "ingest.h"
#include "loudness.h"
#include "spot.h"
#include "spot-airable.h"
#include "tts.h"
#include "verifier.h"

#include "config.h"
#include "db.h"
#include "loa-time.h"

#include "../common/test-util.h"

#include <inttypes.h>
#include <gst/gst.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOUDNESS_TOLERANCE 0.1

/* One stretch of a test signal: a sine at peak level_dbfs (or silence when
 * level_dbfs <= -200) lasting seconds, on the channels whose bit is set. */
typedef struct {
  double level_dbfs;
  double seconds;
} Stretch;

typedef struct {
  const char *name;
  int rate;
  int channels;
  double frequency;
  const Stretch *stretches;  /* ended by seconds == 0 */
  guint channel_mask;        /* channels that carry the signal; 0 = all */
  double lufs;               /* expected integrated loudness */
  double lra;                /* expected loudness range, NAN = not checked */
  double lra_tolerance;
} Case;

#define SILENCE -999.0

static const Stretch stretch_23[] = { { -23, 20 }, { 0, 0 } };
static const Stretch stretch_33[] = { { -33, 20 }, { 0, 0 } };
static const Stretch stretch_gate_relative[] = { { -36, 10 }, { -23, 60 }, { -36, 10 }, { 0, 0 } };
static const Stretch stretch_gate_absolute[] = {
  { -72, 10 }, { -36, 10 }, { -23, 60 }, { -36, 10 }, { -72, 10 }, { 0, 0 }
};
static const Stretch stretch_steps[] = { { -26, 20 }, { -20, 20.1 }, { -26, 20 }, { 0, 0 } };
static const Stretch stretch_lra[] = { { -20, 20 }, { -30, 20 }, { 0, 0 } };
static const Stretch stretch_padded[] = { { SILENCE, 1.25 }, { -23, 3 }, { SILENCE, 2.5 }, { 0, 0 } };

static const Case cases[] = {
  /* EBU Tech 3341 cases 1-5 (48 kHz stereo). */
  { "3341-1", 48000, 2, 1000, stretch_23, 0, -23.0, NAN, 0 },
  { "3341-2", 48000, 2, 1000, stretch_33, 0, -33.0, NAN, 0 },
  { "3341-3", 48000, 2, 1000, stretch_gate_relative, 0, -23.0, NAN, 0 },
  { "3341-4", 48000, 2, 1000, stretch_gate_absolute, 0, -23.0, NAN, 0 },
  { "3341-5", 48000, 2, 1000, stretch_steps, 0, -23.0, NAN, 0 },
  /* EBU Tech 3342 case 1: LRA 10 +- 1 LU. */
  { "3342-1", 48000, 2, 1000, stretch_lra, 0, -22.6, 10.0, 1.0 },
  /* What culture offices send: a phone recording, a mono WAV (aired on
   * every speaker: dual mono), and 96 kHz 5.1 with the sine in front L/R
   * (the LFE and the centre silent). */
  { "phone-8k-mono", 8000, 1, 1000, stretch_23, 0, -23.0, NAN, 0 },
  { "mono-44k", 44100, 1, 1000, stretch_23, 0, -23.0, NAN, 0 },
  { "96k-5.1", 96000, 6, 1000, stretch_23, 0x3, -23.0, NAN, 0 },
};

/* The signal of c as interleaved floats; *frames gets its length. */
static float *
make_signal(const Case *c, gsize *frames)
{
  gsize total = 0;
  for (const Stretch *s = c->stretches; s->seconds > 0; s++)
    total += (gsize)llround(s->seconds * c->rate);
  float *samples = g_new0(float, total * (gsize)c->channels);
  gsize at = 0;
  for (const Stretch *s = c->stretches; s->seconds > 0; s++) {
    gsize n = (gsize)llround(s->seconds * c->rate);
    double amplitude = s->level_dbfs <= -200 ? 0.0 : pow(10.0, s->level_dbfs / 20.0);
    for (gsize i = 0; i < n; i++, at++) {
      float v = (float)(amplitude * sin(2.0 * G_PI * c->frequency * (double)at / c->rate));
      for (int ch = 0; ch < c->channels; ch++)
        if (c->channel_mask == 0 || (c->channel_mask & (1u << ch)))
          samples[at * (gsize)c->channels + (gsize)ch] = v;
    }
  }
  *frames = total;
  return samples;
}

/* Writes a 16-bit PCM WAV (WAVE_FORMAT_EXTENSIBLE for more than 2 channels,
 * with the standard 5.1 mask for 6). */
static void
write_wav(const char *path, const float *samples, gsize frames, int rate, int channels)
{
  gboolean extensible = channels > 2;
  guint32 data_bytes = (guint32)(frames * (gsize)channels * 2);
  g_autoptr(GByteArray) out = g_byte_array_new();
#define PUT32(v) do { guint32 le = GUINT32_TO_LE(v); g_byte_array_append(out, (guint8 *)&le, 4); } while (0)
#define PUT16(v) do { guint16 le = GUINT16_TO_LE(v); g_byte_array_append(out, (guint8 *)&le, 2); } while (0)
  g_byte_array_append(out, (const guint8 *)"RIFF", 4);
  PUT32(4 + (8 + (extensible ? 40 : 16)) + 8 + data_bytes);
  g_byte_array_append(out, (const guint8 *)"WAVEfmt ", 8);
  PUT32(extensible ? 40 : 16);
  PUT16(extensible ? 0xFFFE : 1);
  PUT16((guint16)channels);
  PUT32((guint32)rate);
  PUT32((guint32)(rate * channels * 2));
  PUT16((guint16)(channels * 2));
  PUT16(16);
  if (extensible) {
    static const guint8 pcm_guid[16] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
                                         0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
    PUT16(22);
    PUT16(16);
    PUT32(channels == 6 ? 0x3F : 0);
    g_byte_array_append(out, pcm_guid, 16);
  }
  g_byte_array_append(out, (const guint8 *)"data", 4);
  PUT32(data_bytes);
  for (gsize i = 0; i < frames * (gsize)channels; i++) {
    double v = samples[i] * 32767.0;
    gint16 s = (gint16)lrint(CLAMP(v, -32768.0, 32767.0));
    PUT16((guint16)s);
  }
#undef PUT32
#undef PUT16
  g_autoptr(GError) error = NULL;
  g_file_set_contents(path, (const char *)out->data, out->len, &error);
  g_assert_no_error(error);
}

static void
check_result(const Case *c, const LoaLoudnessResult *result)
{
  g_test_message("%s: %.2f LUFS, LRA %.2f LU, true peak %.2f dBTP", c->name,
                 result->integrated_lufs, result->range_lu, result->true_peak_dbtp);
  g_assert_cmpfloat_with_epsilon(result->integrated_lufs, c->lufs, LOUDNESS_TOLERANCE);
  if (!isnan(c->lra))
    g_assert_cmpfloat_with_epsilon(result->range_lu, c->lra, c->lra_tolerance);
}

static void
test_loudness_direct(gconstpointer data)
{
  const Case *c = data;
  gsize frames;
  g_autofree float *samples = make_signal(c, &frames);
  GstAudioInfo info;
  gst_audio_info_set_format(&info, GST_AUDIO_FORMAT_F32, c->rate, c->channels, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaLoudness) loudness = loa_loudness_new(&info, -50.0, &error);
  g_assert_no_error(error);
  /* In pieces of 4096 frames, as a decoder delivers them. */
  for (gsize at = 0; at < frames; at += 4096) {
    gsize n = MIN(4096, frames - at);
    g_assert_true(loa_loudness_add(loudness, (const guint8 *)(samples + at * (gsize)c->channels),
                                   n * (gsize)c->channels * sizeof(float), &error));
  }
  LoaLoudnessResult result;
  loa_loudness_get(loudness, &result);
  g_assert_cmpint(result.frames, ==, (gint64)frames);
  check_result(c, &result);
}

/* The same signal as a 16-bit WAV through the real decode. */
static void
test_loudness_decoded(gconstpointer data)
{
  const Case *c = data;
  gsize frames;
  g_autofree float *samples = make_signal(c, &frames);
  g_autofree char *dir = test_util_make_dir("loa-loudness-XXXXXX");
  g_autofree char *path = g_build_filename(dir, "case.wav", NULL);
  write_wav(path, samples, frames, c->rate, c->channels);
  g_autoptr(GError) error = NULL;
  LoaLoudnessResult result;
  g_assert_true(loa_ingest_measure(path, -50.0, &result, &error));
  g_assert_no_error(error);
  g_assert_cmpint(result.frames, ==, (gint64)frames);
  check_result(c, &result);
  test_util_remove_tree(dir);
}

/* EBU Tech 3341 case 15-style true peak: a sine at a quarter of the sample
 * rate, 45 degrees off the samples, peak 0.5 (-6.02 dBFS): every sample is
 * at 0.354 (-9.03 dBFS), the true peak between them is -6.02 dBTP. */
static void
test_true_peak(void)
{
  const int rate = 48000, channels = 2;
  gsize frames = (gsize)rate * 2;
  g_autofree float *samples = g_new(float, frames * channels);
  for (gsize i = 0; i < frames; i++)
    for (int ch = 0; ch < channels; ch++)
      samples[i * channels + (gsize)ch] = (float)(0.5 * sin(G_PI / 2 * (double)i + G_PI / 4));
  GstAudioInfo info;
  gst_audio_info_set_format(&info, GST_AUDIO_FORMAT_F32, rate, channels, NULL);
  g_autoptr(LoaLoudness) loudness = loa_loudness_new(&info, -50.0, NULL);
  g_assert_true(loa_loudness_add(loudness, (const guint8 *)samples, frames * channels * sizeof(float),
                                 NULL));
  LoaLoudnessResult result;
  loa_loudness_get(loudness, &result);
  g_test_message("true peak %.2f dBTP (sample peak -9.03 dBFS)", result.true_peak_dbtp);
  /* Tech 3341 allows +0.2 / -0.4 dB. */
  g_assert_cmpfloat(result.true_peak_dbtp, >, -6.02 - 0.4);
  g_assert_cmpfloat(result.true_peak_dbtp, <, -6.02 + 0.2);
}

/* Per-test state: a database file and a library folder. */
typedef struct {
  char *dir;
  char *library;
  sqlite3 *db;
  GTimeZone *tz;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  fixture->dir = test_util_make_dir("loa-library-test-XXXXXX");
  fixture->library = g_build_filename(fixture->dir, "library", NULL);
  g_autofree char *db_path = g_build_filename(fixture->dir, "loa.db", NULL);
  fixture->db = loa_db_open(db_path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
  fixture->tz = loa_time_zone_new("Asia/Ho_Chi_Minh", &error);
  g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  loa_db_close(fixture->db);
  test_util_remove_tree(fixture->dir);
  g_free(fixture->dir);
  g_free(fixture->library);
  g_time_zone_unref(fixture->tz);
}

/* Writes a WAV of stretches (a 1 kHz sine) at 44.1 kHz stereo into the
 * fixture's folder. Returns its path. */
static char *
fixture_wav(Fixture *fixture, const char *name, const Stretch *stretches)
{
  const Case c = { name, 44100, 2, 1000, stretches, 0, 0, NAN, 0 };
  gsize frames;
  g_autofree float *samples = make_signal(&c, &frames);
  char *path = g_build_filename(fixture->dir, name, NULL);
  write_wav(path, samples, frames, c.rate, c.channels);
  return path;
}

static LoaSpot *
ingest(Fixture *fixture, const char *path, const LoaIngestMeta *meta, gboolean approve)
{
  g_autoptr(GError) error = NULL;
  const LoaIngestOptions options = { .silence_db = -50.0, .approve = approve };
  gboolean existing = TRUE;
  LoaSpot *spot = loa_ingest_file(fixture->db, fixture->library, path, meta, &options, &existing,
                                  &error);
  g_assert_no_error(error);
  g_assert_false(existing);
  return spot;
}

static gint64
count_rows(sqlite3 *db, const char *table)
{
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM %s", table);
  sqlite3_stmt *stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  gint64 n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return n;
}

/* 1.25 s of silence, 3 s of tone, 2.5 s of silence: the cues are found, the
 * loudness is stored and read back. */
static void
test_cues(Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = fixture_wav(fixture, "padded.wav", stretch_padded);
  g_autoptr(LoaSpot) added = ingest(fixture, path, NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) spot = loa_spot_get(fixture->db, added->id, &error);
  g_assert_no_error(error);
  g_test_message("cue in %" PRId64 " ns, cue out %" PRId64 " ns",
                 spot->cue_in_ns, spot->cue_out_ns);
  /* The sine starts at zero: its first sample above -50 dBFS is a few
   * samples in, well within a millisecond. */
  g_assert_cmpint(spot->cue_in_ns, >=, 1250 * GST_MSECOND);
  g_assert_cmpint(spot->cue_in_ns, <, 1251 * GST_MSECOND);
  g_assert_cmpint(spot->cue_out_ns, >, 4249 * GST_MSECOND);
  g_assert_cmpint(spot->cue_out_ns, <=, 4250 * GST_MSECOND);
  g_assert_cmpint(spot->duration_ns, ==, 6750 * GST_MSECOND);
  /* The 400 ms blocks that straddle the edges hold some silence and pull the
   * integrated value down a little: that is BS.1770, not an error. */
  g_assert_cmpfloat_with_epsilon(spot->loudness_lufs, -23.3, 0.3);
  g_assert_cmpfloat_with_epsilon(spot->true_peak_dbtp, -23.0, 0.2);
  g_assert_false(isnan(spot->loudness_range_lu));
  g_assert_cmpstr(spot->status, ==, "submitted");
}

/* A file of nothing but silence is not a spot. */
static void
test_silent_refused(Fixture *fixture, gconstpointer data)
{
  static const Stretch silent[] = { { SILENCE, 2 }, { 0, 0 } };
  g_autofree char *path = fixture_wav(fixture, "silent.wav", silent);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) spot = loa_ingest_file(fixture->db, fixture->library, path, NULL, NULL, NULL,
                                            &error);
  g_assert_null(spot);
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_AUDIO);
  g_assert_nonnull(strstr(error->message, "silent"));
  g_assert_nonnull(strstr(error->message, path));
  g_assert_cmpint(count_rows(fixture->db, "spots"), ==, 0);
}

static void
test_air_gain(void)
{
  LoaSpot spot = { .loudness_lufs = -23.0, .true_peak_dbtp = -20.0 };
  g_assert_cmpfloat_with_epsilon(loa_spot_air_gain_db(&spot, -16.0, -1.0), 7.0, 1e-9);
  /* A loud peak limits the gain: -23 LUFS with peaks at -3 dBTP gets +2 dB only. */
  spot.true_peak_dbtp = -3.0;
  g_assert_cmpfloat_with_epsilon(loa_spot_air_gain_db(&spot, -16.0, -1.0), 2.0, 1e-9);
  /* Too loud: turned down, whatever the peak. */
  spot.loudness_lufs = -9.0;
  spot.true_peak_dbtp = 0.5;
  g_assert_cmpfloat_with_epsilon(loa_spot_air_gain_db(&spot, -16.0, -1.0), -7.0, 1e-9);
  spot.loudness_lufs = NAN;
  g_assert_cmpfloat(loa_spot_air_gain_db(&spot, -16.0, -1.0), ==, 0.0);
}

static gint64
utc_at(Fixture *fixture, const char *local)
{
  g_autoptr(GError) error = NULL;
  gint64 ns = 0;
  g_assert_true(loa_datetime_parse(fixture->tz, local, &ns, &error));
  g_assert_no_error(error);
  return ns;
}

/* Asserts that spot (re-read) may or may not air at local time, with reason. */
static void
assert_airable(Fixture *fixture, const char *id, const char *local, const char *reason_part)
{
  g_autoptr(LoaSpot) spot = loa_spot_get(fixture->db, id, NULL);
  g_assert_nonnull(spot);
  g_autofree char *reason = NULL;
  g_autofree char *air_path = NULL;
  gboolean ok = loa_spot_check_airable(fixture->db, spot, fixture->library, fixture->tz,
                                       utc_at(fixture, local), &air_path, &reason);
  g_test_message("%s at %s: %s", id, local, ok ? "airable" : reason);
  if (reason_part == NULL) {
    g_assert_true(ok);
    g_assert_null(reason);
    g_assert_nonnull(air_path);
  } else {
    g_assert_false(ok);
    g_assert_null(air_path);
    g_assert_nonnull(strstr(reason, reason_part));
  }
}

static const Stretch stretch_short[] = { { -20, 1 }, { 0, 0 } };

/* submitted -> approved -> retired, with validity dates and the trail. */
static void
test_review(Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = fixture_wav(fixture, "review.wav", stretch_short);
  const LoaIngestMeta meta = { .id = "TB-01", .title = "Thông báo tiêm chủng",
                               .valid_from = "2025-08-01", .valid_until = "2025-08-31",
                               .supplier = "Trạm Y tế", .added_by = "lan" };
  g_autoptr(LoaSpot) spot = ingest(fixture, path, &meta, FALSE);
  g_autoptr(GError) error = NULL;

  assert_airable(fixture, "TB-01", "2025-08-10 08:00:00", "not approved (submitted)");
  g_assert_false(loa_spot_approve(fixture->db, fixture->library, "TB-01", "", &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_true(loa_spot_approve(fixture->db, fixture->library, "TB-01", "Ông Tư", &error));
  g_assert_no_error(error);
  g_assert_false(loa_spot_approve(fixture->db, fixture->library, "TB-01", "Ông Tư", &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE);
  g_clear_error(&error);

  g_autoptr(LoaSpot) approved = loa_spot_get(fixture->db, "TB-01", &error);
  g_assert_cmpstr(approved->status, ==, "approved");
  g_assert_cmpstr(approved->approved_by, ==, "Ông Tư");
  g_assert_cmpint(approved->approved_at, >, 0);

  /* Validity: the dates are station days, inclusive. */
  assert_airable(fixture, "TB-01", "2025-08-01 00:00:00", NULL);
  assert_airable(fixture, "TB-01", "2025-08-31 23:59:59", NULL);
  assert_airable(fixture, "TB-01", "2025-07-31 23:59:59", "not valid before 2025-08-01");
  assert_airable(fixture, "TB-01", "2025-09-01 00:00:00", "expired on 2025-08-31");

  /* Editing changes metadata, never the file. */
  const LoaSpotEdit edit = { .title = "Thông báo tiêm chủng đợt 2", .valid_until = "",
                             .tags = " y tế, tiêm chủng ,," };
  g_assert_true(loa_spot_edit(fixture->db, "TB-01", &edit, "lan", &error));
  g_assert_no_error(error);
  g_autoptr(LoaSpot) edited = loa_spot_get(fixture->db, "TB-01", &error);
  g_assert_cmpstr(edited->title, ==, "Thông báo tiêm chủng đợt 2");
  g_assert_null(edited->valid_until);
  g_assert_cmpstr(edited->tags, ==, "y tế,tiêm chủng");
  g_assert_cmpstr(edited->sha256, ==, spot->sha256);
  assert_airable(fixture, "TB-01", "2026-01-01 08:00:00", NULL);
  const LoaSpotEdit bad = { .title = "ok", .valid_from = "2025-13-01" };
  g_assert_false(loa_spot_edit(fixture->db, "TB-01", &bad, "lan", &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID);
  g_clear_error(&error);
  const LoaSpotEdit backwards = { .valid_from = "2026-02-01", .valid_until = "2026-01-01" };
  g_assert_false(loa_spot_edit(fixture->db, "TB-01", &backwards, "lan", &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_INVALID);
  g_clear_error(&error);
  g_autoptr(LoaSpot) unchanged = loa_spot_get(fixture->db, "TB-01", &error);
  g_assert_cmpstr(unchanged->title, ==, "Thông báo tiêm chủng đợt 2");
  /* The database itself refuses a new file under an old spot. */
  g_assert_cmpint(sqlite3_exec(fixture->db, "UPDATE spots SET sha256 = printf('%064d', 0)",
                               NULL, NULL, NULL) & 0xff, ==, SQLITE_CONSTRAINT);

  g_assert_true(loa_spot_retire(fixture->db, "TB-01", "Ông Tư", &error));
  g_assert_no_error(error);
  assert_airable(fixture, "TB-01", "2025-08-10 08:00:00", "retired");
  g_assert_false(loa_spot_retire(fixture->db, "TB-01", "Ông Tư", &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE);
  g_clear_error(&error);
  g_assert_false(loa_spot_approve(fixture->db, fixture->library, "NOPE", "x", &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_FOUND);
  g_clear_error(&error);

  /* The trail: who did what to which file. */
  g_autoptr(GPtrArray) history = loa_spot_history(fixture->db, "TB-01", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(history->len, ==, 4);
  const char *const actions[] = { "added", "approved", "edited", "retired" };
  const char *const actors[] = { "lan", "Ông Tư", "lan", "Ông Tư" };
  for (guint i = 0; i < history->len; i++) {
    const LoaSpotEvent *event = g_ptr_array_index(history, i);
    g_assert_cmpstr(event->action, ==, actions[i]);
    g_assert_cmpstr(event->actor, ==, actors[i]);
    g_assert_cmpstr(event->sha256, ==, spot->sha256);
  }
  g_assert_cmpint(sqlite3_exec(fixture->db, "DELETE FROM spot_events", NULL, NULL, NULL) & 0xff,
                  ==, SQLITE_CONSTRAINT);
}

/* require_approval = false: approved at ingest by whoever added it. */
static void
test_auto_approval(Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = fixture_wav(fixture, "auto.wav", stretch_short);
  const LoaIngestMeta meta = { .id = "AUTO", .added_by = "operator" };
  g_autoptr(LoaSpot) spot = ingest(fixture, path, &meta, TRUE);
  g_assert_cmpstr(spot->status, ==, "approved");
  assert_airable(fixture, "AUTO", "2025-08-10 08:00:00", NULL);
  g_autoptr(GPtrArray) history = loa_spot_history(fixture->db, "AUTO", NULL);
  g_assert_cmpuint(history->len, ==, 2);
}

/* The library file is checked at air time: cheaply when untouched, by hash
 * when touched, and refused when changed. */
static void
test_integrity(Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = fixture_wav(fixture, "integrity.wav", stretch_short);
  const LoaIngestMeta meta = { .id = "INT" };
  g_autoptr(LoaSpot) spot = ingest(fixture, path, &meta, TRUE);
  g_autofree char *library_file = loa_spot_path(spot, fixture->library);
  const char *when = "2025-08-10 08:00:00";
  assert_airable(fixture, "INT", when, NULL);

  /* Touched, same bytes: still airable, and the new mtime is remembered. */
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 1700000000, 0 } };
  g_assert_cmpint(utimensat(AT_FDCWD, library_file, times, 0), ==, 0);
  assert_airable(fixture, "INT", when, NULL);
  g_autoptr(LoaSpot) touched = loa_spot_get(fixture->db, "INT", NULL);
  g_assert_cmpint(touched->file_mtime_ns, ==, G_GINT64_CONSTANT(1700000000) * 1000000000);

  /* One byte changed, same size and mtime restored: not seen by the cheap
   * check (by design), but a changed mtime is hashed and refused. */
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true(g_file_get_contents(library_file, &contents, &length, NULL));
  contents[length - 1] ^= 0x01;
  g_assert_true(g_file_set_contents(library_file, contents, (gssize)length, NULL));
  assert_airable(fixture, "INT", when, "file changed since approval");
  /* Shorter: refused without hashing. */
  g_assert_true(g_file_set_contents(library_file, contents, (gssize)length - 2, NULL));
  assert_airable(fixture, "INT", when, "file changed since approval");
  /* Approval checks the hash too. */
  g_assert_true(loa_spot_retire(fixture->db, "INT", "x", NULL));
  g_autoptr(GError) error = NULL;
  g_assert_false(loa_spot_approve(fixture->db, fixture->library, "INT", "x", &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_STATE);
  g_test_message("%s", error->message);
  g_unlink(library_file);
  g_assert_true(sqlite3_exec(fixture->db, "UPDATE spots SET status = 'approved' WHERE id = 'INT'",
                             NULL, NULL, NULL) == SQLITE_OK);
  assert_airable(fixture, "INT", when, "file missing");
}

typedef struct {
  guint calls;
  char *path;
  char *reason;
} Reports;

static void
collect_report(const LoaSpot *spot, const char *path, gboolean is_air_copy, const char *reason,
               gpointer user_data)
{
  Reports *reports = user_data;
  reports->calls++;
  g_assert_false(is_air_copy);
  g_free(reports->path);
  g_free(reports->reason);
  reports->path = g_strdup(path);
  reports->reason = g_strdup(reason);
}

/* One verification pass at local time: asserts its counts. */
static void
assert_verified(Fixture *fixture, const char *local, guint files, guint hashed, guint bad,
                Reports *reports)
{
  LoaSpotVerifyCounts counts = { 99, 99, 99 };
  g_autoptr(GError) error = NULL;
  g_assert_true(loa_spot_verify_files(fixture->db, fixture->library, fixture->tz,
                                      utc_at(fixture, local), collect_report, reports, &counts,
                                      &error));
  g_assert_no_error(error);
  g_assert_cmpuint(counts.files, ==, files);
  g_assert_cmpuint(counts.hashed, ==, hashed);
  g_assert_cmpuint(counts.bad, ==, bad);
}

/* The background check hashes touched files ahead of their airing and
 * finds broken ones; spots that cannot air any more are not checked. */
static void
test_verify(Fixture *fixture, gconstpointer data)
{
  static const Stretch other[] = { { -22, 1 }, { 0, 0 } };
  static const Stretch third[] = { { -24, 1 }, { 0, 0 } };
  g_autofree char *path = fixture_wav(fixture, "verify.wav", stretch_short);
  g_autofree char *expired_path = fixture_wav(fixture, "expired.wav", other);
  g_autofree char *retired_path = fixture_wav(fixture, "retired.wav", third);
  const LoaIngestMeta meta = { .id = "VER" };
  const LoaIngestMeta expired_meta = { .id = "OLD", .valid_until = "2025-07-31" };
  const LoaIngestMeta retired_meta = { .id = "RET" };
  g_autoptr(LoaSpot) spot = ingest(fixture, path, &meta, TRUE);
  g_autoptr(LoaSpot) expired = ingest(fixture, expired_path, &expired_meta, TRUE);
  g_autoptr(LoaSpot) retired = ingest(fixture, retired_path, &retired_meta, TRUE);
  g_assert_true(loa_spot_retire(fixture->db, "RET", "x", NULL));
  g_autofree char *library_file = loa_spot_path(spot, fixture->library);
  g_autofree char *expired_file = loa_spot_path(expired, fixture->library);
  g_autofree char *retired_file = loa_spot_path(retired, fixture->library);
  /* Neither of these can air, so their missing files are no one's problem. */
  g_assert_cmpint(g_unlink(expired_file), ==, 0);
  g_assert_cmpint(g_unlink(retired_file), ==, 0);
  const char *when = "2025-08-10 08:00:00";
  Reports reports = { 0 };

  assert_verified(fixture, when, 1, 0, 0, &reports);
  /* OLD was still valid on its last day: its missing file is found. */
  assert_verified(fixture, "2025-07-31 23:00:00", 2, 0, 1, &reports);
  g_assert_cmpstr(reports.path, ==, expired_file);
  g_assert_nonnull(strstr(reports.reason, "file missing"));

  /* Touched, same bytes: hashed once, then its new mtime is known. */
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 1700000000, 0 } };
  g_assert_cmpint(utimensat(AT_FDCWD, library_file, times, 0), ==, 0);
  assert_verified(fixture, when, 1, 1, 0, &reports);
  g_autoptr(LoaSpot) touched = loa_spot_get(fixture->db, "VER", NULL);
  g_assert_cmpint(touched->file_mtime_ns, ==, G_GINT64_CONSTANT(1700000000) * 1000000000);
  assert_verified(fixture, when, 1, 0, 0, &reports);

  /* Changed, same size: found, and the spot still cannot air. */
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true(g_file_get_contents(library_file, &contents, &length, NULL));
  contents[length - 1] ^= 0x01;
  g_assert_true(g_file_set_contents(library_file, contents, (gssize)length, NULL));
  reports.calls = 0;
  assert_verified(fixture, when, 1, 1, 1, &reports);
  g_assert_cmpuint(reports.calls, ==, 1);
  g_assert_cmpstr(reports.path, ==, library_file);
  g_assert_cmpstr(reports.reason, ==, "file changed since approval");
  assert_airable(fixture, "VER", when, "file changed since approval");

  /* The same check on the verifier's own thread and connection, started the
   * way the daemon starts it: the touched file's mtime is recorded, and the
   * broken one is said in one warning. */
  contents[length - 1] ^= 0x01;
  g_assert_true(g_file_set_contents(library_file, contents, (gssize)length, NULL));
  times[1].tv_sec = 1700000100;
  g_assert_cmpint(utimensat(AT_FDCWD, library_file, times, 0), ==, 0);
  g_autoptr(GMainContext) context = g_main_context_new();
  g_autoptr(LoaVerifier) verifier = loa_verifier_new(fixture->db, fixture->library, fixture->tz);
  loa_verifier_start(verifier, context, 1);
  gint64 deadline = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
  while (loa_verifier_passes(verifier) < 1 && g_get_monotonic_time() < deadline)
    g_usleep(10000);
  loa_verifier_stop(verifier);
  g_assert_cmpuint(loa_verifier_passes(verifier), >=, 1);
  g_autoptr(LoaSpot) mended = loa_spot_get(fixture->db, "VER", NULL);
  g_assert_cmpint(mended->file_mtime_ns, ==, G_GINT64_CONSTANT(1700000100) * 1000000000);

  g_unlink(library_file);
  g_test_expect_message("loa-library", G_LOG_LEVEL_WARNING, "spot VER will not air: file missing*");
  loa_verifier_start(verifier, context, 1);
  guint before = loa_verifier_passes(verifier);
  deadline = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
  /* Two more passes: the second must not say it again. */
  while (loa_verifier_passes(verifier) < before + 2 && g_get_monotonic_time() < deadline)
    g_main_context_iteration(context, FALSE), g_usleep(10000);
  loa_verifier_stop(verifier);
  g_assert_cmpuint(loa_verifier_passes(verifier), >=, before + 2);
  g_test_assert_expected_messages();
  g_free(reports.path);
  g_free(reports.reason);
}

/* The drop folder, end to end: good files with a sidecar and from a
 * manifest, bad ones of every kind. */
static void
test_drop_folder(Fixture *fixture, gconstpointer data)
{
  g_autofree char *drop = g_build_filename(fixture->dir, "drop", NULL);
  g_autofree char *outside = g_build_filename(fixture->dir, "outside", NULL);
  g_assert_cmpint(g_mkdir_with_parents(drop, 0755), ==, 0);
  g_assert_cmpint(g_mkdir_with_parents(outside, 0755), ==, 0);
  LoaConfig config = { .library = fixture->library, .timezone = fixture->tz,
                       .cue_silence_db = -50.0, .require_approval = TRUE,
                       .drop_settle_seconds = 0,
                       .tts_command = (char *)"espeak-ng -v vi -s 130 -f {text} -w {wav}" };
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaDropFolder) folder = loa_drop_folder_new(fixture->db, &config, drop, &error);
  g_assert_no_error(error);

  static const Stretch a[] = { { -20, 1 }, { 0, 0 } };
  static const Stretch b[] = { { -25, 1.5 }, { 0, 0 } };
  static const Stretch c[] = { { -30, 1.2 }, { 0, 0 } };
  static const Stretch d[] = { { -28, 0.8 }, { 0, 0 } };
  g_autofree char *good = fixture_wav(fixture, "drop/Bản tin số 1 \"sáng\".wav", a);
  g_autofree char *sidecar = test_util_write(drop, "Bản tin số 1 \"sáng\".cfg",
                                             "id = \"BT-01\";\n"
                                             "title = \"Bản tin sáng\";\n"
                                             "category = \"news\";\n"
                                             "tags = [ \"tin tức\", \"phường\" ];\n");
  g_autofree char *batch1 = fixture_wav(fixture, "drop/batch-1.wav", b);
  g_autofree char *batch2 = fixture_wav(fixture, "drop/batch-2.wav", c);
  g_autofree char *manifest = test_util_write(
    drop, "manifest.csv",
    "\xEF\xBB\xBF" "file,id,title,category,valid_until\r\n"
    "batch-1.wav,LOT-1,\"Phòng cháy, chữa cháy\",announcement,2030-12-31\r\n"
    "batch-2.wav,LOT-2,\"Nói \"\"không\"\" với ma túy\",article,\r\n");
  g_autofree char *bad_sidecar_audio = fixture_wav(fixture, "drop/bad-sidecar.wav", d);
  g_autofree char *bad_sidecar = test_util_write(drop, "bad-sidecar.cfg",
                                                 "id = \"X-1\";\ntitle = Bản tin không có ngoặc kép;\n");
  g_autofree char *text_as_audio = test_util_write(drop, "notes.mp3", "not audio at all\n");
  g_autofree char *empty = test_util_write(drop, "empty.wav", "");
  g_autofree char *secret = test_util_write(outside, "secret.wav", "RIFF");
  g_autofree char *link = g_build_filename(drop, "link.wav", NULL);
  g_assert_cmpint(symlink(secret, link), ==, 0);

  LoaDropFolderCounts counts;
  g_assert_true(loa_drop_folder_scan_once(folder, &counts, &error));
  g_assert_no_error(error);
  g_test_message("%u ingested, %u rejected, %u waiting", counts.ingested, counts.rejected,
                 counts.waiting);
  g_assert_cmpuint(counts.ingested, ==, 3);
  g_assert_cmpuint(counts.rejected, ==, 4);

  g_autoptr(LoaSpot) news = loa_spot_get(fixture->db, "BT-01", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(news->title, ==, "Bản tin sáng");
  g_assert_cmpstr(news->tags, ==, "tin tức,phường");
  g_assert_cmpstr(news->original_name, ==, "Bản tin số 1 \"sáng\".wav");
  g_assert_cmpstr(news->status, ==, "submitted");
  g_autoptr(LoaSpot) lot1 = loa_spot_get(fixture->db, "LOT-1", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(lot1->title, ==, "Phòng cháy, chữa cháy");
  g_assert_cmpstr(lot1->valid_until, ==, "2030-12-31");
  g_autoptr(LoaSpot) lot2 = loa_spot_get(fixture->db, "LOT-2", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(lot2->title, ==, "Nói \"không\" với ma túy");
  g_assert_null(lot2->valid_until);
  g_assert_cmpint(count_rows(fixture->db, "spots"), ==, 3);

  /* Where everything went. */
  const char *const done[] = { "Bản tin số 1 \"sáng\".wav", "Bản tin số 1 \"sáng\".cfg",
                               "batch-1.wav", "batch-2.wav" };
  for (size_t i = 0; i < G_N_ELEMENTS(done); i++) {
    g_autofree char *moved = g_build_filename(drop, "done", done[i], NULL);
    g_assert_true(g_file_test(moved, G_FILE_TEST_EXISTS));
  }
  const char *const rejected[] = { "bad-sidecar.wav", "notes.mp3", "empty.wav", "link.wav" };
  const char *const why[] = { "bad-sidecar.cfg:2", "notes.mp3", "empty", "outside the drop folder" };
  for (size_t i = 0; i < G_N_ELEMENTS(rejected); i++) {
    g_autofree char *moved = g_build_filename(drop, "rejected", rejected[i], NULL);
    g_assert_true(g_file_test(moved, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK));
    g_autofree char *error_file = g_strconcat(moved, ".error.txt", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(error_file, &text, NULL, NULL));
    g_test_message("%s", text);
    if (strstr(text, why[i]) == NULL)
      g_error("%s does not say '%s':\n%s", error_file, why[i], text);
  }
  g_autofree char *moved_bad_sidecar = g_build_filename(drop, "rejected", "bad-sidecar.cfg", NULL);
  g_assert_true(g_file_test(moved_bad_sidecar, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(secret, G_FILE_TEST_EXISTS));  /* the target is never touched */

  /* The same audio again is a duplicate: moved to done/, nothing added. */
  g_autofree char *again = fixture_wav(fixture, "drop/again.wav", a);
  g_assert_true(loa_drop_folder_scan_once(folder, &counts, &error));
  g_assert_cmpuint(counts.duplicates, ==, 1);
  g_assert_cmpint(count_rows(fixture->db, "spots"), ==, 3);
}

/* A file still being written is not taken until it has settled. */
static void
test_drop_folder_settle(Fixture *fixture, gconstpointer data)
{
  g_autofree char *drop = g_build_filename(fixture->dir, "drop", NULL);
  LoaConfig config = { .library = fixture->library, .timezone = fixture->tz,
                       .cue_silence_db = -50.0, .require_approval = FALSE,
                       .drop_settle_seconds = 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaDropFolder) folder = loa_drop_folder_new(fixture->db, &config, drop, &error);
  g_assert_no_error(error);

  /* Half a WAV: the header promises more data than there is yet. */
  static const Stretch tone[] = { { -20, 2 }, { 0, 0 } };
  g_autofree char *whole = fixture_wav(fixture, "whole.wav", tone);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true(g_file_get_contents(whole, &contents, &length, NULL));
  g_autofree char *target = g_build_filename(drop, "arriving.wav", NULL);
  g_assert_true(g_file_set_contents(target, contents, (gssize)(length / 2), NULL));

  LoaDropFolderCounts counts;
  g_assert_true(loa_drop_folder_scan_once(folder, &counts, &error));
  g_assert_cmpuint(counts.waiting, ==, 1);
  /* The copy goes on: still waiting. */
  g_usleep(600 * G_TIME_SPAN_MILLISECOND);
  FILE *out = fopen(target, "ab");
  g_assert_nonnull(out);
  g_assert_cmpuint(fwrite(contents + length / 2, 1, length - length / 2, out), ==,
                   length - length / 2);
  fclose(out);
  g_assert_true(loa_drop_folder_scan_once(folder, &counts, &error));
  g_assert_cmpuint(counts.waiting, ==, 1);
  g_assert_cmpint(count_rows(fixture->db, "spots"), ==, 0);
  /* Settled: taken whole. */
  g_usleep(1100 * G_TIME_SPAN_MILLISECOND);
  g_assert_true(loa_drop_folder_scan_once(folder, &counts, &error));
  g_assert_cmpuint(counts.ingested, ==, 1);
  g_assert_cmpint(count_rows(fixture->db, "spots"), ==, 1);
}

/* A text bulletin spoken by the real espeak-ng. */
static void
test_tts(Fixture *fixture, gconstpointer data)
{
  g_autofree char *espeak = g_find_program_in_path("espeak-ng");
  if (espeak == NULL) {
    g_test_skip("espeak-ng is not installed");
    return;
  }
  g_autofree char *text_file =
    test_util_write(fixture->dir, "thông báo.txt",
                    "Thông báo: ngày mai cúp điện từ bảy giờ đến mười một giờ.\n");
  const LoaIngestMeta meta = { .id = "TTS-1", .title = "Cúp điện", .category = "announcement" };
  g_autoptr(GError) error = NULL;
  gboolean existing = TRUE;
  g_autoptr(LoaSpot) spot =
    loa_tts_ingest(fixture->db, fixture->library, "espeak-ng -v vi -s 130 -f {text} -w {wav}",
                   text_file, &meta, NULL, &existing, &error);
  g_assert_no_error(error);
  g_assert_false(existing);
  g_assert_cmpstr(spot->original_name, ==, "thông báo.txt");
  g_assert_cmpstr(spot->bulletin_text, ==,
                  "Thông báo: ngày mai cúp điện từ bảy giờ đến mười một giờ.");
  g_assert_cmpint(spot->duration_ns, >, 2 * GST_SECOND);
  g_assert_false(isnan(spot->loudness_lufs));

  /* A broken command and bad text are reported with the file's name. */
  g_autoptr(LoaSpot) none = loa_tts_ingest(fixture->db, fixture->library,
                                           "espeak-ng -v vi -f {text}", text_file, &meta, NULL,
                                           NULL, &error);
  g_assert_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_COMMAND);
  g_clear_error(&error);
  g_autofree char *latin1 = test_util_write(fixture->dir, "latin1.txt", "Th\xf4ng b\xe1o\n");
  g_autoptr(LoaSpot) none2 = loa_tts_ingest(fixture->db, fixture->library,
                                            "espeak-ng -f {text} -w {wav}", latin1, &meta, NULL,
                                            NULL, &error);
  g_assert_error(error, LOA_TTS_ERROR, LOA_TTS_ERROR_TEXT);
  g_assert_nonnull(strstr(error->message, latin1));
  g_assert_cmpint(count_rows(fixture->db, "spots"), ==, 1);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  /* Rejections are g_warning lines by design (dropfolder.h); criticals stay fatal. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *direct = g_strdup_printf("/loudness/direct/%s", cases[i].name);
    g_autofree char *decoded = g_strdup_printf("/loudness/decoded/%s", cases[i].name);
    g_test_add_data_func(direct, &cases[i], test_loudness_direct);
    g_test_add_data_func(decoded, &cases[i], test_loudness_decoded);
  }
  g_test_add_func("/loudness/true-peak", test_true_peak);
  g_test_add_func("/loudness/air-gain", test_air_gain);
  g_test_add("/library/cues", Fixture, NULL, fixture_set_up, test_cues, fixture_tear_down);
  g_test_add("/library/silent-refused", Fixture, NULL, fixture_set_up, test_silent_refused,
             fixture_tear_down);
  g_test_add("/library/review", Fixture, NULL, fixture_set_up, test_review, fixture_tear_down);
  g_test_add("/library/auto-approval", Fixture, NULL, fixture_set_up, test_auto_approval,
             fixture_tear_down);
  g_test_add("/library/integrity", Fixture, NULL, fixture_set_up, test_integrity,
             fixture_tear_down);
  g_test_add("/library/verify", Fixture, NULL, fixture_set_up, test_verify, fixture_tear_down);
  g_test_add("/drop-folder/end-to-end", Fixture, NULL, fixture_set_up, test_drop_folder,
             fixture_tear_down);
  g_test_add("/drop-folder/settle", Fixture, NULL, fixture_set_up, test_drop_folder_settle,
             fixture_tear_down);
  g_test_add("/tts/espeak-ng", Fixture, NULL, fixture_set_up, test_tts, fixture_tear_down);
  return g_test_run();
}
