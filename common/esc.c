#include "esc.h"

#include <stdio.h>
#include <string.h>

static size_t esc_run(const char *in, size_t inlen, char *out, size_t outsz, int text)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (outsz == 0)
		return 0;
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		int plain = c >= 0x20 && c < 0x7f &&
			    (text || (c != '\\' && c != '"' && c != '='));
		size_t need = plain ? 1 : 4;
		if (o + need + 1 > outsz) {
			if (outsz >= 4) {
				o = o > outsz - 4 ? outsz - 4 : o;
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

size_t trex_esc(const char *in, size_t inlen, char *out, size_t outsz)
{
	return esc_run(in, inlen, out, outsz, 0);
}

size_t trex_esc_text(const char *in, size_t inlen, char *out, size_t outsz)
{
	return esc_run(in, inlen, out, outsz, 1);
}
