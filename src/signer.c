/*
 * signer.c
 *		The worker's signing key: read from a file only the server can read.
 *
 * The key is read when needed and wiped after use instead of being kept in
 * a setting or a table, so that neither pg_settings, a dump nor a log can
 * show it.  The file path is itself a superuser-only setting.
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "datasafety.h"
#include "hex.h"
#include "signer.h"

/* Room for "0x" + 64 digits, surrounding whitespace and a little more. */
#define KEY_FILE_MAX 256

static char *signer_key_file = NULL;

/* Defines music.signer_key_file. */
void
SignerInit(void)
{
	DefineCustomStringVariable("music.signer_key_file",
							   "File holding the worker's secp256k1 private key (64 hex digits).",
							   "It must belong to the server's user and not be readable by group or others.",
							   &signer_key_file, "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
}

/* Raises the error for an unusable key file; never shows the content. */
static void
key_file_error(int sqlstate, const char *message, const char *detail)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", message),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("music.signer_key_file must name a file of the server's user, mode 0600, holding the key as 64 hex digits.")));
}

/* Reads the key file into buf (NUL-terminated); raises when it is unsafe. */
static void
read_key_file(char *buf)
{
	int			fd;
	struct stat st;
	ssize_t		n;

	if (signer_key_file == NULL || signer_key_file[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("music.signer_key_file is not set"),
				 errhint("Write the worker's private key to a file readable only by the server's user and set music.signer_key_file to its path.")));
	fd = open(signer_key_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		key_file_error(ERRCODE_UNDEFINED_FILE, "could not open the signer key file",
					   strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		key_file_error(ERRCODE_CONFIG_FILE_ERROR, "the signer key file is not a regular file", NULL);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		char		detail[128];

		close(fd);
		snprintf(detail, sizeof(detail),
				 "Its mode is %04o; group and others must have no access (chmod 600).",
				 (unsigned) (st.st_mode & 07777));
		key_file_error(ERRCODE_INSUFFICIENT_PRIVILEGE,
					   "the signer key file is accessible by group or others", detail);
	}
	if (st.st_uid != geteuid())
	{
		close(fd);
		key_file_error(ERRCODE_INSUFFICIENT_PRIVILEGE,
					   "the signer key file does not belong to the server's user", NULL);
	}
	n = read(fd, buf, KEY_FILE_MAX);
	close(fd);
	if (n < 0 || n >= KEY_FILE_MAX)
	{
		explicit_bzero(buf, KEY_FILE_MAX + 1);
		key_file_error(ERRCODE_CONFIG_FILE_ERROR, "the signer key file does not hold a key",
					   n < 0 ? strerror(errno) : "It is too long.");
	}
	buf[n] = '\0';
}

/* Reads the key into key32; raises with a clear reason, never the key. */
void
hm_signer_load(uint8 *key32)
{
	char		buf[KEY_FILE_MAX + 1];
	char	   *start = buf;
	char	   *end;
	uint8		address[HM_ADDRESS_LEN];
	bool		valid;

	read_key_file(buf);
	while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
		start++;
	end = start + strlen(start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	valid = hm_hex_decode(start, key32, HM_KEY_LEN) && hm_secp_key_address(key32, address);
	explicit_bzero(buf, sizeof(buf));
	if (!valid)
	{
		explicit_bzero(key32, HM_KEY_LEN);
		key_file_error(ERRCODE_CONFIG_FILE_ERROR, "the signer key file does not hold a valid key",
					   "A key is 64 hex digits (\"0x\" optional), not zero and below the secp256k1 order.");
	}
}

/* The address of the configured key. */
void
hm_signer_address(uint8 *address20)
{
	uint8		key[HM_KEY_LEN];

	hm_signer_load(key);
	(void) hm_secp_key_address(key, address20);	/* hm_signer_load checked it */
	explicit_bzero(key, sizeof(key));
}

HM_FUNCTION(music_signer_address);

/* music.signer_address(): which address the operator must fund. */
static Datum
music_signer_address_body(PG_FUNCTION_ARGS)
{
	uint8		address[HM_ADDRESS_LEN];

	hm_signer_address(address);
	PG_RETURN_TEXT_P(cstring_to_text(hm_hex_encode(address, HM_ADDRESS_LEN)));
}
