#include "hash.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

static void hash_hex(const unsigned char *md, unsigned int n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

int trex_sha256_hex(const void *data, size_t len, char out[TREX_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		return -EIO;
	hash_hex(md, n, out);
	return 0;
}

int trex_sha256_fd(int fd, char out[TREX_SHA256_HEX_LEN + 1])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		r = -EIO;
		goto out;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			r = -EIO;
			goto out;
		}
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen)) {
		r = -EIO;
		goto out;
	}
	hash_hex(md, mdlen, out);
out:
	EVP_MD_CTX_free(ctx);
	return r;
}
