#include "pool.h"

#include "rv_alloc.h"
#include "rv_err.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

struct taskapp_pool_worker {
	struct taskapp_pool *pool;
	pthread_t thread;
	unsigned slot;
};

struct taskapp_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct taskapp_pool_item *head, *tail;
	unsigned queued, running, n;
	bool stopping;
	struct taskapp_pool_worker *workers;
};

static void *pool_main(void *arg)
{
	struct taskapp_pool_worker *w = arg;
	struct taskapp_pool *p = w->pool;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct taskapp_pool_item *it;

		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (!p->head)
			break;
		it = p->head;
		p->head = it->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->lock);
		it->next = NULL;
		it->run(it, w->slot);
		pthread_mutex_lock(&p->lock);
		p->running--;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct taskapp_pool *taskapp_pool_new(unsigned n)
{
	struct taskapp_pool *p = rv_xcalloc(1, sizeof(*p));
	sigset_t all, old;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->n = n ? n : 1;
	p->workers = rv_xcalloc(p->n, sizeof(*p->workers));
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < p->n; i++) {
		p->workers[i].pool = p;
		p->workers[i].slot = i;
		if (pthread_create(&p->workers[i].thread, NULL, pool_main,
				   &p->workers[i]))
			rv_bug("cannot start worker thread %u", i);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

bool taskapp_pool_submit(struct taskapp_pool *p, struct taskapp_pool_item *item)
{
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	item->next = NULL;
	if (p->tail)
		p->tail->next = item;
	else
		p->head = item;
	p->tail = item;
	p->queued++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return true;
}

void taskapp_pool_load(struct taskapp_pool *p, unsigned *running,
		       unsigned *queued)
{
	pthread_mutex_lock(&p->lock);
	*running = p->running;
	*queued = p->queued;
	pthread_mutex_unlock(&p->lock);
}

void taskapp_pool_free(struct taskapp_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->n; i++)
		pthread_join(p->workers[i].thread, NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}
