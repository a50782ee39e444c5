/* Ingest and catalog tests. Every input is generated at start-up with
 * GStreamer (audiotestsrc ! encoder ! muxer ! filesink) into a temporary
 * folder: one file of every supported format, which must ingest with the
 * right rate, channels and length; and damaged or wrong files (empty, cut in
 * half, garbage, text, a folder, a missing path), which must be refused with a
 * message naming the file while the catalog and the library folder stay
 * exactly as they were. Each test gets its own database and library. */
#include "ingest.h"
#include "spot.h"
#include "spot-airable.h"

#include "db.h"
#include "loa-time.h"

#include "../common/test-util.h"

#include <inttypes.h>
#include <math.h>
#include <gst/gst.h>
#include <string.h>
#include <unistd.h>

/* Every fixture lasts 1.5 s: 15 buffers of a tenth of a second. */
#define FIXTURE_BUFFERS 15
#define FIXTURE_TENTHS 10

static char *fixtures;  /* the folder of generated inputs, shared by all tests */

/* One generated good file. */
typedef struct {
  const char *name;        /* test name and file name */
  const char *encode;      /* the part of the pipeline between the caps and filesink */
  const char *elements;    /* elements it needs, space-separated */
  const char *package;     /* the Debian package that has them */
  int rate, channels;
  gint64 tolerance_ms;     /* how far the stored length may be from the generated one */
  gint64 min_error_ms;     /* the stored length is at least generated + this */
  const char *codec;       /* expected in the codec description */
  gboolean optional;       /* skip (not fail) if the encoder is missing */
} Format;

/* Lossless formats, Vorbis and Opus come back exact (to a sample). MP3 decodes long
 * by the encoder delay and padding GStreamer does not trim (the TODO in
 * ingest.c); AAC in MP4 from these encoders carries no edit list, so it is
 * off by up to about two AAC frames. */
static const Format formats[] = {
  { "tone.wav", "wavenc", "wavenc", "gstreamer1.0-plugins-good", 44100, 2, 1, -1, "PCM", FALSE },
  { "tone.mp3", "lamemp3enc ! xingmux", "lamemp3enc xingmux", "gstreamer1.0-plugins-good",
    44100, 2, 60, 0, "MP3", FALSE },
  { "tone.ogg", "vorbisenc ! oggmux", "vorbisenc oggmux", "gstreamer1.0-plugins-base", 22050, 1,
    1, -1, "Vorbis", FALSE },
  { "tone.opus", "opusenc ! oggmux", "opusenc oggmux", "gstreamer1.0-plugins-base", 48000, 2, 1,
    -1, "Opus", FALSE },
  { "tone.flac", "flacenc", "flacenc", "gstreamer1.0-plugins-good", 48000, 1, 1, -1, "FLAC",
    FALSE },
  { "tone.m4a", "avenc_aac ! mp4mux", "avenc_aac mp4mux", "gstreamer1.0-libav", 48000, 2, 50, -50,
    "AAC", FALSE },
  { "tone-voaacenc.m4a", "voaacenc ! mp4mux", "voaacenc mp4mux", "gstreamer1.0-plugins-bad", 44100,
    1, 50, -50, "AAC", TRUE },
};

static gint64
generated_frames(const Format *format)
{
  return (gint64)FIXTURE_BUFFERS * (format->rate / FIXTURE_TENTHS);
}

/* Per-test state: a fresh database and a library folder that does not exist yet. */
typedef struct {
  char *dir;
  char *library;
  sqlite3 *db;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  fixture->dir = test_util_make_dir("loa-ingest-test-XXXXXX");
  fixture->library = g_build_filename(fixture->dir, "library", "spots", NULL);
  g_autofree char *db_path = g_build_filename(fixture->dir, "loa.db", NULL);
  fixture->db = loa_db_open(db_path, LOA_DB_OPEN_CREATE, &error);
  g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
  loa_db_close(fixture->db);
  test_util_remove_tree(fixture->dir);
  g_free(fixture->dir);
  g_free(fixture->library);
}

static char *
fixture_path(const char *name)
{
  return g_build_filename(fixtures, name, NULL);
}

/* TRUE if every element in the space-separated list is installed. */
static gboolean
have_elements(const char *elements)
{
  g_auto(GStrv) names = g_strsplit(elements, " ", -1);
  for (char **name = names; *name != NULL; name++) {
    g_autoptr(GstElementFactory) factory = gst_element_factory_find(*name);
    if (factory == NULL)
      return FALSE;
  }
  return TRUE;
}

