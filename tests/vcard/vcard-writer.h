/* The virtual card's file work (its recording, the recording's header and
 * its stamp file), done in a thread of its own so that the emulated card
 * never waits for the disk.
 *
 * Why: the card's position is read in the same call that wrote what had
 * played. On these machines' shared disk one such call took up to 93 ms
 * (a pwrite to a page under writeback, or the stamp's create and rename);
 * while it lasts the application cannot write, and a stall longer than
 * the buffer's slack is an underrun that the application did not cause.
 *
 * Jobs run in the order they were queued, so a header or stamp is written
 * after the frames it counts. Queueing copies the data and never blocks on
 * the disk. */
#ifndef LOA_VCARD_WRITER_H
#define LOA_VCARD_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct vcard_writer vcard_writer_t;

/* A writer with its thread running, or NULL with errno set. */
vcard_writer_t *vcard_writer_new(void);

/* Queues pwrite(fd, copy of data, bytes, off); path names fd in the one
 * error report the writer gives. 0, or -ENOMEM (nothing queued). */
int vcard_writer_pwrite(vcard_writer_t *w, int fd, const char *path, const void *data,
			size_t bytes, off_t off);

/* Queues the replacement of path's contents by text (written to path.tmp,
 * then renamed over path, so a reader sees the old or the new whole).
 * 0, or -ENOMEM (nothing queued). */
int vcard_writer_replace(vcard_writer_t *w, const char *path, const char *text);

/* Returns once every job queued before the call is done. */
void vcard_writer_drain(vcard_writer_t *w);

/* Failed jobs so far; the longest job so far, in nanoseconds. */
unsigned int vcard_writer_errors(vcard_writer_t *w);
int64_t vcard_writer_longest_ns(vcard_writer_t *w);

/* Drains, stops the thread and frees the writer (NULL: nothing). */
void vcard_writer_free(vcard_writer_t *w);

#endif
