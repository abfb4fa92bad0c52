/*
 * docker_engine: a private Docker Engine for the Docker suites.
 *
 *	struct docker_engine e;
 *	char why[512];
 *	if (!docker_engine_start(&e, why, sizeof(why)))
 *		... fail loudly: why says what went wrong ...
 *	... e.host_env ("DOCKER_HOST=unix://..."), e.net_env ...
 *	docker_engine_stop(&e);
 *
 * dockerd (Debian docker.io) runs as root on its own socket, data root
 * and exec root under a temporary directory, changing nothing of the
 * host's networking (no iptables, no forwarding, no masquerade, no
 * docker0); a user-defined bridge on a private subnet of its own carries
 * the containers, so that published ports work (docker-proxy).  The
 * images come from scripts/docker-image.sh (a cached rootfs tarball,
 * imported: runeval-taskapp:bookworm and runeval-scratch:busybox), and
 * DOCKER_ENGINE_EMPTY_IMAGE, an image with no files at all: a container
 * of it is made, then fails to start (no /bin/sh).
 * docker_engine_stop() removes every container, then the network (or its
 * bridge and a mount stay behind), then stops dockerd and removes the
 * directory, unmounting anything left under it.
 */
#ifndef RUNEVAL_TESTS_DOCKER_ENGINE_H
#define RUNEVAL_TESTS_DOCKER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct docker_engine {
	char *dir;			/* temporary root of it all */
	char *sock;			/* its API socket */
	char host[300];			/* "unix://<sock>" */
	char host_env[320];		/* "DOCKER_HOST=unix://..." */
	char network[16];		/* the bridge network's (and bridge's)
					   name */
	char net_env[64];		/* "RUNEVAL_DOCKER_NETWORK=<network>" */
	pid_t pid;			/* dockerd */
	bool net_made;
};

/* Start it and load the images; false with the reason in why. */
bool docker_engine_start(struct docker_engine *e, char *why, size_t n);

/* Tear it all down (safe on a half-started engine, and to repeat). */
void docker_engine_stop(struct docker_engine *e);

#define DOCKER_ENGINE_EMPTY_IMAGE "runeval-empty:none"

/* Containers (all states) labelled runeval.job, or -1 on error. */
int docker_engine_containers(const struct docker_engine *e);

/* Containers (all states) labelled runeval.job=job, or -1 on error. */
int docker_engine_job_containers(const struct docker_engine *e,
				 const char *job);

/* Images labelled runeval.job (snapshots), or -1 on error. */
int docker_engine_images(const struct docker_engine *e);

/*
 * Start engine e for a suite, or print why and exit(1): a suite that
 * cannot have its engine fails loudly, it never passes silently.
 * Registers docker_engine_stop() to run at exit.
 */
void docker_engine_start_or_die(struct docker_engine *e, const char *suite);

#endif