/* Runs a gst-launch style pipeline to its end. */
static void
run_pipeline(const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch(description, &error);
  g_assert_no_error(error);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  g_autoptr(GstMessage) message =
    gst_bus_timed_pop_filtered(bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(message);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    g_autoptr(GError) gst_error = NULL;
    gst_message_parse_error(message, &gst_error, NULL);
    g_error("generating a fixture with '%s' failed: %s", description, gst_error->message);
  }
  g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_NULL), ==, GST_STATE_CHANGE_SUCCESS);
}

static void
generate(const Format *format)
{
  g_autofree char *path = fixture_path(format->name);
  g_autofree char *description = g_strdup_printf(
    "audiotestsrc num-buffers=%d samplesperbuffer=%d wave=sine freq=440 "
    "! audio/x-raw,format=S16LE,rate=%d,channels=%d ! audioconvert ! %s ! filesink location=\"%s\"",
    FIXTURE_BUFFERS, format->rate / FIXTURE_TENTHS, format->rate, format->channels,
    format->encode, path);
  run_pipeline(description);
}

static void
write_file(const char *path, const void *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_file_set_contents(path, data, (gssize)size, &error);
  g_assert_no_error(error);
}

/* Writes the first fraction of source to name. */
static void
make_truncated(const char *source, const char *name, double fraction)
{
  g_autofree char *from = fixture_path(source);
  g_autofree char *to = fixture_path(name);
  g_autoptr(GBytes) bytes = test_util_read(from);
  write_file(to, g_bytes_get_data(bytes, NULL), (gsize)(g_bytes_get_size(bytes) * fraction));
}

/* Writes source to name with bytes [at, at + length) replaced by seeded noise. */
static void
make_damaged(const char *source, const char *name, double at, gsize length)
{
  g_autofree char *from = fixture_path(source);
  g_autofree char *to = fixture_path(name);
  g_autoptr(GBytes) bytes = test_util_read(from);
  gsize size = g_bytes_get_size(bytes);
  g_autofree guint8 *data = g_memdup2(g_bytes_get_data(bytes, NULL), size);
  g_autoptr(GRand) rand = g_rand_new_with_seed(7);
  gsize start = (gsize)(size * at);
  g_assert_cmpuint(start + length, <, size);
  for (gsize i = start; i < start + length; i++)
    data[i] = (guint8)g_rand_int_range(rand, 0, 256);
  write_file(to, data, size);
}

/* Writes source to name without its last Ogg page: every page whole, but the
 * stream never ends. */
static void
make_cut_at_last_page(const char *source, const char *name)
{
  g_autofree char *from = fixture_path(source);
  g_autofree char *to = fixture_path(name);
  g_autoptr(GBytes) bytes = test_util_read(from);
  const guint8 *data = g_bytes_get_data(bytes, NULL);
  gsize size = g_bytes_get_size(bytes);
  gsize last = 0;
  for (gsize i = 0; i + 4 <= size; i++)
    if (memcmp(data + i, "OggS", 4) == 0)
      last = i;
  g_assert_cmpuint(last, >, 0);
  write_file(to, data, last);
}

static void
generate_fixtures(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
    if (have_elements(formats[i].elements))
      generate(&formats[i]);

  g_autofree char *empty = fixture_path("empty.wav");
  write_file(empty, "", 0);
  g_autofree char *text = fixture_path("notes.mp3");
  g_autoptr(GString) lines = g_string_new(NULL);
  for (int i = 0; i < 200; i++)
    g_string_append(lines, "Thông báo: đây không phải là âm thanh. This is not audio.\n");
  write_file(text, lines->str, lines->len);
  g_autofree char *noise = fixture_path("noise.wav");
  g_autoptr(GRand) rand = g_rand_new_with_seed(42);
  g_autofree guint8 *random = g_malloc(65536);
  for (gsize i = 0; i < 65536; i++)
    random[i] = (guint8)g_rand_int_range(rand, 0, 256);
  write_file(noise, random, 65536);
  g_autofree char *folder = fixture_path("folder.wav");
  g_assert_cmpint(g_mkdir(folder, 0755), ==, 0);

  if (have_elements("wavenc"))
    make_truncated("tone.wav", "cut.wav", 0.5);
  if (have_elements("flacenc")) {
    make_truncated("tone.flac", "cut.flac", 0.5);
    /* A scratch that costs one 4608-sample block: 96 ms at 48 kHz, under
     * the general tolerance, so only FLAC's exact length catches it. */
    make_damaged("tone.flac", "garbage.flac", 0.5, 20);
  }
  if (have_elements("lamemp3enc xingmux")) {
    make_truncated("tone.mp3", "cut.mp3", 0.5);
    make_damaged("tone.mp3", "garbage.mp3", 0.4, 2000);
  }
  if (have_elements("vorbisenc oggmux")) {
    /* The codebooks fill the first two thirds of so short a Vorbis file:
     * cut and damage the audio pages after them. */
    make_truncated("tone.ogg", "cut.ogg", 0.8);
    make_damaged("tone.ogg", "garbage.ogg", 0.75, 50);
    make_cut_at_last_page("tone.ogg", "cut-at-page.ogg");
  }
  if (have_elements("avenc_aac mp4mux"))
    make_truncated("tone.m4a", "cut.m4a", 0.5);
  if (have_elements("theoraenc oggmux")) {
    g_autofree char *video = fixture_path("video-only.ogg");
    g_autofree char *description = g_strdup_printf(
      "videotestsrc num-buffers=10 ! video/x-raw,width=64,height=48 ! theoraenc ! oggmux "
      "! filesink location=\"%s\"", video);
    run_pipeline(description);
  }
}

