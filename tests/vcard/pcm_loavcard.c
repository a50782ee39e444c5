/*
 * pcm_loavcard.c - "loavcard", a virtual ALSA playback sound card for tests.
 *
 * An ioplug PCM that consumes frames in real time (CLOCK_MONOTONIC, optionally
 * ppm fast or slow) and writes every frame into a WAV file at the frame index
 * that corresponds to the wall time at which the frame plays.  Beside the file
 * it keeps FILE.stamp (key=value) with the CLOCK_REALTIME instant of frame 0.
 *
 *   pcm_type.loavcard { lib "/abs/path/libasound_module_pcm_loavcard.so" }
 *   pcm.vcard { type loavcard; file "/tmp/out.wav"; ppm 0 }
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vcard-writer.h"

#define WAV_HEADER_BYTES 44
#define NS_PER_S 1000000000LL

typedef struct {
	snd_pcm_ioplug_t io;
	pthread_mutex_t lock;
	char *path, *stamp_path;
	char *fail_path;            /* while this file exists the card is "unplugged" (-ENODEV) */
	int disconnected;           /* this handle saw the card unplugged: dead for good */
	double ppm;
	long double speed;          /* 1 + ppm * 1e-6 */
	int tfd;                    /* timerfd, the poll descriptor */
	int fd;                     /* WAV file */
	vcard_writer_t *writer;     /* does all file work on fd and the stamp */
	int created;                /* we created the file at open */
	int header_valid;           /* hw_params wrote a header */
	/* current setup */
	snd_pcm_format_t format;
	unsigned int channels, rate, frame_bytes;
	snd_pcm_uframes_t boundary, avail_min;
	int64_t period_ns;
	unsigned char *ring;        /* copy of the frames not yet played */
	snd_pcm_uframes_t ring_frames;
	/* stream since the last prepare (frame counts since prepare) */
	uint64_t written, flushed, hw;
	int running, paused, in_xrun;
	int64_t start_ns;           /* monotonic instant of frame 0 (shifted by pauses) */
	int64_t pause_ns;
	long long prev_idx;         /* file index of the last frame flushed in this run */
	/* file timeline */
	int have_t0;
	int64_t t0_mono_ns, t0_real_ns;
	uint64_t data_frames, frames_total;
	unsigned int xruns, starts, write_errors;
	int64_t last_sync_ns;
	/* Diagnostics of the emulated card's own stalls: the longest file work
	 * (queueing it for the writer) in one pointer call, and per underrun
	 * how long that call's file work took and how long since the last
	 * write. */
	int64_t io_max_ns, last_transfer_ns;
	char xrun_log[512];
} loavcard_t;

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Realtime instant read between two monotonic reads; keeps the tightest pair. */
static void clock_pair(int64_t *mono, int64_t *real)
{
	int64_t best = INT64_MAX;

	*mono = clock_ns(CLOCK_MONOTONIC);
	*real = clock_ns(CLOCK_REALTIME);
	for (int i = 0; i < 8 && best > 2000; i++) {
		int64_t m1 = clock_ns(CLOCK_MONOTONIC);
		int64_t r = clock_ns(CLOCK_REALTIME);
		int64_t m2 = clock_ns(CLOCK_MONOTONIC);
		if (m2 - m1 < best) {
			best = m2 - m1;
			*mono = m1 + (m2 - m1) / 2;
			*real = r;
		}
	}
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = v >> 24;
}

static void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff; p[1] = v >> 8;
}

static void wav_write_header(loavcard_t *lv)
{
	unsigned char h[WAV_HEADER_BYTES];
	uint64_t data = lv->data_frames * lv->frame_bytes;
	uint32_t data32 = data > 0xFFFFFFFFull - 36 ? 0xFFFFFFFFu - 36 : (uint32_t)data;

	if (lv->fd < 0 || !lv->header_valid)
		return;
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + data32);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);
	put_le16(h + 20, lv->format == SND_PCM_FORMAT_FLOAT_LE ? 3 : 1);
	put_le16(h + 22, lv->channels);
	put_le32(h + 24, lv->rate);
	put_le32(h + 28, lv->rate * lv->frame_bytes);
	put_le16(h + 32, lv->frame_bytes);
	put_le16(h + 34, 8 * lv->frame_bytes / lv->channels);
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, data32);
	if (vcard_writer_pwrite(lv->writer, lv->fd, lv->path, h, sizeof h, 0) < 0)
		lv->write_errors++;
}

