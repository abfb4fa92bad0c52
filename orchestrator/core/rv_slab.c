/* rv_slab: objects of one size from blocks of many (see rv_slab.h). */
#include "rv_slab.h"

#include "rv_alloc.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Under a memory checker every object is its own allocation, so that
 * overflows, use after free, double frees and leaks of the records (and
 * of what they own) stay visible: under ASan (gcc says so with
 * __SANITIZE_ADDRESS__, clang with __has_feature), and under valgrind,
 * which scripts/run-tests.sh announces with RUNEVAL_VALGRIND.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RV_SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RV_SLAB_ASAN 1
#endif
#endif

#ifndef RV_SLAB_ASAN
static bool slab_checked;

static void slab_checker_init(void)
{
	slab_checked = getenv("RUNEVAL_VALGRIND") != NULL;
}
#endif

#define RV_SLAB_BLOCK_BYTES (64 * 1024)

struct rv_slab_block {
	struct rv_slab_block *next;
	size_t count;			/* objects it holds */
	alignas(max_align_t) unsigned char objects[];
};

struct rv_slab_free {
	struct rv_slab_free *next;
};

/* One object's stride: its size, room for a free-list link, aligned. */
static size_t slab_stride(const struct rv_slab *slab)
{
	size_t a = alignof(max_align_t), s = slab->size;

	if (s < sizeof(struct rv_slab_free))
		s = sizeof(struct rv_slab_free);
	return (s + a - 1) / a * a;
}

static void *slab_carve(struct rv_slab *slab)
{
	size_t stride = slab_stride(slab);
	struct rv_slab_block *b = slab->blocks;

	if (!b || slab->used == b->count) {
		size_t count = (RV_SLAB_BLOCK_BYTES - sizeof(*b)) / stride;

		if (count == 0)
			count = 1;
		b = rv_xmalloc(sizeof(*b) + count * stride);
		b->count = count;
		b->next = slab->blocks;
		slab->blocks = b;
		slab->used = 0;
	}
	return b->objects + stride * slab->used++;
}

/* Each object its own calloc?  Decided once, before any object. */
static bool slab_per_object(void)
{
#ifdef RV_SLAB_ASAN
	return true;
#else
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, slab_checker_init);
	return slab_checked;
#endif
}

void *rv_slab_zalloc(struct rv_slab *slab)
{
	struct rv_slab_free *f;
	void *p;

	if (slab_per_object())
		return rv_xcalloc(1, slab->size);
	pthread_mutex_lock(&slab->lock);
	if ((f = slab->free)) {
		p = f;
		slab->free = f->next;
	} else {
		p = slab_carve(slab);
	}
	pthread_mutex_unlock(&slab->lock);
	memset(p, 0, slab->size);
	return p;
}

void rv_slab_free(struct rv_slab *slab, void *object)
{
	struct rv_slab_free *f = object;

	if (slab_per_object()) {
		free(object);
		return;
	}
	if (!f)
		return;
	pthread_mutex_lock(&slab->lock);
	f->next = slab->free;
	slab->free = f;
	pthread_mutex_unlock(&slab->lock);
}
