// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm ctl SOCKET COMMAND [ARGS] [--json]`: a client of a running VM's control socket
 * (docs/control.md). It validates the command and its arguments as the server would,
 * sends one request line, waits a bounded time for one reply line and prints it as a
 * table or as the raw JSON. Building the request and printing the reply are pure
 * functions; only ctl_run() touches a socket. Single-threaded CLI code.
 */
#ifndef RTVMM_CTL_H
#define RTVMM_CTL_H

#include "control_proto.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* How long ctl waits for the reply (pause and resume wait up to 3 s server-side). */
#define CTL_TIMEOUT_MS 10000

/*
 * The request for `COMMAND ARGS` (argv[0] is COMMAND): the command must exist, take that
 * many arguments, each of the right kind and range. Returns 0 with a new object in *out
 * and the command in *cmd, or -EINVAL with `err` (a usage error).
 */
int ctl_request(int argc, char **argv, enum control_cmd *cmd, json_t **out, char *err,
		size_t errlen);

/*
 * Prints a reply to `cmd` for people: a table or result lines on `out`, the error of a
 * failed reply on `errout`. Returns 0 for an "ok" reply, 1 for an error reply or one
 * that is not a reply at all.
 */
int ctl_print(enum control_cmd cmd, const json_t *reply, FILE *out, FILE *errout);

/*
 * Connects to `socket_path`, sends COMMAND ARGS, prints the reply (raw with `json`).
 * Returns the exit code: 0 ok, 1 error reply, no VM, timeout; 2 usage.
 */
int ctl_run(const char *socket_path, int argc, char **argv, bool json);

#endif
