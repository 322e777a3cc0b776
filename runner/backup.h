/* trexd backup DEST and trexd restore SRC (docs/operations.md "Back up"):
 * a copy of a state folder taken while trexd runs or not, consistent with
 * one snapshot of trexd.db, with a manifest of every file's SHA-256; and
 * its restore into an empty state folder, verified before and after. */
#ifndef TREX_RUNNER_BACKUP_H
#define TREX_RUNNER_BACKUP_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define BACKUP_MANIFEST "backup.json"
#define BACKUP_FORMAT "trex-backup/1"

/* The verbs, from main: argv[0] is "backup" or "restore". Returns the
 * process's exit status (0 done, 1 failed, 2 bad usage). */
int backup_main(int argc, char **argv);
/* Restore the backup in src into the state folder state (restore.c). */
int restore_run(const char *src, const char *state, struct trex_err *err);

/* One copy between two folder trees (backup_fs.c), each named by an open
 * folder fd; what it copied is listed in files and dirs, the manifest's
 * arrays ({"path", "size", "sha256", "mode", "uid", "gid"} and {"path",
 * "mode", "uid", "gid"}, paths relative to the tree's top). */
struct bkp {
	int src;
	int dst;
	json_t *files;
	json_t *dirs;
	uint64_t bytes;
	uint64_t skipped; /* entries neither a regular file nor a folder */
};

/* A relative path a manifest may name: no "", ".", ".." component, not
 * absolute, no empty component. */
int bkp_path_ok(const char *rel);
/* Open root/rel without following any symlink on the way (O_NOFOLLOW at
 * each component). */
int bkp_open_in(int root, const char *rel, int flags, struct trex_err *err);
/* Hash in to its end while writing it to out (-1: hash only). */
int bkp_hash_copy(int in, int out, char sha[65], uint64_t *size, struct trex_err *err);
/* Make the folders of rel (all but its last component) in b->dst, each
 * recorded with the source folder's mode and owner. */
int bkp_mkdirs(struct bkp *b, const char *rel, struct trex_err *err);
/* Copy the regular file src/rel to dst/rel (0600 there), recorded;
 * sha (may be NULL) gets its SHA-256. -ENOENT when absent. */
int bkp_copy(struct bkp *b, const char *rel, char *sha, struct trex_err *err);
/* Copy the folder src/rel and everything below it (regular files and
 * folders; anything else is counted in skipped). -ENOENT when absent. */
int bkp_copy_tree(struct bkp *b, const char *rel, struct trex_err *err);
/* Remove what a failed run wrote: top itself when the run made it (made),
 * else everything below it (it was empty). */
void bkp_undo(const char *top, int made);
/* The state folder of --config FILE or --state-dir DIR (the installed
 * trexd.json when neither is given); out must be freed. */
int bkp_state_dir(const char *config_file, const char *state_dir, char **out,
		  struct trex_err *err);
/* The command line of trexd's offline verbs (backup, restore,
 * rotate-key): --config FILE or --state-dir DIR, then exactly nargs
 * operands (from argv[optind]). 0 with *state set (bkp_state_dir); 1
 * after --help printed usage; 2 after a usage error printed it to
 * stderr; -errno with err filled. */
int bkp_verb_args(int argc, char **argv, const char *usage, int nargs, char **state,
		  struct trex_err *err);

#endif
