/* One line of a data owner's CSV file split into fields in place: the
 * rule the dataset indexes are built with (policies/check/dataset.c) and
 * trexd checks a dataset's id_columns with (runner/dataset.c), so the two
 * can never disagree on what a column is called. */
#ifndef TREX_CSVLINE_H
#define TREX_CSVLINE_H

/* The field at *p: quotes removed, "" is one quote, anything after a
 * closing quote up to the comma dropped; unquoted in place. *p moves past
 * the comma, or to NULL after the last field. */
char *csvline_field(char **p);

#endif
