/*
 * toolbox: the daemon that runs inside every daytona-lite sandbox.
 *
 * It serves the Daytona toolbox API (process/execute, sessions, files,
 * git, ...; reference §6) the way Daytona's own daemon (v0.190, with the
 * behaviour SDKs >= 0.167 get) does, on unix sockets in --socket-dir:
 *
 *   toolbox.sock  HTTP/1.1 and WebSocket, paths relative to the toolbox
 *                 base ("POST /process/execute").  The control plane relays
 *                 {toolboxProxyUrl}/{id}/... here unchanged.
 *   forward.sock  raw port forwarding: a client writes "CONNECT <port>\n",
 *                 reads "OK\n" and then talks to 127.0.0.1:<port> (or ::1);
 *                 on failure it reads "ERR <reason>\n" ("ERR refused" when
 *                 nothing listens) and the connection is closed.
 *   ready         written (atomically) once both sockets listen.
 *
 *   daytona-lite toolbox --socket-dir DIR --home HOME [--workdir DIR]
 *   daytona-lite toolbox --toolbox-fd N --forward-fd M [--ready-fd K] ...
 *
 * The second form is how daytona-lite starts it in a sandbox: the two
 * sockets were bound and put in listening state by the server, outside
 * the sandbox, and are inherited as descriptors N and M (so the sandbox
 * has no socket file it could replace); "ready\n" is written to K once
 * they are served.  Inherited descriptors are kept from every process
 * the daemon starts.
 *
 * File endpoints only touch paths inside HOME, the work directory and
 * /tmp (after resolving '..' and symlinks); anything else is a 400.
 * --home defaults to /home/daytona.  main.c passes argv from "toolbox" on.
 * SIGTERM or SIGINT kill every process the daemon started and exit 0.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_H

/* argv[0] is "toolbox" (or the program name); returns the exit status. */
int toolbox_main(int argc, char **argv);

#endif
