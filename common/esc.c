#include "esc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t trex_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v, min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, v = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, v = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

int trex_char_hidden(uint32_t cp)
{
	return cp <= 0x9f || cp == 0xad || cp == 0x34f || cp == 0x61c ||
	       (cp >= 0x115f && cp <= 0x1160) || (cp >= 0x17b4 && cp <= 0x17b5) ||
	       (cp >= 0x180b && cp <= 0x180f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff ||
	       cp == 0xffa0 || (cp >= 0xfff0 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe0fff);
}

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
		/* text: a printable character beyond ASCII stays whole */
		uint32_t cp = 0;
		size_t seq = text && c >= 0x80
				     ? trex_utf8_char((const unsigned char *)in + i, inlen - i, &cp) : 0;
		if (seq && trex_char_hidden(cp))
			seq = 0;
		size_t need = seq ? seq : plain ? 1 : 4;
		if (o + need + 1 > outsz) {
			if (outsz >= 4) {
				o = o > outsz - 4 ? outsz - 4 : o;
				/* never half a character before the dots */
				while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
					o--;
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (seq) {
			memcpy(out + o, in + i, seq);
			o += seq;
			i += seq - 1;
		} else if (plain) {
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
