/* trexd rotate-key (rotate.c): a new signing key, the retired public key
 * kept in STATE/keys/ (docs/operations.md "Key rotation"). */
#ifndef TREX_RUNNER_ROTATE_H
#define TREX_RUNNER_ROTATE_H

/* argv[0] is "rotate-key"; an exit status */
int rotate_main(int argc, char **argv);

#endif
