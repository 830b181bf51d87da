// SPDX-License-Identifier: Apache-2.0
/*
 * Logging for every thread of rtvmm. Messages go to stderr, one line each, prefixed
 * with "rtvmm: " and the level. The level is process-wide (set once by main before any
 * thread starts); it is the one mutable global the project allows, because a log
 * level is a property of the process, not of a VM. Never call these from the vCPU
 * hot path or a signal handler: count events and report them later.
 */
#ifndef RTVMM_LOG_H
#define RTVMM_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DBG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_dbg(...) log_msg(LOG_DBG, __VA_ARGS__)

#endif