/* The rows in spots. */
static gint64
count_spots(sqlite3 *db)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT count(*) FROM spots", -1, &stmt, NULL), ==,
                  SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64(stmt, 0);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the library folder, hidden ones included, sorted and joined
 * by spaces ("" if the folder does not exist). */
static char *
library_listing(const Fixture *fixture)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  GDir *dir = g_dir_open(fixture->library, 0, NULL);
  if (dir != NULL) {
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL)
      g_ptr_array_add(names, g_strdup(name));
    g_dir_close(dir);
  }
  g_ptr_array_sort(names, compare_names);
  g_ptr_array_add(names, NULL);
  return g_strjoinv(" ", (char **)names->pdata);
}

/* Ingests a fixture that must succeed as a new spot. */
static LoaSpot *
ingest_ok(Fixture *fixture, const char *name, const LoaIngestMeta *meta)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path(name);
  gboolean existing = TRUE;
  LoaSpot *spot =
    loa_ingest_file(fixture->db, fixture->library, path, meta, NULL, &existing, &error);
  g_assert_no_error(error);
  g_assert_nonnull(spot);
  g_assert_false(existing);
  return spot;
}

/* Ingests path expecting the refusal code; checks that the message names the
 * file and that neither the catalog nor the library folder changed. */
static void
ingest_refused(Fixture *fixture, const char *path, const LoaIngestMeta *meta, LoaSpotError code)
{
  g_autoptr(GError) error = NULL;
  gint64 rows = count_spots(fixture->db);
  g_autofree char *before = library_listing(fixture);
  gboolean existing = TRUE;

  g_autoptr(LoaSpot) spot =
    loa_ingest_file(fixture->db, fixture->library, path, meta, NULL, &existing, &error);
  g_assert_null(spot);
  g_assert_false(existing);
  g_assert_error(error, LOA_SPOT_ERROR, (gint)code);
  g_test_message("%s", error->message);
  if (strstr(error->message, path) == NULL)
    g_error("the message does not name %s: %s", path, error->message);
  g_assert_cmpint(count_spots(fixture->db), ==, rows);
  g_autofree char *after = library_listing(fixture);
  g_assert_cmpstr(after, ==, before);
  g_assert_true(sqlite3_get_autocommit(fixture->db));  /* no transaction left open */
}

/* The expected SHA-256 of a file, lowercase hex. */
static char *
sha256_of(const char *path)
{
  g_autoptr(GBytes) bytes = test_util_read(path);
  return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);
}

