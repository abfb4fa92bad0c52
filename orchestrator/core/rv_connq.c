/* rv_connq: a connection bound that sheds the oldest waiting connection. */
#include "rv_connq.h"

#include <stddef.h>
#include <sys/resource.h>

void rv_connq_init(struct rv_connq *q, unsigned max)
{
	q->head = q->tail = NULL;
	q->count = 0;
	q->max = max ? max : 1;
}

static void rv_connq_unlink(struct rv_connq *q, struct rv_connq_node *n)
{
	if (!n->waiting)
		return;
	if (n->prev)
		n->prev->next = n->next;
	else
		q->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		q->tail = n->prev;
	n->prev = n->next = NULL;
	n->waiting = false;
}

void rv_connq_wait(struct rv_connq *q, struct rv_connq_node *n)
{
	if (!n->counted || n->waiting)
		return;
	n->prev = q->tail;
	n->next = NULL;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	n->waiting = true;
}

void rv_connq_busy(struct rv_connq *q, struct rv_connq_node *n)
{
	rv_connq_unlink(q, n);
}

void *rv_connq_add(struct rv_connq *q, struct rv_connq_node *n, void *owner,
		   bool *refuse)
{
	struct rv_connq_node *victim = NULL;

	*refuse = false;
	n->prev = n->next = NULL;
	n->waiting = n->counted = false;
	n->owner = owner;
	if (q->count >= q->max) {
		victim = q->head;
		if (!victim) {
			*refuse = true;
			return NULL;
		}
		rv_connq_unlink(q, victim);
	}
	n->counted = true;
	q->count++;
	rv_connq_wait(q, n);
	return victim ? victim->owner : NULL;
}

void rv_connq_remove(struct rv_connq *q, struct rv_connq_node *n)
{
	if (!n->counted)
		return;
	rv_connq_unlink(q, n);
	n->counted = false;
	q->count--;
}

unsigned rv_connq_fit(unsigned want, unsigned fds_each, unsigned reserve)
{
	struct rlimit r;
	rlim_t need = (rlim_t)want * fds_each + reserve;
	unsigned fit;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return want;
	if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < need) {
		r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > need ?
			need : r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
		getrlimit(RLIMIT_NOFILE, &r);
	}
	if (r.rlim_cur == RLIM_INFINITY || r.rlim_cur >= need)
		return want;
	fit = r.rlim_cur > reserve ? (unsigned)((r.rlim_cur - reserve) /
						 fds_each) : 0;
	return fit ? fit : 1;
}
