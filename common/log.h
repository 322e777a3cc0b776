/* Operational log: one key=value line per event on stderr (journald takes it).
 * Carries ids and rule names, never data values.
 *   trex_log(TREX_LOG_INFO, "job_start", "job=%s uid=%u", id, uid);
 * prints: ts=2026-11-29T10:00:00.123Z level=info prog=trexd event=job_start job=... */
#ifndef TREX_LOG_H
#define TREX_LOG_H

enum trex_log_level { TREX_LOG_DEBUG, TREX_LOG_INFO, TREX_LOG_WARN, TREX_LOG_ERROR };

void trex_log_init(const char *prog, enum trex_log_level min_level);
void trex_log(enum trex_log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