static guint32
le32(const guint8 *p)
{
  return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint16
le16(const guint8 *p)
{
  return (guint16)(p[0] | p[1] << 8);
}

/* Reads a RIFF/WAVE file's fmt chunk into *rate, *channels, *bits and
 * returns its data chunk's length in frames; fails the test if either chunk
 * is missing or torn. */
static gint64
wav_frames(GBytes *bytes, int *rate, int *channels, int *bits)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data(bytes, &size);
  g_assert_cmpuint(size, >=, 12);
  g_assert_true(memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WAVE", 4) == 0);
  gint64 frames = -1;
  *channels = 0;
  for (gsize at = 12; at + 8 <= size;) {
    guint32 length = le32(data + at + 4);
    const guint8 *body = data + at + 8;
    g_assert_cmpuint(at + 8 + length, <=, size);
    if (memcmp(data + at, "fmt ", 4) == 0) {
      g_assert_cmpuint(length, >=, 16);
      *channels = le16(body + 2);
      *rate = (int)le32(body + 4);
      *bits = le16(body + 14);
    } else if (memcmp(data + at, "data", 4) == 0) {
      g_assert_cmpint(*channels, >, 0);
      frames = length / (*channels * (*bits / 8));
    }
    at += 8 + length + (length & 1);
  }
  g_assert_cmpint(frames, >=, 0);
  return frames;
}

static void
test_format(Fixture *fixture, gconstpointer data)
{
  const Format *format = data;
  if (!have_elements(format->elements)) {
    g_autofree char *why = g_strdup_printf("needs %s (Debian package %s)", format->elements,
                                           format->package);
    if (format->optional) {
      g_test_skip(why);
      return;
    }
    g_error("%s", why);
  }
  g_autofree char *path = fixture_path(format->name);
  const LoaIngestMeta meta = { .id = "T-1", .title = format->name };
  g_autoptr(LoaSpot) spot = ingest_ok(fixture, format->name, &meta);

  g_assert_cmpint(spot->sample_rate, ==, format->rate);
  g_assert_cmpint(spot->channels, ==, format->channels);
  gint64 expected_ns = generated_frames(format) * LOA_NS_PER_SECOND / format->rate;
  gint64 error_ms = (spot->duration_ns - expected_ns) / 1000000;
  g_test_message("%s: %" PRId64 " frames, %+" G_GINT64_FORMAT " ms, codec %s, "
                 "container %s",
                 format->name, spot->frames, error_ms, spot->codec, spot->container);
  g_assert_cmpint(ABS(spot->duration_ns - expected_ns), <=, format->tolerance_ms * 1000000);
  g_assert_cmpint(spot->duration_ns - expected_ns, >=, format->min_error_ms * 1000000);
  g_assert_cmpint(spot->duration_ns, ==, spot->frames * LOA_NS_PER_SECOND / spot->sample_rate);
  if (strstr(spot->codec, format->codec) == NULL)
    g_error("codec '%s' does not mention %s", spot->codec, format->codec);
  g_assert_cmpstr(spot->container, !=, "");

  /* What was stored is what was returned, and the library file is the input. */
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) stored = loa_spot_get(fixture->db, "T-1", &error);
  g_assert_no_error(error);
  g_assert_cmpint(stored->frames, ==, spot->frames);
  g_assert_cmpstr(stored->codec, ==, spot->codec);
  g_autofree char *sha = sha256_of(path);
  g_assert_cmpstr(stored->sha256, ==, sha);
  g_autofree char *stored_path = loa_spot_path(stored, fixture->library);
  g_autofree char *stored_sha = sha256_of(stored_path);
  g_assert_cmpstr(stored_sha, ==, sha);
  g_autofree char *listing = library_listing(fixture);

  /* PCM airs as it is; anything decoded airs from its air copy: a 16-bit WAV
   * of exactly the counted frames, recorded by hash and size. */
  if (g_strcmp0(format->codec, "PCM") == 0) {
    g_assert_null(stored->air_file_name);
    g_assert_null(stored->air_sha256);
    g_assert_cmpstr(listing, ==, stored->file_name);
    return;
  }
  g_assert_nonnull(stored->air_file_name);
  g_autofree char *expected_listing = g_strdup_printf("%s %s", stored->air_file_name,
                                                      stored->file_name);
  g_assert_cmpstr(listing, ==, expected_listing);
  g_autofree char *air_path = loa_spot_air_path(stored, fixture->library);
  g_autofree char *air_sha = sha256_of(air_path);
  g_assert_cmpstr(stored->air_sha256, ==, air_sha);
  g_autoptr(GBytes) air = test_util_read(air_path);
  g_assert_cmpint(stored->air_file_size, ==, (gint64)g_bytes_get_size(air));
  int rate = 0, channels = 0, bits = 0;
  gint64 air_frames = wav_frames(air, &rate, &channels, &bits);
  g_test_message("air copy %s: %d Hz, %d ch, %d bit, %" PRId64 " frames", stored->air_file_name,
                 rate, channels, bits, air_frames);
  g_assert_cmpint(rate, ==, spot->sample_rate);
  g_assert_cmpint(channels, ==, spot->channels);
  g_assert_cmpint(bits, ==, 16);
  g_assert_cmpint(air_frames, ==, spot->frames);
}

/* A refused file: its name and the error it must give. */
typedef struct {
  const char *name;
  LoaSpotError code;
  const char *needs;  /* elements that made the fixture, or NULL */
} BadFile;