/* round half up; x >= 0 here (no libm needed) */
static long long round_nonneg(long double x)
{
	return (long long)(x + 0.5L);
}

/* The stamp: the recording's timeline and counters, for the analyzers.
 * disk_max_us is the writer's longest job: the stall the card was spared. */
static void write_stamp(loavcard_t *lv)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f) {
		lv->write_errors++;
		return;
	}
	fprintf(f, "t0_realtime_ns=%lld\nt0_monotonic_ns=%lld\nrate=%u\nchannels=%u\n"
		"format=%s\nppm=%g\nxruns=%u\nframes=%llu\ndata_frames=%llu\nstarts=%u\n"
		"write_errors=%u\nio_max_us=%lld\ndisk_max_us=%lld\nxrun_log=%s\nfile=%s\n",
		(long long)lv->t0_real_ns, (long long)lv->t0_mono_ns, lv->rate, lv->channels,
		snd_pcm_format_name(lv->format), lv->ppm, lv->xruns,
		(unsigned long long)lv->frames_total, (unsigned long long)lv->data_frames,
		lv->starts, lv->write_errors + vcard_writer_errors(lv->writer),
		(long long)(lv->io_max_ns / 1000),
		(long long)(vcard_writer_longest_ns(lv->writer) / 1000), lv->xrun_log, lv->path);
	if (fclose(f) != 0 || vcard_writer_replace(lv->writer, lv->stamp_path, text) < 0)
		lv->write_errors++;
	free(text);
}

/* Frames played since the start of this run (not clamped to written). */
static uint64_t hw_now(loavcard_t *lv, int64_t now)
{
	int64_t el;

	if (!lv->running || lv->paused)
		return lv->hw;
	el = now - lv->start_ns;
	if (el <= 0)
		return 0;
	return (uint64_t)((long double)el * lv->rate * lv->speed / 1e9L); /* floor: positive */
}

static void write_frames(loavcard_t *lv, size_t pos, uint64_t n, long long idx)
{
	size_t bytes = n * lv->frame_bytes;
	off_t off = WAV_HEADER_BYTES + (off_t)idx * lv->frame_bytes;

	if (idx < 0)
		return;
	if (vcard_writer_pwrite(lv->writer, lv->fd, lv->path, lv->ring + pos * lv->frame_bytes,
				bytes, off) < 0 && lv->write_errors++ == 0)
		SNDERR("loavcard: no memory to record into '%s'", lv->path);
	if ((uint64_t)idx + n > lv->data_frames)
		lv->data_frames = (uint64_t)idx + n;
}

/* Write frames [flushed, upto) of this run to the file at their wall-time index. */
static void flush_to(loavcard_t *lv, uint64_t upto)
{
	long double base;
	long long base_r;

	if (upto > lv->written)
		upto = lv->written;
	if (upto <= lv->flushed || !lv->ring)
		return;
	base = (long double)(lv->start_ns - lv->t0_mono_ns) * lv->rate / 1e9L;
	base_r = round_nonneg(base);
	while (lv->flushed < upto) {
		uint64_t k = lv->flushed;
		size_t pos = k % lv->ring_frames;
		long long idx0 = lv->ppm == 0 ? base_r + (long long)k : round_nonneg(base + k / lv->speed);
		uint64_t n = 1;
		/* extend the chunk while both ring and file indices stay contiguous */
		while (k + n < upto && pos + n < lv->ring_frames) {
			long long idx = lv->ppm == 0 ? base_r + (long long)(k + n)
					: round_nonneg(base + (k + n) / lv->speed);
			if (idx != idx0 + (long long)n)
				break;
			n++;
		}
		/* a slow clock (ppm < 0) skips a file frame now and then: fill that
		 * one-frame hole with the next frame instead of leaving a zero frame */
		if (lv->prev_idx >= 0 && idx0 == lv->prev_idx + 2)
			write_frames(lv, pos, 1, idx0 - 1);
		write_frames(lv, pos, n, idx0);
		lv->prev_idx = idx0 + (long long)n - 1;
		lv->flushed += n;
	}
}

