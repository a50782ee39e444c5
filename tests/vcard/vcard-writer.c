/* The virtual card's file work in a thread of its own (see vcard-writer.h). */
#include "vcard-writer.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
	struct job *next;
	int fd;                /* pwrite job: fd >= 0; replace job: -1 */
	off_t off;
	size_t bytes;
	char *path;            /* pwrite: fd's name for errors; replace: the file */
	unsigned char data[];  /* pwrite: the bytes; replace: the text */
} job_t;

struct vcard_writer {
	pthread_mutex_t lock;
	pthread_cond_t queued, done;
	job_t *head, *tail;
	int busy;              /* the thread is running a job it took */
	int stopping;
	pthread_t thread;
	unsigned int errors;
	int64_t longest_ns;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* 0 or an errno; runs without the writer's lock. */
static int run_job(const job_t *job)
{
	if (job->fd >= 0) {
		ssize_t n = pwrite(job->fd, job->data, job->bytes, job->off);
		if (n < 0)
			return errno;
		return (size_t)n == job->bytes ? 0 : EIO;
	}
	size_t n = strlen(job->path) + 5;
	char *tmp = malloc(n);
	if (!tmp)
		return ENOMEM;
	snprintf(tmp, n, "%s.tmp", job->path);
	int err = 0;
	FILE *f = fopen(tmp, "w");
	if (!f)
		err = errno;
	else if (fwrite(job->data, 1, job->bytes, f) != job->bytes)
		err = EIO;
	if (f && fclose(f) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, job->path) < 0)
		err = errno;
	free(tmp);
	return err;
}

static void *writer_thread(void *data)
{
	vcard_writer_t *w = data;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->queued, &w->lock);
		if (!w->head)
			break;
		job_t *job = w->head;
		w->head = job->next;
		if (!w->head)
			w->tail = NULL;
		w->busy = 1;
		pthread_mutex_unlock(&w->lock);

		int64_t t = mono_ns();
		int err = run_job(job);
		t = mono_ns() - t;

		pthread_mutex_lock(&w->lock);
		if (err && w->errors++ == 0)
			SNDERR("loavcard: cannot write '%s': %s", job->path, strerror(err));
		if (t > w->longest_ns)
			w->longest_ns = t;
		w->busy = 0;
		free(job->path);
		free(job);
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

vcard_writer_t *vcard_writer_new(void)
{
	vcard_writer_t *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->queued, NULL);
	pthread_cond_init(&w->done, NULL);
	int err = pthread_create(&w->thread, NULL, writer_thread, w);
	if (err) {
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->queued);
		pthread_mutex_destroy(&w->lock);
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

static int enqueue(vcard_writer_t *w, int fd, const char *path, const void *data, size_t bytes,
		   off_t off)
{
	job_t *job = malloc(sizeof *job + bytes);
	if (!job)
		return -ENOMEM;
	job->path = strdup(path);
	if (!job->path) {
		free(job);
		return -ENOMEM;
	}
	job->next = NULL;
	job->fd = fd;
	job->off = off;
	job->bytes = bytes;
	memcpy(job->data, data, bytes);
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->queued);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int vcard_writer_pwrite(vcard_writer_t *w, int fd, const char *path, const void *data,
			size_t bytes, off_t off)
{
	return enqueue(w, fd, path, data, bytes, off);
}

int vcard_writer_replace(vcard_writer_t *w, const char *path, const char *text)
{
	return enqueue(w, -1, path, text, strlen(text), 0);
}

void vcard_writer_drain(vcard_writer_t *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->head || w->busy)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

unsigned int vcard_writer_errors(vcard_writer_t *w)
{
	pthread_mutex_lock(&w->lock);
	unsigned int errors = w->errors;
	pthread_mutex_unlock(&w->lock);
	return errors;
}

int64_t vcard_writer_longest_ns(vcard_writer_t *w)
{
	pthread_mutex_lock(&w->lock);
	int64_t longest = w->longest_ns;
	pthread_mutex_unlock(&w->lock);
	return longest;
}

void vcard_writer_free(vcard_writer_t *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->queued);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->queued);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
