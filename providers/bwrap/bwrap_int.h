/*
 * bwrap_int: what the bwrap provider's files share (bwrap.h is the
 * interface): the engine's host, set up once per process and released
 * with the last sandbox, the sandbox records, and the id locks.
 */
#ifndef RUNEVAL_PROVIDERS_BWRAP_BWRAP_INT_H
#define RUNEVAL_PROVIDERS_BWRAP_BWRAP_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "lite_box.h"
#include "provider.h"

/* The engine's host; NULL with err when it cannot be set up. */
struct lite_box_host *bwrap_host_get(struct rv_err *err);
/* One reference fewer; the last releases the host. */
void bwrap_host_put(void);

/*
 * As root: the first free ids of the range, locked (*lock_fd, -1 when
 * not root) until bwrap_ids_release(); false when every one is taken.
 */
bool bwrap_ids_pick(const struct lite_box_host *h,
		    struct lite_box_limits *lim, int *lock_fd);
void bwrap_ids_release(int lock_fd);

/* What a record says of a sandbox. */
struct bwrap_record {
	char *id, *name, *job;
	struct lite_box_proc proc;
	long uid, gid;
};

/* Write id's record (replacing it). */
enum rv_code bwrap_record_write(const struct lite_box_host *h,
				const struct bwrap_record *r,
				struct rv_err *err);
/* Read id's record; RV_ERR_NOTFOUND when there is none. */
enum rv_code bwrap_record_read(const struct lite_box_host *h, const char *id,
			       struct bwrap_record *r, struct rv_err *err);
void bwrap_record_release(struct bwrap_record *r);

#endif