static const BadFile bad_files[] = {
  { "empty.wav", LOA_SPOT_ERROR_NOT_AUDIO, NULL },
  { "cut.wav", LOA_SPOT_ERROR_NOT_AUDIO, "wavenc" },
  { "cut.flac", LOA_SPOT_ERROR_NOT_AUDIO, "flacenc" },
  { "cut.mp3", LOA_SPOT_ERROR_NOT_AUDIO, "lamemp3enc xingmux" },
  { "cut.ogg", LOA_SPOT_ERROR_NOT_AUDIO, "vorbisenc oggmux" },
  { "cut-at-page.ogg", LOA_SPOT_ERROR_NOT_AUDIO, "vorbisenc oggmux" },
  { "cut.m4a", LOA_SPOT_ERROR_NOT_AUDIO, "avenc_aac mp4mux" },
  { "garbage.mp3", LOA_SPOT_ERROR_NOT_AUDIO, "lamemp3enc xingmux" },
  { "garbage.ogg", LOA_SPOT_ERROR_NOT_AUDIO, "vorbisenc oggmux" },
  { "garbage.flac", LOA_SPOT_ERROR_NOT_AUDIO, "flacenc" },
  { "notes.mp3", LOA_SPOT_ERROR_NOT_AUDIO, NULL },
  { "noise.wav", LOA_SPOT_ERROR_NOT_AUDIO, NULL },
  { "video-only.ogg", LOA_SPOT_ERROR_NOT_AUDIO, "theoraenc oggmux" },
  { "folder.wav", LOA_SPOT_ERROR_IO, NULL },
  { "missing.wav", LOA_SPOT_ERROR_IO, NULL },
};

static void
test_bad_file(Fixture *fixture, gconstpointer data)
{
  const BadFile *bad = data;
  if (bad->needs != NULL && !have_elements(bad->needs)) {
    g_test_skip("the encoder for this fixture is missing");
    return;
  }
  /* A spot already there shows that nothing else is touched. */
  g_autoptr(LoaSpot) first = ingest_ok(fixture, "tone.wav", NULL);
  g_autofree char *path = fixture_path(bad->name);
  ingest_refused(fixture, path, NULL, bad->code);
}

static void
test_unreadable(Fixture *fixture, gconstpointer data)
{
  if (geteuid() == 0) {
    g_test_skip("root reads files whatever their mode");
    return;
  }
  g_autofree char *path = g_build_filename(fixture->dir, "secret.wav", NULL);
  g_autofree char *source = fixture_path("tone.wav");
  g_autoptr(GBytes) bytes = test_util_read(source);
  write_file(path, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
  g_assert_cmpint(g_chmod(path, 0), ==, 0);
  ingest_refused(fixture, path, NULL, LOA_SPOT_ERROR_IO);
}

/* The library folder cannot be created: a file has its name. */
static void
test_library_not_a_folder(Fixture *fixture, gconstpointer data)
{
  g_autofree char *parent = g_path_get_dirname(fixture->library);
  g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
  write_file(fixture->library, "in the way", 10);
  g_autofree char *path = fixture_path("tone.wav");
  ingest_refused(fixture, path, NULL, LOA_SPOT_ERROR_SYSTEM);
}

/* Another process holds the write lock: the copy goes away again. */
static void
test_database_locked(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) first = ingest_ok(fixture, "tone.wav", NULL);
  g_autofree char *db_path = g_build_filename(fixture->dir, "loa.db", NULL);
  sqlite3 *other = loa_db_open(db_path, LOA_DB_OPEN_EXISTING, &error);
  g_assert_no_error(error);
  g_assert_true(loa_db_begin(other, &error));
  sqlite3_busy_timeout(fixture->db, 50);

  g_autofree char *path = fixture_path("tone.flac");
  ingest_refused(fixture, path, NULL, LOA_SPOT_ERROR_DB);
  loa_db_rollback(other);
  loa_db_close(other);
}

/* The INSERT fails after the file was renamed into place: the file must go. */
static void
test_insert_refused(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) first = ingest_ok(fixture, "tone.wav", NULL);
  g_assert_true(loa_db_exec(fixture->db,
                            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON spots "
                            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
                            &error));
  g_assert_no_error(error);
  g_autofree char *path = fixture_path("tone.flac");
  ingest_refused(fixture, path, NULL, LOA_SPOT_ERROR_DB);
}

static void
test_duplicate_file(Fixture *fixture, gconstpointer data)
{
  const LoaIngestMeta first_meta = { .id = "A", .title = "first" };
  g_autoptr(LoaSpot) first = ingest_ok(fixture, "tone.flac", &first_meta);
  g_autofree char *listing = library_listing(fixture);

  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path("tone.flac");
  const LoaIngestMeta again_meta = { .id = "B", .title = "again" };
  gboolean existing = FALSE;
  g_autoptr(LoaSpot) again = loa_ingest_file(fixture->db, fixture->library, path, &again_meta,
                                             NULL, &existing, &error);
  g_assert_no_error(error);
  g_assert_true(existing);
  g_assert_cmpstr(again->id, ==, "A");
  g_assert_cmpstr(again->title, ==, "first");
  g_assert_cmpint(count_spots(fixture->db), ==, 1);
  g_autofree char *after = library_listing(fixture);
  g_assert_cmpstr(after, ==, listing);
}

