/* CSV line fields (csvline.h). */
#include "csvline.h"

#include <stddef.h>

char *csvline_field(char **p)
{
	char *start = *p, *s = *p, *out = *p;
	if (*s == '"') {
		s++;
		while (*s) {
			if (*s == '"' && s[1] == '"') {
				*out++ = '"';
				s += 2;
			} else if (*s == '"') {
				s++;
				break;
			} else {
				*out++ = *s++;
			}
		}
		while (*s && *s != ',')
			s++;
	} else {
		while (*s && *s != ',')
			s++;
		out = s;
	}
	*p = *s == ',' ? s + 1 : NULL;
	*out = '\0';
	return start;
}
