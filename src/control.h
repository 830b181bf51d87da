// SPDX-License-Identifier: Apache-2.0
/*
 * The control server: a Unix stream socket at [vm] control through which `rtvmm ctl`
 * and other clients query and steer a running VM (docs/control.md). It is opened before
 * the VM exists, so that a second rtvmm on the same path is refused before anything
 * starts, and is driven by the main thread's event loop through one pollable fd (an
 * epoll set of its own holding the listening socket and every client). Main thread only;
 * it reaches the vCPUs through their mailboxes and counters.
 */
#ifndef RTVMM_CONTROL_H
#define RTVMM_CONTROL_H

#include <stddef.h>

struct control;
struct vm;

/* Most clients connected at once; a further one gets an error line and is closed. */
#define CONTROL_MAX_CLIENTS 32
/* Replies a client has not read, in bytes; past this it is disconnected. */
#define CONTROL_OUT_MAX (1u << 20)
/* How long pause and resume wait for every vCPU to reach the state, in ms. */
#define CONTROL_RUN_STATE_WAIT_MS 3000

/*
 * Listens on `path` with mode 0600. When the path exists: a socket some process still
 * accepts on (another VM) is refused, a stale one is replaced, anything else is refused.
 * The folder must exist, except /run/rtvmm, which is created (mode 0700). Returns 0, or
 * -EINVAL with `err` for a path this VM cannot have (in use, not a socket, no folder, no
 * permission), or another -errno with `err`.
 */
int control_open(struct control **out, const char *path, char *err, size_t errlen);

/* The VM that requests act on; until it is set, no client is accepted. */
void control_set_vm(struct control *ctl, struct vm *vm);

/* The fd for the main loop's epoll: readable when control_dispatch() has work. */
int control_fd(const struct control *ctl);

/*
 * Accepts clients, reads their requests, carries them out and writes the replies,
 * without blocking on any client (pause and resume wait for the vCPUs, boundedly).
 * Returns 0, or -errno when the server itself failed (it stays usable).
 */
int control_dispatch(struct control *ctl);

/*
 * Writes what it can of pending replies without waiting, disconnects every client,
 * closes the socket and removes its file (only if it is still ours). Accepts NULL.
 */
void control_close(struct control *ctl);

#endif
