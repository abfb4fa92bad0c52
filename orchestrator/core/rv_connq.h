/*
 * rv_connq: a bound on a server's connections that sheds idle ones first.
 *
 * A server counts each connection from accept to close and keeps those
 * that wait for a request head (new ones, and keep-alive ones between
 * requests) in a queue, oldest first.  When a new connection would go
 * over the bound, the oldest waiting one is the one to close: a flood of
 * idle or slow connections (slowloris) then only ever displaces its own
 * kind, and a client that sends its request promptly is served.  When
 * every connection is busy with a request, the new one is refused.
 *
 * Intrusive and allocation-free: the server embeds a struct
 * rv_connq_node in its connection.  Not thread-safe (one service thread).
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_CONNQ_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_CONNQ_H

#include <stdbool.h>

struct rv_connq_node {
	struct rv_connq_node *prev, *next;	/* in the waiting queue */
	bool waiting;		/* in the queue */
	bool counted;		/* between rv_connq_add and _remove */
	void *owner;		/* the server's connection */
};

struct rv_connq {
	struct rv_connq_node *head, *tail;	/* waiting, oldest first */
	unsigned count;		/* connections open */
	unsigned max;
};

void rv_connq_init(struct rv_connq *q, unsigned max);

/*
 * A new connection, waiting for its first head.  Returns the owner of
 * the connection to close to make room (taken out of the queue, still
 * counted until its rv_connq_remove), or NULL.  *refuse is set when the
 * new connection itself must be closed: over the bound with none
 * waiting (it is not counted then).
 */
void *rv_connq_add(struct rv_connq *q, struct rv_connq_node *n, void *owner,
		   bool *refuse);

/* A request head arrived: n is busy, never shed. */
void rv_connq_busy(struct rv_connq *q, struct rv_connq_node *n);

/* The request is answered: n waits for the next head (or closes). */
void rv_connq_wait(struct rv_connq *q, struct rv_connq_node *n);

/* The connection closed (any state; a node never added is fine). */
void rv_connq_remove(struct rv_connq *q, struct rv_connq_node *n);

/*
 * How many connections of fds_each descriptors fit beside reserve other
 * descriptors, up to want: raises the soft RLIMIT_NOFILE towards the
 * hard one as needed.  At least 1.
 */
unsigned rv_connq_fit(unsigned want, unsigned fds_each, unsigned reserve);

#endif
