#include "lite_jobs.h"

#include "rv_alloc.h"
#include "rv_err.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

struct lite_job {
	void (*fn)(void *);
	void *arg;
	struct lite_job *next;
};

struct lite_jobs {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job was queued, or quit */
	pthread_cond_t idle;	/* a job finished */
	struct lite_job *head, **tail;
	unsigned queued;
	pthread_t *threads;
	unsigned nthreads, max_threads, nidle, running;
	bool quit;
};

static void *lite_jobs_main(void *arg)
{
	struct lite_jobs *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		struct lite_job *job;

		while (!j->head && !j->quit) {
			j->nidle++;
			pthread_cond_wait(&j->work, &j->lock);
			j->nidle--;
		}
		if (!j->head)
			break;
		job = j->head;
		j->head = job->next;
		if (!j->head)
			j->tail = &j->head;
		j->queued--;
		j->running++;
		pthread_mutex_unlock(&j->lock);
		job->fn(job->arg);
		free(job);
		pthread_mutex_lock(&j->lock);
		j->running--;
		pthread_cond_broadcast(&j->idle);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

struct lite_jobs *lite_jobs_new(unsigned max_threads)
{
	struct lite_jobs *j = rv_xcalloc(1, sizeof(*j));

	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->work, NULL);
	pthread_cond_init(&j->idle, NULL);
	j->tail = &j->head;
	j->max_threads = max_threads ? max_threads : 1;
	j->threads = rv_xcalloc(j->max_threads, sizeof(*j->threads));
	return j;
}

/* One more worker (lock held). */
static void lite_jobs_grow(struct lite_jobs *j)
{
	sigset_t all, old;
	int rc;

	/* workers leave signals to the server thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&j->threads[j->nthreads], NULL, lite_jobs_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		j->nthreads++;
	else if (!j->nthreads)
		rv_bug("cannot create a worker thread");
}

void lite_jobs_submit(struct lite_jobs *j, void (*fn)(void *), void *arg)
{
	struct lite_job *job = rv_xcalloc(1, sizeof(*job));

	job->fn = fn;
	job->arg = arg;
	pthread_mutex_lock(&j->lock);
	*j->tail = job;
	j->tail = &job->next;
	j->queued++;
	if (j->queued > j->nidle && j->nthreads < j->max_threads)
		lite_jobs_grow(j);
	pthread_cond_signal(&j->work);
	pthread_mutex_unlock(&j->lock);
}

void lite_jobs_drain(struct lite_jobs *j)
{
	pthread_mutex_lock(&j->lock);
	while (j->head || j->running)
		pthread_cond_wait(&j->idle, &j->lock);
	pthread_mutex_unlock(&j->lock);
}

void lite_jobs_free(struct lite_jobs *j)
{
	if (!j)
		return;
	lite_jobs_drain(j);
	pthread_mutex_lock(&j->lock);
	j->quit = true;
	pthread_cond_broadcast(&j->work);
	pthread_mutex_unlock(&j->lock);
	for (unsigned i = 0; i < j->nthreads; i++)
		pthread_join(j->threads[i], NULL);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->work);
	pthread_cond_destroy(&j->idle);
	free(j->threads);
	free(j);
}
