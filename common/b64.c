#include "b64.h"
#include "alloc.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>

int trex_b64_encode(const void *in, size_t len, char **out, size_t *outlen)
{
	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		return -EFBIG;
	size_t n = 4 * ((len + 2) / 3);
	char *o = trex_malloc(n + 1);
	if (!o)
		return -ENOMEM;
	int w = EVP_EncodeBlock((unsigned char *)o, in, (int)len);
	o[w] = '\0';
	*out = o;
	if (outlen)
		*outlen = (size_t)w;
	return 0;
}

int trex_b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	if (len % 4 != 0)
		return -EINVAL;
	if (len > (size_t)INT_MAX)
		return -EFBIG;
	size_t pad = 0;
	if (len >= 1 && in[len - 1] == '=')
		pad++;
	if (len >= 2 && in[len - 2] == '=')
		pad++;
	/* EVP_DecodeBlock skips leading/trailing whitespace; we don't accept it */
	for (size_t i = 0; i < len - pad; i++) {
		char c = in[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -EINVAL;
	}
	/* canonical encodings only: the bits a padded quantum leaves unused
	 * must be zero, so one byte string has exactly one accepted encoding */
	if (pad) {
		static const char alphabet[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *at = strchr(alphabet, in[len - pad - 1]);
		int v = at ? (int)(at - alphabet) : 0;
		if ((pad == 2 && (v & 0x0f)) || (pad == 1 && (v & 0x03)))
			return -EINVAL;
	}
	unsigned char *o = trex_malloc(len / 4 * 3 + 1);
	if (!o)
		return -ENOMEM;
	int w = len ? EVP_DecodeBlock(o, (const unsigned char *)in, (int)len) : 0;
	if (w < 0 || (size_t)w < pad) {
		trex_free(o);
		return -EINVAL;
	}
	*out = o;
	*outlen = (size_t)w - pad;
	return 0;
}
