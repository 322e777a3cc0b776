/* attack: one attempt per invocation, one machine-readable line on stdout.
 * "ok" (or "ok:DETAIL") when the attempt worked, the errno name (EPERM...)
 * when it failed, other key=value text where documented. A seccomp kill
 * shows up as the caller's 128+31. */
#ifndef TREX_ESC_ATTACK_H
#define TREX_ESC_ATTACK_H

struct attack {
	const char *name;
	int nargs;
	int (*fn)(char **argv);
};

/* prints "ok" when rc >= 0, else the name of errno; returns 0 */
int say_rc(long rc);
int say_err(int err);
int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long arg_long(const char *s);

extern const struct attack attacks_fs[];
extern const struct attack attacks_kern[];
extern const struct attack attacks_net[];
extern const struct attack attacks_dos[];
extern const struct attack attacks_out[];
extern const struct attack attacks_peruser[];
extern const struct attack attacks_chan[];
extern const struct attack attacks_chan_residual[];

#endif
