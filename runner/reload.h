/* Configuration reload on SIGHUP (runner/reload.c). */
#ifndef TREX_RUNNER_RELOAD_H
#define TREX_RUNNER_RELOAD_H

#include <stddef.h>

#include "err.h"
#include "trexd.h"

/* How main built the configuration: the file and the command line's
 * overrides, applied again on each reload. Pointers must outlive trexd's
 * loop (argv). */
struct reload_opts {
	const char *config_file; /* NULL: quick start, nothing to reload */
	const char *state_dir;
	const char *socket;
	const char **datasets;   /* --dataset NAME=PATH */
	size_t n_datasets;
	const char **id_columns; /* --id-columns NAME=COLS */
	size_t n_id_columns;
	/* the service's reload: it checks the configuration but for the
	 * datasets, which it may not read, then takes the monitor's word
	 * on them (MON_RELOAD_STATUS: the monitor reloaded first) */
	int service;
};

void reload_init(const struct reload_opts *o);

/* Load and check the configuration again; on success d->cfg points to the
 * new one. On failure d->cfg is unchanged and err says why. */
int reload_config(struct trexd *d, struct trex_err *err);

/* Free every configuration a reload made (at exit, after the loop). */
void reload_free(void);

#endif
