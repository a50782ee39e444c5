/*
 * loavcard-analyze - list the non-silent stretches of a WAV written by the
 * loavcard virtual sound card, with their wall-clock start taken from the
 * FILE.stamp written beside it.  See README.md for the output format.
 *
 * Exit status: 0 ok, 1 usage error, 2 unreadable or invalid input.
 */
#include <glib.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
	unsigned int channels, rate, bits, block_align;
	uint64_t data_offset, frames;
	gboolean data_size_patched; /* header size was 0, 0xFFFFFFFF or beyond the file */
} wav_info;

typedef struct {
	gint64 t0_realtime_ns;
	gint64 xruns, frames;
	gdouble ppm;
	unsigned int rate;
} stamp_info;

typedef struct {
	/* options */
	gboolean tsv, by_value;
	guint64 min_const;
	unsigned int rate;
	gint64 t0;
	gboolean quiet; /* count only (summary) */
	/* state */
	gboolean in_run, have_prev;
	guint64 run_start, seg_start, prev_len, cur_start, cur_len;
	gint64 seg_value, cur_value;
	/* results */
	guint64 runs, segments, nonsilent_frames;
} seg_state;

static const char *prog = "loavcard-analyze";

static G_NORETURN void die_input(const char *file, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void die_input(const char *file, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: %s: ", prog, file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Do the bytes at pos look like a RIFF chunk id (four printable ASCII characters)? */
static gboolean chunk_follows(FILE *f, uint64_t pos)
{
	unsigned char id[4];

	if (fseeko(f, (off_t)pos, SEEK_SET) < 0 || fread(id, 1, 4, f) != 4)
		return FALSE;
	for (int i = 0; i < 4; i++)
		if (id[i] < 0x20 || id[i] > 0x7e)
			return FALSE;
	return TRUE;
}

static void read_wav_header(FILE *f, const char *path, wav_info *w)
{
	unsigned char hdr[12], ch[8], fmt[40];
	struct stat st;
	gboolean have_fmt = FALSE;
	uint64_t pos = 12;

	if (fstat(fileno(f), &st) < 0)
		die_input(path, "cannot stat: %s", strerror(errno));
	if (fread(hdr, 1, 12, f) != 12 || memcmp(hdr, "RIFF", 4) || memcmp(hdr + 8, "WAVE", 4))
		die_input(path, "not a RIFF/WAVE file");
	for (;;) {
		uint32_t size;
		if (fseeko(f, (off_t)pos, SEEK_SET) < 0 || fread(ch, 1, 8, f) != 8)
			die_input(path, "no data chunk found");
		size = le32(ch + 4);
		if (!memcmp(ch, "fmt ", 4)) {
			size_t n = size < sizeof fmt ? size : sizeof fmt;
			if (size < 16 || fread(fmt, 1, n, f) != n)
				die_input(path, "truncated or invalid fmt chunk");
			unsigned int tag = le16(fmt);
			w->channels = le16(fmt + 2);
			w->rate = le32(fmt + 4);
			w->block_align = le16(fmt + 12);
			w->bits = le16(fmt + 14);
			if (tag == 0xFFFE && size >= 40)
				tag = le16(fmt + 24); /* WAVE_FORMAT_EXTENSIBLE sub-format */
			if (tag != 1)
				die_input(path, "unsupported WAV format tag %u (need integer PCM)", tag);
			if (w->bits != 16 && w->bits != 32)
				die_input(path, "unsupported sample size %u bits (need 16 or 32)", w->bits);
			if (w->channels < 1 || w->channels > 64 || w->rate < 1 ||
			    w->block_align != w->channels * w->bits / 8)
				die_input(path, "invalid fmt chunk (channels %u, rate %u, block align %u)",
					  w->channels, w->rate, w->block_align);
			have_fmt = TRUE;
		} else if (!memcmp(ch, "data", 4)) {
			uint64_t avail;
			if (!have_fmt)
				die_input(path, "data chunk before fmt chunk");
			w->data_offset = pos + 8;
			avail = (uint64_t)st.st_size > w->data_offset ? (uint64_t)st.st_size - w->data_offset : 0;
			if (size == 0 || size == 0xFFFFFFFFu || size > avail ||
			    (size < avail && !chunk_follows(f, w->data_offset + size + (size & 1)))) {
				/* never patched, or the writer was killed after a periodic
				 * patch: the audio runs to the end of the file */
				w->data_size_patched = size != avail;
				w->frames = avail / w->block_align;
			} else {
				w->frames = size / w->block_align;
			}
			return;
		}
		pos += 8 + (uint64_t)size + (size & 1);
	}
}

static void read_stamp(const char *path, stamp_info *s)
{
	gchar *text = NULL, **lines;
	GError *err = NULL;
	gboolean have_t0 = FALSE;

	if (!g_file_get_contents(path, &text, NULL, &err))
		die_input(path, "cannot read stamp file: %s", err->message);
	lines = g_strsplit(text, "\n", -1);
	for (gchar **l = lines; *l; l++) {
		gchar *eq = strchr(*l, '='), *end;
		const gchar *v;
		if (!eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(*l, "t0_realtime_ns")) {
			s->t0_realtime_ns = g_ascii_strtoll(v, &end, 10);
			have_t0 = end != v;
		} else if (!strcmp(*l, "xruns")) {
			s->xruns = g_ascii_strtoll(v, NULL, 10);
		} else if (!strcmp(*l, "frames")) {
			s->frames = g_ascii_strtoll(v, NULL, 10);
		} else if (!strcmp(*l, "ppm")) {
			s->ppm = g_ascii_strtod(v, NULL);
		} else if (!strcmp(*l, "rate")) {
			s->rate = (unsigned int)g_ascii_strtoull(v, NULL, 10);
		}
	}
	g_strfreev(lines);
	g_free(text);
	if (!have_t0)
		die_input(path, "invalid stamp file: no t0_realtime_ns= line");
}

static gint64 frame_realtime_ns(const seg_state *st, guint64 frame)
{
	unsigned __int128 x = (unsigned __int128)frame * 1000000000u + st->rate / 2;
	return st->t0 + (gint64)(x / st->rate);
}

static void emit(seg_state *st, guint64 start, guint64 frames, gint64 value)
{
	gint64 rt = frame_realtime_ns(st, start);

	st->segments++;
	if (st->quiet)
		return;
	if (st->tsv) {
		printf("%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" PRId64 "\t%" PRId64 "\n",
		       start, frames, value, rt);
	} else {
		time_t secs = (time_t)(rt / 1000000000);
		struct tm tm;
		char buf[32];
		gmtime_r(&secs, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
		printf("%12" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %8.3f %11.6f %10" PRId64
		       "  %s.%06ldZ\n", start, frames, (double)frames / st->rate,
		       (double)start / st->rate, value, buf, (long)(rt % 1000000000) / 1000);
	}
}

/* The current constant block ends: split between it and the previous one when either
 * is a constant stretch of at least min_const frames. */
static void close_block(seg_state *st)
{
	if (st->have_prev && (st->prev_len >= st->min_const || st->cur_len >= st->min_const)) {
		emit(st, st->seg_start, st->cur_start - st->seg_start, st->seg_value);
		st->seg_start = st->cur_start;
		st->seg_value = st->cur_value;
	}
	st->prev_len = st->cur_len;
	st->have_prev = TRUE;
}

static void end_run(seg_state *st, guint64 at)
{
	if (!st->in_run)
		return;
	if (st->by_value)
		close_block(st);
	emit(st, st->seg_start, at - st->seg_start, st->seg_value);
	st->nonsilent_frames += at - st->run_start;
	st->in_run = FALSE;
}

static void feed(seg_state *st, guint64 i, gboolean silent, gint64 v)
{
	if (silent) {
		end_run(st, i);
		return;
	}
	if (!st->in_run) {
		st->in_run = TRUE;
		st->runs++;
		st->have_prev = FALSE;
		st->run_start = st->seg_start = st->cur_start = i;
		st->seg_value = st->cur_value = v;
		st->cur_len = 1;
		return;
	}
	if (!st->by_value || v == st->cur_value) {
		st->cur_len++;
		return;
	}
	close_block(st);
	st->cur_start = i;
	st->cur_len = 1;
	st->cur_value = v;
}

int main(int argc, char **argv)
{
	gchar *format = NULL, *stamp_path = NULL;
	gboolean by_value = FALSE, summary = FALSE;
	gint channel = -1, min_const = 32;
	GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output format: table (default) or tsv", "FMT" },
		{ "segments-by-value", 'v', 0, G_OPTION_ARG_NONE, &by_value,
		  "Split runs where the sample value changes between constant stretches", NULL },
		{ "min-const", 0, 0, G_OPTION_ARG_INT, &min_const,
		  "Frames a value must stay constant to count as a constant stretch (default 32)", "N" },
		{ "channel", 'c', 0, G_OPTION_ARG_INT, &channel,
		  "Analyse only channel N (0-based) instead of all channels / value of channel 0", "N" },
		{ "summary", 's', 0, G_OPTION_ARG_NONE, &summary, "Print a key=value summary instead of segments", NULL },
		{ "stamp", 0, 0, G_OPTION_ARG_FILENAME, &stamp_path, "Stamp file (default FILE.stamp)", "PATH" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *ctx = g_option_context_new("FILE.wav - list the non-silent segments of a loavcard recording");
	GError *err = NULL;
	wav_info w = { 0 };
	stamp_info s = { 0 };
	seg_state st = { 0 };
	const char *path;
	unsigned char *buf;
	guint64 done = 0;
	FILE *f;
	const size_t chunk = 65536;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err->message);
		return 1;
	}
	g_option_context_free(ctx);
	if (argc != 2) {
		fprintf(stderr, "%s: expected exactly one FILE.wav argument (see --help)\n", prog);
		return 1;
	}
	if (format && strcmp(format, "tsv") && strcmp(format, "table")) {
		fprintf(stderr, "%s: --format must be tsv or table, not '%s'\n", prog, format);
		return 1;
	}
	if (min_const < 1) {
		fprintf(stderr, "%s: --min-const must be >= 1\n", prog);
		return 1;
	}
	path = argv[1];
	f = fopen(path, "rb");
	if (!f)
		die_input(path, "cannot open: %s", strerror(errno));
	read_wav_header(f, path, &w);
	if (channel >= (gint)w.channels) {
		fprintf(stderr, "%s: %s: --channel %d but the file has %u channels\n", prog, path, channel,
			w.channels);
		return 1;
	}
	if (!stamp_path)
		stamp_path = g_strconcat(path, ".stamp", NULL);
	read_stamp(stamp_path, &s);
	if (s.rate && s.rate != w.rate)
		die_input(stamp_path, "rate %u does not match the WAV file's rate %u", s.rate, w.rate);

	st.tsv = format && !strcmp(format, "tsv");
	st.by_value = by_value;
	st.min_const = (guint64)min_const;
	st.rate = w.rate;
	st.t0 = s.t0_realtime_ns;
	st.quiet = summary;
	if (!st.tsv && !summary)
		printf("%12s %10s %8s %11s %10s  %s\n", "start_frame", "frames", "dur_s", "start_s",
		       channel >= 0 ? "value" : "value_ch0", "start (UTC)");

	buf = g_malloc((size_t)w.block_align * chunk);
	if (fseeko(f, (off_t)w.data_offset, SEEK_SET) < 0)
		die_input(path, "cannot seek to data: %s", strerror(errno));
	while (done < w.frames) {
		size_t want = w.frames - done < chunk ? (size_t)(w.frames - done) : chunk;
		size_t got = fread(buf, w.block_align, want, f);
		if (got == 0)
			die_input(path, "read error at frame %" G_GUINT64_FORMAT, done);
		for (size_t i = 0; i < got; i++) {
			const unsigned char *fr = buf + i * w.block_align;
			gboolean silent = TRUE;
			gint64 v;
			unsigned int bps = w.bits / 8;
#define SAMPLE(c) (bps == 2 ? (gint64)(gint16)le16(fr + (c) * 2) : (gint64)(gint32)le32(fr + (c) * 4))
			if (channel >= 0) {
				v = SAMPLE((unsigned int)channel);
				silent = v == 0;
			} else {
				v = SAMPLE(0u);
				for (unsigned int c = 0; c < w.channels && silent; c++)
					silent = SAMPLE(c) == 0;
			}
#undef SAMPLE
			feed(&st, done + i, silent, v);
		}
		done += got;
	}
	end_run(&st, done);
	fclose(f);
	g_free(buf);

	if (summary) {
		printf("file=%s\nrate=%u\nchannels=%u\nbits=%u\ntotal_frames=%" G_GUINT64_FORMAT
		       "\nduration_s=%.6f\nxruns=%" PRId64 "\nframes_received=%" PRId64
		       "\nppm=%g\nt0_realtime_ns=%" PRId64 "\nruns=%" G_GUINT64_FORMAT
		       "\nsegments=%" G_GUINT64_FORMAT "\nnonsilent_frames=%" G_GUINT64_FORMAT
		       "\nheader_size_fixed=%d\n",
		       path, w.rate, w.channels, w.bits, w.frames, (double)w.frames / w.rate, s.xruns,
		       s.frames, s.ppm, s.t0_realtime_ns, st.runs, st.segments, st.nonsilent_frames,
		       w.data_size_patched ? 1 : 0);
	}
	g_free(format);
	g_free(stamp_path);
	return 0;
}
