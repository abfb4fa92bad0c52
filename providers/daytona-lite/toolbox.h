/*
 * toolbox: the daemon inside every daytona-lite sandbox.
 *
 * Run as "daytona-lite toolbox --socket-dir DIR --home HOME [--workdir
 * DIR]" (argv[0] is "toolbox").  It listens on DIR/toolbox.sock (HTTP/1.1,
 * the toolbox API of the Daytona reference, paths relative to the toolbox
 * base: POST /process/execute, ...) and on DIR/forward.sock (a client
 * writes "CONNECT <port>\n" and gets "OK\n" and a byte stream to
 * 127.0.0.1:<port>, or "ERR <reason>\n"), then writes DIR/ready.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_H

/* The daemon's main(); returns the process exit status. */
int toolbox_main(int argc, char **argv);

#endif