static void
test_duplicate_id(Fixture *fixture, gconstpointer data)
{
  const LoaIngestMeta meta = { .id = "DUP" };
  g_autoptr(LoaSpot) first = ingest_ok(fixture, "tone.flac", &meta);
  g_autofree char *path = fixture_path("tone.ogg");
  ingest_refused(fixture, path, &meta, LOA_SPOT_ERROR_EXISTS);
}

static void
test_bad_metadata(Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = fixture_path("tone.wav");
  g_autofree char *long_id = g_strnfill(65, 'x');
  const LoaIngestMeta bad[] = {
    { .category = "advert" },
    { .category = "" },
    { .id = "has space" },
    { .id = "" },
    { .id = "-dash-first" },
    { .id = long_id },
    { .title = "\xff\xfe not UTF-8" },
    { .title = "two\nlines" },
    { .supplier = "\xc3" },
    { .language = "tiếng Việt" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
    ingest_refused(fixture, path, &bad[i], LOA_SPOT_ERROR_INVALID);
  /* Refused before anything was copied: the library was not even created. */
  g_assert_false(g_file_test(fixture->library, G_FILE_TEST_EXISTS));
}

static void
test_vietnamese(Fixture *fixture, gconstpointer data)
{
  const char *title = "Phòng, chống lừa đảo trên không gian mạng — kỳ 1";
  const char *supplier = "Trung tâm Văn hóa – Thể thao quận Ninh Kiều";
  g_autofree char *decomposed = g_utf8_normalize(title, -1, G_NORMALIZE_DEFAULT);
  g_assert_cmpstr(decomposed, !=, title);  /* the input really is in another form */
  const LoaIngestMeta meta = {
    .id = "ATTT-T01", .title = title, .category = "article", .topic = "attt",
    .supplier = supplier, .language = "vi",
  };
  g_autoptr(LoaSpot) spot = ingest_ok(fixture, "tone.opus", &meta);
  g_assert_cmpstr(spot->title, ==, title);

  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) stored = loa_spot_get(fixture->db, "ATTT-T01", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(stored->title, ==, title);
  g_assert_cmpstr(stored->supplier, ==, supplier);
  g_assert_cmpstr(stored->category, ==, "article");
  g_assert_cmpstr(stored->topic, ==, "attt");

  /* The same title typed in decomposed form is stored composed (NFC). */
  const LoaIngestMeta nfd = { .id = "ATTT-T02", .title = decomposed };
  g_autoptr(LoaSpot) second = ingest_ok(fixture, "tone.ogg", &nfd);
  g_assert_cmpstr(second->title, ==, title);
}

/* An M4A from ffmpeg: its edit list trims the encoder's priming and ends
 * inside the last AAC frame, which GStreamer 1.22's qtdemux does not push
 * (mp4-edit.h). The spot must last what the file declares (to the
 * millisecond ffmpeg rounds the edit list to), and its air copy must hold
 * the tone to its end: the last frame decoded, not silence in its place. */
static void
test_m4a_edit_list(Fixture *fixture, gconstpointer data)
{
  g_autofree char *ffmpeg = g_find_program_in_path("ffmpeg");
  if (ffmpeg == NULL) {
    g_test_skip("needs ffmpeg (Debian package ffmpeg) to write an edit list");
    return;
  }
  const gint64 generated = 53333;  /* 1.111 s: ends inside an AAC frame */
  g_autofree char *wav = g_build_filename(fixture->dir, "edit-list.wav", NULL);
  g_autofree char *m4a = g_build_filename(fixture->dir, "edit-list.m4a", NULL);
  g_autofree char *description = g_strdup_printf(
    "audiotestsrc num-buffers=1 samplesperbuffer=%" PRId64 " wave=sine freq=440 "
    "! audio/x-raw,format=S16LE,rate=48000,channels=2 ! wavenc ! filesink location=\"%s\"",
    generated, wav);
  run_pipeline(description);
  const char *argv[] = { ffmpeg, "-nostdin", "-v", "error", "-y", "-i", wav, "-c:a", "aac",
                         "-b:a", "128k", m4a, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                             &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, &error));

  const LoaIngestMeta meta = { .id = "EDIT-LIST" };
  g_autoptr(LoaSpot) spot =
    loa_ingest_file(fixture->db, fixture->library, m4a, &meta, NULL, NULL, &error);
  g_assert_no_error(error);
  g_test_message("%" PRId64 " frames generated, %" PRId64 " catalogued", generated,
                 spot->frames);
  /* ffmpeg writes the edit's length in milliseconds: 1111 ms, 53 328 frames. */
  g_assert_cmpint(spot->frames, ==, 53328);
  g_assert_cmpint(spot->cue_out_ns, ==, spot->duration_ns);

  g_autofree char *air_path = loa_spot_air_path(spot, fixture->library);
  g_assert_nonnull(air_path);
  g_autoptr(GBytes) air = test_util_read(air_path);
  int rate = 0, channels = 0, bits = 0;
  g_assert_cmpint(wav_frames(air, &rate, &channels, &bits), ==, spot->frames);
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data(air, &size);
  g_assert_cmpuint(44 + spot->frames * 4, <=, size);
  /* The tone (audiotestsrc's default volume 0.8) sounds to the last frame:
   * RMS of the last 64 frames (GStreamer 1.22 alone left out the last 85,
   * which ingest then filled with silence). */
  double sum = 0;
  const guint8 *tail = bytes + 44 + (spot->frames - 64) * 4;
  for (int i = 0; i < 64 * 2; i++) {
    double v = (gint16)GST_READ_UINT16_LE(tail + 2 * i) / 32768.0;
    sum += v * v;
  }
  double rms = sqrt(sum / (64 * 2));
  g_test_message("RMS of the air copy's last 64 frames: %.3f (a sine of 0.8: 0.566)", rms);
  g_assert_cmpfloat(rms, >, 0.4);
}

/* library.air_copies = false: a compressed file gets no air copy. */
static void
test_no_air_copy(Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = fixture_path("tone.ogg");
  const LoaIngestOptions options = { .silence_db = -50.0, .no_air_copy = TRUE };
  const LoaIngestMeta meta = { .id = "NO-COPY" };
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) spot =
    loa_ingest_file(fixture->db, fixture->library, path, &meta, &options, NULL, &error);
  g_assert_no_error(error);
  g_assert_null(spot->air_file_name);
  g_autoptr(LoaSpot) stored = loa_spot_get(fixture->db, "NO-COPY", &error);
  g_assert_no_error(error);
  g_assert_null(stored->air_file_name);
  g_assert_null(stored->air_sha256);
  g_autofree char *listing = library_listing(fixture);
  g_assert_cmpstr(listing, ==, stored->file_name);
}

