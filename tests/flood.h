/*
 * flood: many idle or slow client connections to a server on loopback,
 * the way a connection flood or slowloris would hold them.
 */
#ifndef RUNEVAL_TESTS_FLOOD_H
#define RUNEVAL_TESTS_FLOOD_H

#include <stdbool.h>
#include <stddef.h>

struct flood {
	int *fds;
	size_t n;
};

/*
 * Open up to n connections to 127.0.0.1:port that send nothing (the
 * soft descriptor limit is raised as needed); how many opened is f->n.
 */
void flood_open(struct flood *f, int port, size_t n);

/* Send s on every connection still open (a slow head, a byte at a time). */
void flood_send(struct flood *f, const char *s);

/*
 * How many of the connections the server has closed (read gives EOF or
 * an error), waiting up to timeout_ms for all of them.
 */
size_t flood_closed(struct flood *f, int timeout_ms);

void flood_close(struct flood *f);

/*
 * One GET of path on 127.0.0.1:port with headers (a "\r\n"-separated
 * block or ""): the status, or 0 when no answer came within timeout_ms.
 */
int flood_get(int port, const char *path, const char *headers,
	      int timeout_ms);

#endif
