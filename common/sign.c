#include "sign.h"

#include "alloc.h"
#include "b64.h"
#include "cleanup.h"
#include "fsutil.h"
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGN_ED25519_SIG_LEN 64
#define SIGN_KEY_FILE_MAX 16384

struct trex_key {
	EVP_PKEY *pkey;
	int has_private;
};

static int sign_wrap(EVP_PKEY *pkey, int has_private, struct trex_key **out,
		     struct trex_err *err)
{
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		return trex_err_setx(err, -EINVAL, "not an Ed25519 key");
	}
	struct trex_key *k = trex_calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	k->pkey = pkey;
	k->has_private = has_private;
	*out = k;
	return 0;
}

void trex_key_free(struct trex_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	trex_free(key);
}

static int sign_write_pem(const char *path, EVP_PKEY *pkey, int private,
			  struct trex_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		      private ? 0600 : 0644);
	if (fd < 0)
		return trex_err_set(err, -errno, "create %s", path);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int r = -errno;
		close(fd);
		unlink(path);
		return trex_err_set(err, r, "fdopen %s", path);
	}
	int ok = private ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_PUBKEY(f, pkey);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	fclose(f);
	if (!ok) {
		unlink(path);
		return trex_err_setx(err, -EIO, "write %s failed", path);
	}
	return 0;
}

int trex_key_generate(const char *priv_path, const char *pub_path, struct trex_err *err)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey)
		return trex_err_setx(err, -EIO, "Ed25519 key generation failed");
	int r = sign_write_pem(priv_path, pkey, 1, err);
	if (r == 0) {
		r = sign_write_pem(pub_path, pkey, 0, err);
		if (r < 0)
			unlink(priv_path);
	}
	EVP_PKEY_free(pkey);
	return r;
}

static int sign_load(const char *path, int private, struct trex_key **key,
		     struct trex_err *err)
{
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int r = trex_read_file(AT_FDCWD, path, SIGN_KEY_FILE_MAX, &pem, &len, err);
	if (r < 0)
		return r;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	EVP_PKEY *pkey = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
				 : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (private)
		explicit_bzero(pem, len);
	if (!pkey)
		return trex_err_setx(err, -EINVAL, "%s: not a PEM %s key", path,
				     private ? "private" : "public");
	r = sign_wrap(pkey, private, key, err);
	if (r < 0)
		trex_err_prefix(err, "%s", path);
	return r;
}

int trex_key_load_private(const char *path, struct trex_key **key, struct trex_err *err)
{
	return sign_load(path, 1, key, err);
}

int trex_key_load_public(const char *path, struct trex_key **key, struct trex_err *err)
{
	return sign_load(path, 0, key, err);
}

int trex_key_parse_public(const char *pem, size_t len, struct trex_key **key,
			  struct trex_err *err)
{
	if (len > SIGN_KEY_FILE_MAX)
		return trex_err_setx(err, -EFBIG, "public key too large");
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey)
		return trex_err_setx(err, -EINVAL, "not a PEM public key");
	return sign_wrap(pkey, 0, key, err);
}

int trex_key_id(const struct trex_key *key, char out[65])
{
	unsigned char raw[32];
	size_t n = sizeof(raw);
	if (!EVP_PKEY_get_raw_public_key(key->pkey, raw, &n))
		return -EIO;
	return trex_sha256_hex(raw, n, out);
}

int trex_sign(const struct trex_key *key, const void *data, size_t len,
	      char **sig_b64, struct trex_err *err)
{
	if (!key->has_private)
		return trex_err_setx(err, -EINVAL, "signing needs a private key");
	unsigned char sig[SIGN_ED25519_SIG_LEN];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
		 EVP_DigestSign(ctx, sig, &siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return trex_err_setx(err, -EIO, "Ed25519 signing failed");
	int r = trex_b64_encode(sig, siglen, sig_b64, NULL);
	if (r < 0)
		return trex_err_setx(err, r, "out of memory");
	return 0;
}

int trex_verify(const struct trex_key *key, const void *data, size_t len,
		const char *sig_b64, struct trex_err *err)
{
	_cleanup_free_ unsigned char *sig = NULL;
	size_t siglen = 0;
	if (trex_b64_decode(sig_b64, strlen(sig_b64), &sig, &siglen) < 0 ||
	    siglen != SIGN_ED25519_SIG_LEN)
		return trex_err_setx(err, -EBADMSG, "signature is not 64 bytes of base64");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int rc = -1;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) == 1)
		rc = EVP_DigestVerify(ctx, sig, siglen, data, len);
	EVP_MD_CTX_free(ctx);
	if (rc != 1)
		return trex_err_setx(err, -EBADMSG, "signature does not verify");
	return 0;
}