static void
test_defaults(Fixture *fixture, gconstpointer data)
{
  /* An upper-case extension and a space in the supplied name. */
  g_autofree char *source = fixture_path("tone.wav");
  g_autofree char *path = g_build_filename(fixture->dir, "Thông Báo.WAV", NULL);
  g_autoptr(GBytes) bytes = test_util_read(source);
  write_file(path, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
  g_autofree char *sha = sha256_of(path);

  gint64 before = loa_time_now_wall_ns();
  g_autoptr(GError) error = NULL;
  gboolean existing = TRUE;
  g_autoptr(LoaSpot) spot =
    loa_ingest_file(fixture->db, fixture->library, path, NULL, NULL, &existing, &error);
  g_assert_no_error(error);
  g_assert_false(existing);

  g_autofree char *id = g_strdup_printf("S-%.8s", sha);
  g_autofree char *file_name = g_strdup_printf("%s-%.8s.wav", id, sha);
  g_assert_cmpstr(spot->id, ==, id);
  g_assert_cmpstr(spot->file_name, ==, file_name);
  g_assert_cmpstr(spot->original_name, ==, "Thông Báo.WAV");
  g_assert_cmpstr(spot->sha256, ==, sha);
  g_assert_cmpint(spot->file_size, ==, (gint64)g_bytes_get_size(bytes));
  g_assert_cmpstr(spot->title, ==, "");
  g_assert_cmpstr(spot->category, ==, "other");
  g_assert_cmpstr(spot->language, ==, "vi");
  g_assert_cmpstr(spot->status, ==, "submitted");  /* require_approval is the default */
  g_assert_cmpstr(spot->added_by, ==, g_get_user_name());
  g_assert_cmpint(spot->added_at, >=, before);
  g_assert_cmpint(spot->added_at, <=, loa_time_now_wall_ns());
  g_autofree char *listing = library_listing(fixture);
  g_assert_cmpstr(listing, ==, file_name);

  /* added_by may be given. */
  const LoaIngestMeta meta = { .id = "BY", .added_by = "cán bộ văn hóa" };
  g_autoptr(LoaSpot) by = ingest_ok(fixture, "tone.flac", &meta);
  g_assert_cmpstr(by->added_by, ==, "cán bộ văn hóa");
}

static void
test_catalog(Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LoaSpot) none = loa_spot_get(fixture->db, "NOPE", &error);
  g_assert_null(none);
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_autofree char *zeros = g_strnfill(64, '0');
  g_autoptr(LoaSpot) by_sha = loa_spot_find_by_sha256(fixture->db, zeros, &error);
  g_assert_null(by_sha);
  g_assert_no_error(error);
  g_autoptr(GPtrArray) empty = loa_spot_list(fixture->db, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(empty->len, ==, 0);

  const LoaIngestMeta b = { .id = "b" }, a = { .id = "a" }, c = { .id = "C" };
  g_autoptr(LoaSpot) sb = ingest_ok(fixture, "tone.ogg", &b);
  g_autoptr(LoaSpot) sa = ingest_ok(fixture, "tone.flac", &a);
  g_autoptr(LoaSpot) sc = ingest_ok(fixture, "tone.wav", &c);
  g_autoptr(GPtrArray) spots = loa_spot_list(fixture->db, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(spots->len, ==, 3);
  g_assert_cmpstr(((LoaSpot *)spots->pdata[0])->id, ==, "C");
  g_assert_cmpstr(((LoaSpot *)spots->pdata[1])->id, ==, "a");
  g_assert_cmpstr(((LoaSpot *)spots->pdata[2])->id, ==, "b");
  g_autoptr(LoaSpot) found = loa_spot_find_by_sha256(fixture->db, sa->sha256, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(found->id, ==, "a");
  g_assert_true(loa_spot_category_is_valid("announcement"));
  g_assert_false(loa_spot_category_is_valid("Article"));
  g_assert_false(loa_spot_category_is_valid(NULL));

  /* The database refuses a second row with the same id even if ingest's own
   * check were bypassed (two ingests racing). */
  g_autoptr(LoaSpot) copy = loa_spot_get(fixture->db, "a", &error);
  g_assert_no_error(error);
  g_free(copy->sha256);
  copy->sha256 = g_strnfill(64, 'f');
  g_free(copy->file_name);
  copy->file_name = g_strdup("other-name.flac");
  g_assert_false(loa_spot_insert(fixture->db, copy, &error));
  g_assert_error(error, LOA_SPOT_ERROR, LOA_SPOT_ERROR_EXISTS);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  gst_init(&argc, &argv);

  fixtures = test_util_make_dir("loa-ingest-fixtures-XXXXXX");
  generate_fixtures();

  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_autofree char *name = g_strdup_printf("/ingest/format/%s", formats[i].name);
    g_test_add(name, Fixture, &formats[i], fixture_set_up, test_format, fixture_tear_down);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(bad_files); i++) {
    g_autofree char *name = g_strdup_printf("/ingest/refused/%s", bad_files[i].name);
    g_test_add(name, Fixture, &bad_files[i], fixture_set_up, test_bad_file, fixture_tear_down);
  }
  g_test_add("/ingest/refused/unreadable", Fixture, NULL, fixture_set_up, test_unreadable,
             fixture_tear_down);
  g_test_add("/ingest/failure/library-not-a-folder", Fixture, NULL, fixture_set_up,
             test_library_not_a_folder, fixture_tear_down);
  g_test_add("/ingest/failure/database-locked", Fixture, NULL, fixture_set_up,
             test_database_locked, fixture_tear_down);
  g_test_add("/ingest/failure/insert-refused", Fixture, NULL, fixture_set_up, test_insert_refused,
             fixture_tear_down);
  g_test_add("/ingest/duplicate-file", Fixture, NULL, fixture_set_up, test_duplicate_file,
             fixture_tear_down);
  g_test_add("/ingest/duplicate-id", Fixture, NULL, fixture_set_up, test_duplicate_id,
             fixture_tear_down);
  g_test_add("/ingest/bad-metadata", Fixture, NULL, fixture_set_up, test_bad_metadata,
             fixture_tear_down);
  g_test_add("/ingest/vietnamese", Fixture, NULL, fixture_set_up, test_vietnamese,
             fixture_tear_down);
  g_test_add("/ingest/defaults", Fixture, NULL, fixture_set_up, test_defaults, fixture_tear_down);
  g_test_add("/ingest/no-air-copy", Fixture, NULL, fixture_set_up, test_no_air_copy,
             fixture_tear_down);
  g_test_add("/ingest/m4a-edit-list", Fixture, NULL, fixture_set_up, test_m4a_edit_list,
             fixture_tear_down);
  g_test_add("/spot/catalog", Fixture, NULL, fixture_set_up, test_catalog, fixture_tear_down);

  int result = g_test_run();
  test_util_remove_tree(fixtures);
  g_free(fixtures);
  gst_deinit();
  return result;
}