static void sync_files(loavcard_t *lv, int64_t now, int force)
{
	if (!force && now - lv->last_sync_ns < NS_PER_S)
		return;
	lv->last_sync_ns = now;
	wav_write_header(lv);
	if (lv->have_t0)
		write_stamp(lv);
}

static void timer_set(loavcard_t *lv, int64_t first_abs_ns, int64_t interval_ns)
{
	struct itimerspec its = { 0 };
	if (first_abs_ns > 0) {
		its.it_value.tv_sec = first_abs_ns / NS_PER_S;
		its.it_value.tv_nsec = first_abs_ns % NS_PER_S;
		its.it_interval.tv_sec = interval_ns / NS_PER_S;
		its.it_interval.tv_nsec = interval_ns % NS_PER_S;
	}
	timerfd_settime(lv->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Stop consuming: frames played until now go to the file, the rest is dropped. */
static void halt(loavcard_t *lv, int64_t now)
{
	if (lv->running && !lv->in_xrun) {
		uint64_t hw = hw_now(lv, now);
		if (hw > lv->written)
			hw = lv->written;
		flush_to(lv, hw);
		lv->hw = hw;
	}
	lv->running = 0;
	lv->paused = 0;
	timer_set(lv, 0, 0);
	sync_files(lv, now, 1);
}

static int lv_start(snd_pcm_ioplug_t *io)
{
	loavcard_t *lv = io->private_data;
	int64_t now, real;

	pthread_mutex_lock(&lv->lock);
	clock_pair(&now, &real);
	if (!lv->have_t0) {
		lv->have_t0 = 1;
		lv->t0_mono_ns = now;
		lv->t0_real_ns = real;
	}
	lv->start_ns = now;
	lv->prev_idx = -1;
	lv->running = 1;
	lv->paused = 0;
	lv->in_xrun = 0;
	lv->starts++;
	timer_set(lv, now + lv->period_ns, lv->period_ns);
	sync_files(lv, now, lv->starts == 1);
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

static int lv_stop(snd_pcm_ioplug_t *io)
{
	loavcard_t *lv = io->private_data;

	pthread_mutex_lock(&lv->lock);
	halt(lv, clock_ns(CLOCK_MONOTONIC));
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

/* Fault injection: the card is gone while its fail_file exists. */
static int unplugged(const loavcard_t *lv)
{
	return lv->fail_path && access(lv->fail_path, F_OK) == 0;
}

/* Once it has seen its card unplugged, a handle is DISCONNECTED, as the
 * kernel marks a USB card's: alsa-lib then fails every write, wait and
 * prepare on it with ENODEV, also after the card is back (the application
 * must open it again). Without the state, an underrun left the handle in
 * XRUN and gstalsasink's recovery retried prepare until the card returned,
 * holding up the pipeline's stop that long. */
static int gone(loavcard_t *lv) /* lv->lock held */
{
	if (!lv->disconnected && !unplugged(lv))
		return 0;
	lv->disconnected = 1;
	snd_pcm_ioplug_set_state(&lv->io, SND_PCM_STATE_DISCONNECTED);
	return 1;
}

static snd_pcm_sframes_t lv_pointer(snd_pcm_ioplug_t *io)
{
	loavcard_t *lv = io->private_data;
	snd_pcm_sframes_t ret;
	int64_t now;
	uint64_t hw;

	/* The position of a gone card stays put, without an error: alsa-lib
	 * takes any error from here for an underrun (XRUN). */
	pthread_mutex_lock(&lv->lock);
	if (gone(lv)) {
		ret = (snd_pcm_sframes_t)(lv->hw % lv->boundary);
		pthread_mutex_unlock(&lv->lock);
		return ret;
	}
	if (lv->in_xrun) {
		pthread_mutex_unlock(&lv->lock);
		return -EPIPE;
	}
	/* File work first: the position returned is that of the instant read
	 * last, and the caller pairs it with its own clock read right after we
	 * return (GStreamer's clock slaving). Writing the played frames and the
	 * stamp between the two put the caller's read tens of microseconds
	 * (more with longer periods: more frames per write) after the
	 * position's instant, and spots came out that much early. What played
	 * since is written at the next call. */
	int64_t io_ns = 0;
	if (lv->running && !lv->paused) {
		now = clock_ns(CLOCK_MONOTONIC);
		flush_to(lv, hw_now(lv, now));
		sync_files(lv, now, 0);
		io_ns = clock_ns(CLOCK_MONOTONIC) - now;
		if (io_ns > lv->io_max_ns)
			lv->io_max_ns = io_ns;
	}
	now = clock_ns(CLOCK_MONOTONIC);
	hw = hw_now(lv, now);
	if (lv->running && !lv->paused && hw >= lv->written) {
		if (io->state != SND_PCM_STATE_DRAINING) {
			/* underrun: the hw pointer caught up with the application pointer */
			flush_to(lv, lv->written);
			lv->hw = lv->written;
			lv->in_xrun = 1;
			lv->xruns++;
			size_t used = strlen(lv->xrun_log);
			snprintf(lv->xrun_log + used, sizeof lv->xrun_log - used,
				 "%s%.3fs/io%.1fms/since-write%.1fms", used ? "," : "",
				 (now - lv->t0_mono_ns) / 1e9, io_ns / 1e6,
				 (now - lv->last_transfer_ns) / 1e6);
			sync_files(lv, now, 1);
			pthread_mutex_unlock(&lv->lock);
			return -EPIPE;
		}
		hw = lv->written;
	}
	if (!lv->running || lv->paused)
		flush_to(lv, hw);
	lv->hw = hw;
	ret = (snd_pcm_sframes_t)(hw % lv->boundary);
	pthread_mutex_unlock(&lv->lock);
	return ret;
}

static snd_pcm_sframes_t lv_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
				     snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	loavcard_t *lv = io->private_data;
	unsigned int sbytes;

	pthread_mutex_lock(&lv->lock);
	if (gone(lv)) {
		pthread_mutex_unlock(&lv->lock);
		return -ENODEV;
	}
	if (!lv->ring) {
		pthread_mutex_unlock(&lv->lock);
		return -EBADFD;
	}
	sbytes = lv->frame_bytes / lv->channels;
	if (lv->written + size - lv->flushed > lv->ring_frames) /* should not happen */
		flush_to(lv, lv->written + size - lv->ring_frames);
	for (snd_pcm_uframes_t i = 0; i < size; i++) {
		unsigned char *dst = lv->ring + ((lv->written + i) % lv->ring_frames) * lv->frame_bytes;
		for (unsigned int c = 0; c < lv->channels; c++) {
			const snd_pcm_channel_area_t *a = &areas[c];
			const unsigned char *src = (const unsigned char *)a->addr +
				(a->first + (offset + i) * a->step) / 8;
			memcpy(dst + c * sbytes, src, sbytes);
		}
	}
	lv->written += size;
	lv->frames_total += size;
	lv->last_transfer_ns = clock_ns(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&lv->lock);
	return (snd_pcm_sframes_t)size;
}

static int lv_prepare(snd_pcm_ioplug_t *io)
{
	loavcard_t *lv = io->private_data;
	int64_t now;

	pthread_mutex_lock(&lv->lock);
	if (gone(lv)) {
		pthread_mutex_unlock(&lv->lock);
		return -ENODEV;
	}
	now = clock_ns(CLOCK_MONOTONIC);
	if (lv->running)
		halt(lv, now);
	lv->written = lv->flushed = lv->hw = 0;
	lv->in_xrun = 0;
	/* wake pollers now and then also while prepared (not started) */
	timer_set(lv, now + 1, lv->period_ns);
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

static int lv_pause(snd_pcm_ioplug_t *io, int enable)
{
	loavcard_t *lv = io->private_data;
	int64_t now;

	pthread_mutex_lock(&lv->lock);
	now = clock_ns(CLOCK_MONOTONIC);
	if (enable && lv->running && !lv->paused) {
		uint64_t hw = hw_now(lv, now);
		if (hw > lv->written)
			hw = lv->written;
		flush_to(lv, hw);
		lv->hw = hw;
		lv->paused = 1;
		lv->pause_ns = now;
		timer_set(lv, 0, 0);
	} else if (!enable && lv->paused) {
		lv->start_ns += now - lv->pause_ns;
		lv->paused = 0;
		timer_set(lv, now + lv->period_ns, lv->period_ns);
	}
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

static int lv_hw_params(snd_pcm_ioplug_t *io, snd_pcm_hw_params_t *params)
{
	loavcard_t *lv = io->private_data;
	unsigned int fb = (unsigned int)snd_pcm_format_physical_width(io->format) / 8 * io->channels;
	int same = lv->header_valid && lv->format == io->format && lv->channels == io->channels &&
		   lv->rate == io->rate;
	(void)params;

	pthread_mutex_lock(&lv->lock);
	free(lv->ring);
	lv->ring_frames = io->buffer_size;
	lv->ring = calloc(io->buffer_size, fb);
	if (!lv->ring) {
		pthread_mutex_unlock(&lv->lock);
		return -ENOMEM;
	}
	lv->format = io->format;
	lv->channels = io->channels;
	lv->rate = io->rate;
	lv->frame_bytes = fb;
	{
		/* round the period up so that hw >= n periods at the n-th timer expiry */
		long double p = io->period_size * 1e9L / (io->rate * lv->speed);
		lv->period_ns = (int64_t)p;
		if ((long double)lv->period_ns < p)
			lv->period_ns++;
	}
	if (lv->period_ns < 100000)
		lv->period_ns = 100000;
	lv->avail_min = io->period_size;
	/* the same boundary alsa-lib computes for the PCM */
	lv->boundary = io->buffer_size;
	while (lv->boundary * 2 <= LONG_MAX - io->buffer_size)
		lv->boundary *= 2;
	if (!same) {
		/* new file (or the format changed): start a new timeline, after
		 * the writes queued for the old one */
		vcard_writer_drain(lv->writer);
		if (ftruncate(lv->fd, 0) < 0) {
			SNDERR("loavcard: cannot truncate '%s' (parameter 'file'): %s",
			       lv->path, strerror(errno));
			pthread_mutex_unlock(&lv->lock);
			return -errno;
		}
		lv->have_t0 = 0;
		lv->data_frames = lv->frames_total = 0;
		lv->xruns = lv->starts = 0;
		lv->io_max_ns = 0;
		lv->xrun_log[0] = 0;
		lv->header_valid = 1;
		wav_write_header(lv);
	}
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

static int lv_hw_free(snd_pcm_ioplug_t *io)
{
	loavcard_t *lv = io->private_data;

	pthread_mutex_lock(&lv->lock);
	free(lv->ring);
	lv->ring = NULL;
	lv->ring_frames = 0;
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

static int lv_sw_params(snd_pcm_ioplug_t *io, snd_pcm_sw_params_t *params)
{
	loavcard_t *lv = io->private_data;
	snd_pcm_uframes_t v;

	pthread_mutex_lock(&lv->lock);
	if (snd_pcm_sw_params_get_avail_min(params, &v) == 0)
		lv->avail_min = v ? v : 1;
	if (snd_pcm_sw_params_get_boundary(params, &v) == 0 && v)
		lv->boundary = v;
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

static int lv_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds,
			   unsigned short *revents)
{
	loavcard_t *lv = io->private_data;
	snd_pcm_sframes_t avail;
	uint64_t expirations;
	int disconnected;

	if (nfds >= 1 && (pfd[0].revents & POLLIN)) {
		if (read(lv->tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
			return -errno;
	}
	/* A gone card's poll says POLLERR, as the kernel's does: alsa-lib's
	 * wait then returns the state's ENODEV instead of waiting for room
	 * that never comes. */
	pthread_mutex_lock(&lv->lock);
	disconnected = gone(lv);
	pthread_mutex_unlock(&lv->lock);
	if (disconnected) {
		*revents = POLLOUT | POLLERR;
		return 0;
	}
	avail = snd_pcm_avail_update(io->pcm);
	if (avail < 0)
		*revents = POLLOUT | POLLERR;
	else
		*revents = (snd_pcm_uframes_t)avail >= lv->avail_min ? POLLOUT : 0;
	return 0;
}

static void lv_dump(snd_pcm_ioplug_t *io, snd_output_t *out)
{
	loavcard_t *lv = io->private_data;

	snd_output_printf(out, "loavcard virtual card: file '%s', ppm %g\n", lv->path, lv->ppm);
	if (io->pcm && snd_pcm_state(io->pcm) != SND_PCM_STATE_OPEN) {
		snd_output_printf(out, "Its setup is:\n");
		snd_pcm_dump_setup(io->pcm, out);
	}
}

static int lv_close(snd_pcm_ioplug_t *io)
{
	loavcard_t *lv = io->private_data;

	if (lv->running)
		halt(lv, clock_ns(CLOCK_MONOTONIC));
	if (lv->header_valid) {
		wav_write_header(lv);
		write_stamp(lv);
	}
	vcard_writer_free(lv->writer); /* after its last jobs */
	if (!lv->header_valid && lv->created)
		unlink(lv->path); /* opened (e.g. probed) but never configured */
	if (lv->fd >= 0)
		close(lv->fd);
	if (lv->tfd >= 0)
		close(lv->tfd);
	free(lv->ring);
	free(lv->path);
	free(lv->fail_path);
	free(lv->stamp_path);
	pthread_mutex_destroy(&lv->lock);
	free(lv);
	return 0;
}

static const snd_pcm_ioplug_callback_t lv_callback = {
	.start = lv_start,
	.stop = lv_stop,
	.pointer = lv_pointer,
	.transfer = lv_transfer,
	.close = lv_close,
	.hw_params = lv_hw_params,
	.hw_free = lv_hw_free,
	.sw_params = lv_sw_params,
	.prepare = lv_prepare,
	.pause = lv_pause,
	.poll_revents = lv_poll_revents,
	.dump = lv_dump,
};

static int set_constraints(snd_pcm_ioplug_t *io)
{
	static const unsigned int access[] = {
		SND_PCM_ACCESS_RW_INTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED,
	};
	static const unsigned int formats[] = {
		SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE,
	};
	int err;

	if ((err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 2, access)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT, 3, formats)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 8)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE, 8000, 192000)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES,
						   64, 4 << 20)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, 2, 1024)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_BUFFER_BYTES,
						   128, 64 << 20)) < 0)
		return err;
	return 0;
}

SND_PCM_PLUGIN_DEFINE_FUNC(loavcard)
{
	snd_config_iterator_t i, next;
	const char *file = NULL, *fail_file = NULL;
	double ppm = 0;
	loavcard_t *lv;
	size_t n;
	int err;
	(void)root;

	snd_config_for_each(i, next, conf) {
		snd_config_t *node = snd_config_iterator_entry(i);
		const char *id, *s;
		if (snd_config_get_id(node, &id) < 0)
			continue;
		if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint"))
			continue;
		if (!strcmp(id, "file")) {
			if (snd_config_get_string(node, &file) < 0) {
				SNDERR("loavcard: parameter 'file' must be a string (a path)");
				return -EINVAL;
			}
		} else if (!strcmp(id, "fail_file")) {
			if (snd_config_get_string(node, &fail_file) < 0) {
				SNDERR("loavcard: parameter 'fail_file' must be a string (a path)");
				return -EINVAL;
			}
		} else if (!strcmp(id, "ppm")) {
			char *end = NULL;
			if (snd_config_get_ireal(node, &ppm) < 0) {
				if (snd_config_get_string(node, &s) < 0 ||
				    (ppm = strtod(s, &end), end == s || *end)) {
					SNDERR("loavcard: parameter 'ppm' must be a number");
					return -EINVAL;
				}
			}
		} else {
			SNDERR("loavcard: unknown parameter '%s' (known: file, ppm, fail_file)", id);
			return -EINVAL;
		}
	}
	if (!file || !*file) {
		SNDERR("loavcard: parameter 'file' is required (path of the WAV file to write)");
		return -EINVAL;
	}
	if (fail_file && access(fail_file, F_OK) == 0) {
		SNDERR("loavcard: the card is unplugged (%s exists)", fail_file);
		return -ENODEV;
	}
	if (!(ppm > -100000 && ppm < 100000)) {
		SNDERR("loavcard: parameter 'ppm' out of range (-100000..100000): %g", ppm);
		return -EINVAL;
	}
	if (stream != SND_PCM_STREAM_PLAYBACK) {
		SNDERR("loavcard: only playback is supported");
		return -EINVAL;
	}

	lv = calloc(1, sizeof *lv);
	if (!lv)
		return -ENOMEM;
	pthread_mutex_init(&lv->lock, NULL);
	lv->fd = lv->tfd = -1;
	lv->ppm = ppm;
	lv->speed = 1.0L + (long double)ppm * 1e-6L;
	lv->boundary = 1;
	lv->avail_min = 1;
	lv->period_ns = 10000000;
	lv->format = SND_PCM_FORMAT_S16_LE;
	lv->channels = 2;
	lv->rate = 48000;
	n = strlen(file) + 7;
	lv->path = strdup(file);
	lv->fail_path = fail_file ? strdup(fail_file) : NULL;
	lv->stamp_path = malloc(n);
	if (!lv->path || !lv->stamp_path || (fail_file && !lv->fail_path)) {
		err = -ENOMEM;
		goto fail;
	}
	snprintf(lv->stamp_path, n, "%s.stamp", file);
	lv->fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (lv->fd >= 0)
		lv->created = 1;
	else if (errno == EEXIST)
		lv->fd = open(file, O_RDWR | O_CLOEXEC);
	if (lv->fd < 0) {
		err = -errno;
		SNDERR("loavcard: cannot open '%s' (parameter 'file'): %s", file, strerror(errno));
		goto fail;
	}
	lv->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lv->tfd < 0) {
		err = -errno;
		SNDERR("loavcard: timerfd_create failed: %s", strerror(errno));
		goto fail;
	}
	lv->writer = vcard_writer_new();
	if (!lv->writer) {
		err = -errno;
		SNDERR("loavcard: cannot start its writer thread: %s", strerror(errno));
		goto fail;
	}

	lv->io.version = SND_PCM_IOPLUG_VERSION;
	lv->io.name = "Loa virtual card (loavcard)";
	lv->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC | SND_PCM_IOPLUG_FLAG_BOUNDARY_WA;
	lv->io.mmap_rw = 0;
	lv->io.poll_fd = lv->tfd;
	lv->io.poll_events = POLLIN;
	lv->io.callback = &lv_callback;
	lv->io.private_data = lv;

	err = snd_pcm_ioplug_create(&lv->io, name, stream, mode);
	if (err < 0)
		goto fail;
	err = set_constraints(&lv->io);
	if (err < 0) {
		snd_pcm_ioplug_delete(&lv->io); /* calls lv_close */
		return err;
	}
	*pcmp = lv->io.pcm;
	return 0;

fail:
	vcard_writer_free(lv->writer);
	if (lv->created)
		unlink(file);
	if (lv->fd >= 0)
		close(lv->fd);
	if (lv->tfd >= 0)
		close(lv->tfd);
	free(lv->path);
	free(lv->fail_path);
	free(lv->stamp_path);
	pthread_mutex_destroy(&lv->lock);
	free(lv);
	return err;
}

SND_PCM_PLUGIN_SYMBOL(loavcard);
