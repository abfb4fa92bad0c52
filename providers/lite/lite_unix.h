/*
 * lite_unix: unix stream sockets by path, for daytona-lite's server and
 * its toolbox daemon; and descriptors handed to children.
 *
 * Paths given here must lie in directories that nothing less trusted
 * than the caller can write: a path is followed as it is at the time of
 * the call.  (daytona-lite binds each sandbox's sockets in a directory
 * only it can write and hands the listening descriptors to the sandbox,
 * so that no path a sandbox can change is ever followed by root.)
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_UNIX_H
#define RUNEVAL_PROVIDERS_LITE_LITE_UNIX_H

/*
 * Listen on path (a stale socket there is replaced) with backlog; the
 * descriptor is close-on-exec.  -1 with errno set on failure.  A path too
 * long for a socket address is reached through its directory (only its
 * last component must be short).
 */
int lite_unix_listen(const char *path, int backlog);

/*
 * Connect to path without ever blocking: the socket is non-blocking and
 * close-on-exec, and a listener whose backlog is full (one that stopped
 * accepting) fails at once with EAGAIN.  -1 with errno set.
 */
int lite_unix_connect(const char *path);

/*
 * fd moved to a number of 16 or more (close-on-exec; fd itself is
 * closed), so that a forked child's dup2()s onto 0-15 never clash with
 * it.  -1 stays -1, and so does a failure.
 */
int lite_fd_high(int fd);

#endif
