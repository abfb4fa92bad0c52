/*
 * rv_fs: small file-system helpers shared by every folder.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_FS_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "rv_err.h"

struct rv_buf;

/*
 * mkdir -p: create path and every missing parent with mode; existing
 * directories are fine.  On failure err says "cannot create '<the
 * component that failed>': <reason>" with code RV_ERR_IO.
 */
enum rv_code rv_mkdirs(const char *path, mode_t mode, struct rv_err *err);

/*
 * Lock the directory at path for this process: an exclusive flock on
 * the directory itself, held until *fd is closed (-1 when there is
 * nothing to hold: it cannot be opened, or a file system without flock;
 * nothing guards it then).  RV_ERR_USAGE, naming it, when another
 * process holds it: a results directory is one runeval's at a time.
 */
enum rv_code rv_lock_dir(const char *path, int *fd, struct rv_err *err);

/*
 * Write all len bytes of data to fd, retrying short writes and EINTR.
 * Sockets are written with MSG_NOSIGNAL (a closed peer is EPIPE, never
 * SIGPIPE).  Returns 0, or -1 with errno set.  Async-signal-safe (only
 * send() and write()), so a fork()ed child may use it before exec.
 */
int rv_write_all(int fd, const void *data, size_t len);

/*
 * Remove path and, when it is a directory, everything below it, without
 * ever following a symbolic link (each level is opened with O_NOFOLLOW
 * relative to its parent, so a tree that someone else can write cannot
 * send the removal elsewhere); a directory without permissions is made
 * writable first.  A path that does not exist is RV_OK.  Keeps going
 * after a failure and then reports RV_ERR_IO naming path.
 */
enum rv_code rv_remove_tree(const char *path, struct rv_err *err);

/*
 * Replace path whole or not at all: fill(f, arg) writes the content into
 * a temporary file next to it ("<path>.tmp.<pid>"), which is renamed over
 * path once fill returned true and every byte was flushed (and, with
 * sync, fsync'ed); on any failure the temporary file is removed and path
 * is untouched.  Errors are RV_ERR_IO: "cannot write '<tmp>': <reason>"
 * or "cannot rename '<tmp>' to '<path>': <reason>".  f is fully
 * buffered in RV_FS_WRITE_BUF bytes: a big file goes out in few writes.
 */
#define RV_FS_WRITE_BUF (256u << 10)
enum rv_code rv_replace_file(const char *path,
			     bool (*fill)(FILE *f, void *arg), void *arg,
			     bool sync, struct rv_err *err);

/*
 * Append all of fd to out, named name in errors: at most max bytes
 * (RV_ERR_LIMIT past that: "'name' is larger than ..."), RV_ERR_IO when a
 * read fails.  A regular file is read to the size it has when reading
 * starts, so one that grows meanwhile is not followed forever, and one
 * cut meanwhile gives what is left (its parser then says it ends early).
 * Blocks on a pipe until its writer closes it.
 */
enum rv_code rv_read_fd(int fd, const char *name, size_t max,
			struct rv_buf *out, struct rv_err *err);

/*
 * Append all of the regular file path to out, as rv_read_fd does; what
 * is no regular file is RV_ERR_IO ("not a regular file"): a FIFO planted
 * in its place is refused, not waited on.
 */
enum rv_code rv_read_file(const char *path, size_t max, struct rv_buf *out,
			  struct rv_err *err);

/*
 * Append what the user's input file at path holds to out, at most max
 * bytes: a regular file (to its end, not its size: /proc's say 0), or a
 * pipe (`--env-file <(...)`) read until its writer closes it.  A FIFO
 * that no process has open for writing reads as empty, at once.  While
 * it waits for a writer, a set *cancel (may be NULL) ends the wait with
 * RV_ERR_INTR.  Errors name it as what ("env file"): RV_ERR_IO "cannot
 * read <what> '<path>': <reason>" (a directory: "it is a directory"),
 * RV_ERR_LIMIT "<what> '<path>' is larger than N kB".
 */
enum rv_code rv_read_input(const char *path, const char *what, size_t max,
			   const volatile int *cancel, struct rv_buf *out,
			   struct rv_err *err);

/*
 * Append the last max bytes of the file at path to out (a log's tail).
 * Returns the file's size (0 for what fstat gives none), or -1 with
 * errno set when it cannot be opened; out is untouched then.
 */
off_t rv_read_tail(const char *path, size_t max, struct rv_buf *out);

/*
 * runeval's state directory (journals, sandbox records), malloc'ed:
 * $RUNEVAL_STATE_DIR, else $XDG_STATE_HOME/runeval, else
 * ~/.local/state/runeval, else /tmp/runeval-state-<uid>.
 */
char *rv_state_dir(void);

/*
 * A program that ships with runeval (daytona-lite, ...), malloc'ed: the
 * file next to this binary when it is executable there, else the first
 * in PATH (absolute directories only), else name itself.
 */
char *rv_find_program(const char *name);

/* A "<field>: N kB" line of /proc/self/status ("VmRSS", "RssAnon"): N,
   or -1. */
long rv_self_status_kb(const char *field);

#endif
