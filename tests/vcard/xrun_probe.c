/*
 * loavcard-xrun-probe DEVICE - test helper for the loavcard plugin.
 *
 * Plays 12000 frames (48 kHz S16 stereo) of the constant value 1000, lets the
 * device underrun for SLEEP_MS, checks that the next write reports -EPIPE,
 * prepares again and plays 12000 frames of value 2000, then drains.
 * Prints key=value lines with the CLOCK_MONOTONIC instants just before each
 * first write so that the test can check where the runs landed in the file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <alsa/asoundlib.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define RATE 48000
#define CH 2
#define SLEEP_MS 400

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int play(snd_pcm_t *pcm, short value, int frames)
{
	short buf[960 * CH];
	for (int i = 0; i < 960 * CH; i++)
		buf[i] = value;
	while (frames > 0) {
		int n = frames < 960 ? frames : 960;
		snd_pcm_sframes_t r = snd_pcm_writei(pcm, buf, n);
		if (r < 0)
			return (int)r;
		frames -= (int)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	snd_pcm_t *pcm;
	int64_t t1, t2;
	short one[CH] = { 5, 5 };
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DEVICE\n", argv[0]);
		return 1;
	}
	if ((err = snd_pcm_open(&pcm, argv[1], SND_PCM_STREAM_PLAYBACK, 0)) < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], snd_strerror(err));
		return 1;
	}
	/* 100 ms buffer; alsa-lib default start threshold 1: starts on the first write */
	if ((err = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
				      CH, RATE, 0, 100000)) < 0) {
		fprintf(stderr, "set_params: %s\n", snd_strerror(err));
		return 1;
	}
	t1 = mono_ns();
	if ((err = play(pcm, 1000, 12000)) < 0) {
		fprintf(stderr, "unexpected error in run 1: %s\n", snd_strerror(err));
		return 1;
	}
	struct timespec ts = { 0, SLEEP_MS * 1000000L };
	nanosleep(&ts, NULL);
	err = (int)snd_pcm_writei(pcm, one, 1);
	printf("write_after_sleep=%d\n", err);
	if (err != -EPIPE) {
		fprintf(stderr, "expected -EPIPE after the underrun, got %d\n", err);
		return 1;
	}
	if ((err = snd_pcm_prepare(pcm)) < 0) {
		fprintf(stderr, "prepare: %s\n", snd_strerror(err));
		return 1;
	}
	t2 = mono_ns();
	if ((err = play(pcm, 2000, 12000)) < 0) {
		fprintf(stderr, "unexpected error in run 2: %s\n", snd_strerror(err));
		return 1;
	}
	if ((err = snd_pcm_drain(pcm)) < 0) {
		fprintf(stderr, "drain: %s\n", snd_strerror(err));
		return 1;
	}
	snd_pcm_close(pcm);
	printf("t1_monotonic_ns=%lld\nt2_monotonic_ns=%lld\n", (long long)t1, (long long)t2);
	return 0;
}
