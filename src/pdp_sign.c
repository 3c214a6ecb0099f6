/*
 * pdp_sign.c
 *		EIP-712 signatures and extraData of PDP requests.
 *
 * A PDP provider forwards extraData verbatim to PDPVerifier, whose callback
 * into FWSS checks the payer's EIP-712 signature, so these bytes are the
 * whole authorization of a data set or a piece: every hash below follows
 * FWSS's SignatureVerificationLib and pdp-protocol.md §3 byte for byte, and
 * the regression test pins them to the vectors generated from Solidity.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "datasafety.h"
#include "hex.h"
#include "hybridmusic.h"
#include "keccak.h"
#include "pdp_sign.h"

#define WORD 32

/* EIP-712 encodeType strings; referenced types follow in alphabetical order. */
static const char *const domain_type =
"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
static const char *const metadata_entry_type = "MetadataEntry(string key,string value)";
static const char *const create_data_set_type =
"CreateDataSet(uint256 clientDataSetId,address payee,MetadataEntry[] metadata)"
"MetadataEntry(string key,string value)";
static const char *const cid_type = "Cid(bytes data)";
static const char *const piece_metadata_type =
"PieceMetadata(uint256 pieceIndex,MetadataEntry[] metadata)MetadataEntry(string key,string value)";
static const char *const add_pieces_type =
"AddPieces(uint256 clientDataSetId,uint256 nonce,Cid[] pieceData,PieceMetadata[] pieceMetadata)"
"Cid(bytes data)MetadataEntry(string key,string value)"
"PieceMetadata(uint256 pieceIndex,MetadataEntry[] metadata)";

/* keccak256 of a C string. */
static void
keccak_text(const char *text, uint8 *out32)
{
	hm_keccak256((const uint8 *) text, strlen(text), out32);
}

/* Appends value as a 32-byte big-endian word. */
static void
append_uint_word(StringInfo out, uint64 value)
{
	uint8		word[WORD] = {0};
	int			i;

	for (i = 0; i < 8; i++)
		word[WORD - 1 - i] = (uint8) (value >> (8 * i));
	appendBinaryStringInfo(out, (const char *) word, WORD);
}

/* Appends an address as a word (left-padded with zeros). */
static void
append_address_word(StringInfo out, const uint8 *address20)
{
	static const uint8 zeros[12] = {0};

	appendBinaryStringInfo(out, (const char *) zeros, sizeof(zeros));
	appendBinaryStringInfo(out, (const char *) address20, 20);
}

/* Appends data right-padded with zeros to whole words. */
static void
append_padded(StringInfo out, const void *data, size_t len)
{
	static const uint8 zeros[WORD] = {0};

	appendBinaryStringInfo(out, data, len);
	if (len % WORD)
		appendBinaryStringInfo(out, (const char *) zeros, WORD - len % WORD);
}

/* Appends hashes one after another, for keccak over an array's members. */
static void
keccak_concatenated(const uint8 *hashes, int n, uint8 *out32)
{
	hm_keccak256(hashes, (size_t) n * WORD, out32);
}

/* H(MetadataEntry[]) = keccak(H(e0) || H(e1) || ...); keccak("") when empty. */
static void
metadata_hash(const HmPdpMetadata *metadata, uint8 *out32)
{
	uint8	   *entry_hashes = palloc((size_t) Max(metadata->n, 1) * WORD);
	uint8		entry[3 * WORD];
	int			i;

	keccak_text(metadata_entry_type, entry);
	for (i = 0; i < metadata->n; i++)
	{
		keccak_text(metadata->keys[i], entry + WORD);
		keccak_text(metadata->values[i], entry + 2 * WORD);
		hm_keccak256(entry, sizeof(entry), entry_hashes + i * WORD);
	}
	keccak_concatenated(entry_hashes, metadata->n, out32);
	pfree(entry_hashes);
}

/* The domain separator of FWSS on a chain. */
void
hm_pdp_domain_separator(uint64 chain_id, const uint8 *fwss20, uint8 *out32)
{
	StringInfoData buf;
	uint8		hash[WORD];

	initStringInfo(&buf);
	keccak_text(domain_type, hash);
	appendBinaryStringInfo(&buf, (const char *) hash, WORD);
	keccak_text("FilecoinWarmStorageService", hash);
	appendBinaryStringInfo(&buf, (const char *) hash, WORD);
	keccak_text("1", hash);
	appendBinaryStringInfo(&buf, (const char *) hash, WORD);
	append_uint_word(&buf, chain_id);
	append_address_word(&buf, fwss20);
	hm_keccak256((const uint8 *) buf.data, buf.len, out32);
	pfree(buf.data);
}

/* structHash(CreateDataSet{clientDataSetId, payee, metadata}) */
void
hm_pdp_create_data_set_hash(const HmUint256 *client_data_set_id, const uint8 *payee20,
							const HmPdpMetadata *metadata, uint8 *out32)
{
	StringInfoData buf;
	uint8		hash[WORD];

	initStringInfo(&buf);
	keccak_text(create_data_set_type, hash);
	appendBinaryStringInfo(&buf, (const char *) hash, WORD);
	appendBinaryStringInfo(&buf, (const char *) client_data_set_id->be, WORD);
	append_address_word(&buf, payee20);
	metadata_hash(metadata, hash);
	appendBinaryStringInfo(&buf, (const char *) hash, WORD);
	hm_keccak256((const uint8 *) buf.data, buf.len, out32);
	pfree(buf.data);
}

/* structHash(AddPieces{clientDataSetId, nonce, pieceData, pieceMetadata}) */
void
hm_pdp_add_pieces_hash(const HmUint256 *client_data_set_id, const HmUint256 *nonce,
					   const HmPdpPiece *pieces, int npieces, uint8 *out32)
{
	uint8	   *cid_hashes = palloc((size_t) Max(npieces, 1) * WORD);
	uint8	   *metadata_hashes = palloc((size_t) Max(npieces, 1) * WORD);
	uint8		member[3 * WORD];
	StringInfoData buf;
	int			i;

	for (i = 0; i < npieces; i++)
	{
		/* H(Cid) = keccak(TH_CID || keccak(cid bytes)) */
		keccak_text(cid_type, member);
		hm_keccak256(pieces[i].cid, pieces[i].cid_len, member + WORD);
		hm_keccak256(member, 2 * WORD, cid_hashes + i * WORD);

		/* H(PieceMetadata) = keccak(TH_PM || u256(index) || H(metadata[])) */
		keccak_text(piece_metadata_type, member);
		memset(member + WORD, 0, WORD);
		member[2 * WORD - 4] = (uint8) (i >> 24);
		member[2 * WORD - 3] = (uint8) (i >> 16);
		member[2 * WORD - 2] = (uint8) (i >> 8);
		member[2 * WORD - 1] = (uint8) i;
		metadata_hash(&pieces[i].metadata, member + 2 * WORD);
		hm_keccak256(member, 3 * WORD, metadata_hashes + i * WORD);
	}

	initStringInfo(&buf);
	keccak_text(add_pieces_type, member);
	appendBinaryStringInfo(&buf, (const char *) member, WORD);
	appendBinaryStringInfo(&buf, (const char *) client_data_set_id->be, WORD);
	appendBinaryStringInfo(&buf, (const char *) nonce->be, WORD);
	keccak_concatenated(cid_hashes, npieces, member);
	appendBinaryStringInfo(&buf, (const char *) member, WORD);
	keccak_concatenated(metadata_hashes, npieces, member);
	appendBinaryStringInfo(&buf, (const char *) member, WORD);
	hm_keccak256((const uint8 *) buf.data, buf.len, out32);
	pfree(buf.data);
	pfree(cid_hashes);
	pfree(metadata_hashes);
}

/* The EIP-712 digest of a struct hash under a domain. */
void
hm_pdp_digest(const uint8 *domain32, const uint8 *struct_hash32, uint8 *out32)
{
	uint8		message[2 + 2 * WORD];

	message[0] = 0x19;
	message[1] = 0x01;
	memcpy(message + 2, domain32, WORD);
	memcpy(message + 2 + WORD, struct_hash32, WORD);
	hm_keccak256(message, sizeof(message), out32);
}

/* Signs a digest; v is 27 + recovery id, as the SDK (viem) sends it. */
bool
hm_pdp_sign(const uint8 *key32, const uint8 *digest32, uint8 *sig65)
{
	if (!hm_secp_sign(key32, digest32, sig65))
		return false;
	sig65[64] += 27;
	return true;
}

/* One member of an ABI tuple: a static word, or a dynamic value's encoding. */
typedef struct AbiMember
{
	bool		dynamic;
	StringInfoData data;
} AbiMember;

/* Appends the head/tail encoding of a tuple whose members are encoded. */
static void
append_tuple(StringInfo out, AbiMember *members, int n)
{
	size_t		offset = (size_t) n * WORD;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (members[i].dynamic)
		{
			append_uint_word(out, offset);
			offset += members[i].data.len;
		}
		else
			appendBinaryStringInfo(out, members[i].data.data, members[i].data.len);
	}
	for (i = 0; i < n; i++)
		if (members[i].dynamic)
			appendBinaryStringInfo(out, members[i].data.data, members[i].data.len);
	for (i = 0; i < n; i++)
		pfree(members[i].data.data);
}

/* Appends the encoding of bytes or string: its length, then its padded bytes. */
static void
append_bytes(StringInfo out, const void *data, size_t len)
{
	append_uint_word(out, len);
	append_padded(out, data, len);
}

/* Appends the encoding of string[]. */
static void
append_string_array(StringInfo out, const char *const *strings, int n)
{
	AbiMember  *members = palloc(sizeof(AbiMember) * Max(n, 1));
	int			i;

	append_uint_word(out, n);
	for (i = 0; i < n; i++)
	{
		members[i].dynamic = true;
		initStringInfo(&members[i].data);
		append_bytes(&members[i].data, strings[i], strlen(strings[i]));
	}
	append_tuple(out, members, n);
	pfree(members);
}

/* Appends string[][] of each piece's metadata keys (or values). */
static void
append_piece_strings(StringInfo out, const HmPdpPiece *pieces, int npieces, bool keys)
{
	AbiMember  *members = palloc(sizeof(AbiMember) * Max(npieces, 1));
	int			i;

	append_uint_word(out, npieces);
	for (i = 0; i < npieces; i++)
	{
		members[i].dynamic = true;
		initStringInfo(&members[i].data);
		append_string_array(&members[i].data,
							keys ? pieces[i].metadata.keys : pieces[i].metadata.values,
							pieces[i].metadata.n);
	}
	append_tuple(out, members, npieces);
	pfree(members);
}

/* abi.encode(address payer, uint256 clientDataSetId, string[] keys, string[] values, bytes signature) */
void
hm_pdp_create_data_set_extra_data(StringInfo out, const uint8 *payer20,
								  const HmUint256 *client_data_set_id,
								  const HmPdpMetadata *metadata, const uint8 *sig65)
{
	AbiMember	members[5];
	int			i;

	for (i = 0; i < 5; i++)
	{
		members[i].dynamic = i >= 2;
		initStringInfo(&members[i].data);
	}
	append_address_word(&members[0].data, payer20);
	appendBinaryStringInfo(&members[1].data, (const char *) client_data_set_id->be, WORD);
	append_string_array(&members[2].data, metadata->keys, metadata->n);
	append_string_array(&members[3].data, metadata->values, metadata->n);
	append_bytes(&members[4].data, sig65, HM_SECP_SIGNATURE_LEN);
	append_tuple(out, members, 5);
}

/* abi.encode(uint256 nonce, string[][] keys, string[][] values, bytes signature) */
void
hm_pdp_add_pieces_extra_data(StringInfo out, const HmUint256 *nonce,
							 const HmPdpPiece *pieces, int npieces, const uint8 *sig65)
{
	AbiMember	members[4];
	int			i;

	for (i = 0; i < 4; i++)
	{
		members[i].dynamic = i >= 1;
		initStringInfo(&members[i].data);
	}
	appendBinaryStringInfo(&members[0].data, (const char *) nonce->be, WORD);
	append_piece_strings(&members[1].data, pieces, npieces, true);
	append_piece_strings(&members[2].data, pieces, npieces, false);
	append_bytes(&members[3].data, sig65, HM_SECP_SIGNATURE_LEN);
	append_tuple(out, members, 4);
}

/* abi.encode(bytes createDataSetExtraData, bytes addPiecesExtraData) */
void
hm_pdp_create_and_add_extra_data(StringInfo out, const StringInfo create_extra,
								 const StringInfo add_extra)
{
	AbiMember	members[2];

	members[0].dynamic = members[1].dynamic = true;
	initStringInfo(&members[0].data);
	initStringInfo(&members[1].data);
	append_bytes(&members[0].data, create_extra->data, create_extra->len);
	append_bytes(&members[1].data, add_extra->data, add_extra->len);
	append_tuple(out, members, 2);
}

/* ---- SQL: what the worker signs, for tests and auditors ---- */

HM_FUNCTION(music_pdp_create_data_set_request);
HM_FUNCTION(music_pdp_add_pieces_request);

/* Reads a required "0x" + 40 hex digits argument. */
static void
arg_address(FunctionCallInfo fcinfo, int argno, const char *name, uint8 *address20)
{
	char	   *text = hm_arg_text(fcinfo, argno, name, 42);

	if (strncmp(text, "0x", 2) != 0 || strlen(text) != 42 || !hm_hex_decode(text, address20, 20))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be \"0x\" followed by 40 hex digits, got \"%s\"", name, text)));
}

/* Reads a non-negative bigint argument as a uint256. */
static void
arg_uint256(FunctionCallInfo fcinfo, int argno, const char *name, HmUint256 *value)
{
	int64		v;
	int			i;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	v = PG_GETARG_INT64(argno);
	hm_check_range(name, v, 0, PG_INT64_MAX);
	memset(value->be, 0, sizeof(value->be));
	for (i = 0; i < 8; i++)
		value->be[31 - i] = (uint8) ((uint64) v >> (8 * i));
}

/* The elements of an optional text[] argument (none when NULL), without NULLs. */
static int
arg_text_array(FunctionCallInfo fcinfo, int argno, const char *name, char ***out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	*out = NULL;
	if (PG_ARGISNULL(argno))
		return 0;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	*out = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", name)));
		(*out)[i] = TextDatumGetCString(elems[i]);
	}
	return n;
}

/* Checks metadata against FWSS's limits: lengths, count, unique keys. */
static void
check_metadata(const HmPdpMetadata *metadata, int max_keys, const char *what)
{
	int			i;
	int			j;

	if (metadata->n > max_keys)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has %d metadata keys, at most %d allowed", what, metadata->n, max_keys)));
	for (i = 0; i < metadata->n; i++)
	{
		if (strlen(metadata->keys[i]) > HM_PDP_MAX_KEY_BYTES ||
			strlen(metadata->values[i]) > HM_PDP_MAX_VALUE_BYTES)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("metadata key \"%s\" or its value is too long", metadata->keys[i]),
					 errdetail("Keys hold at most %d bytes and values at most %d.",
							   HM_PDP_MAX_KEY_BYTES, HM_PDP_MAX_VALUE_BYTES)));
		for (j = 0; j < i; j++)
			if (strcmp(metadata->keys[i], metadata->keys[j]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("metadata key \"%s\" appears twice in %s", metadata->keys[i], what)));
	}
}

/* Reads parallel key and value arrays. */
static void
arg_metadata(FunctionCallInfo fcinfo, int keys_argno, HmPdpMetadata *metadata)
{
	char	  **keys;
	char	  **values;
	int			nkeys = arg_text_array(fcinfo, keys_argno, "metadata_keys", &keys);
	int			nvalues = arg_text_array(fcinfo, keys_argno + 1, "metadata_values", &values);

	if (nkeys != nvalues)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metadata_keys has %d elements and metadata_values %d", nkeys, nvalues)));
	metadata->n = nkeys;
	metadata->keys = (const char *const *) keys;
	metadata->values = (const char *const *) values;
}

/* Reads an optional 65-byte signature argument; false when it is NULL. */
static bool
arg_signature(FunctionCallInfo fcinfo, int argno, uint8 *sig65)
{
	char	   *text;

	if (PG_ARGISNULL(argno))
		return false;
	text = hm_arg_text(fcinfo, argno, "signature", 2 + 2 * HM_SECP_SIGNATURE_LEN);
	if (!hm_hex_decode(text, sig65, HM_SECP_SIGNATURE_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("signature must be 65 bytes in hex (r, s, v)")));
	return true;
}

/*
 * Returns (struct_hash, digest, signer, extra_data): signer is the address
 * the signature recovers to (NULL without a signature or when it does not
 * recover), extra_data NULL without one.
 */
static Datum
request_result(FunctionCallInfo fcinfo, const uint8 *struct_hash, const uint8 *digest,
			   const uint8 *sig65, StringInfo extra_data)
{
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, true, true};
	uint8		signer[HM_ADDRESS_LEN];

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(hm_hex_encode(struct_hash, 32));
	values[1] = CStringGetTextDatum(hm_hex_encode(digest, 32));
	if (sig65 && hm_secp_recover_address(digest, sig65, signer))
	{
		values[2] = CStringGetTextDatum(hm_hex_encode(signer, HM_ADDRESS_LEN));
		nulls[2] = false;
	}
	if (extra_data)
	{
		values[3] = CStringGetTextDatum(hm_hex_encode((const uint8 *) extra_data->data, extra_data->len));
		nulls[3] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/*
 * music.pdp_create_data_set_request(chain_id, record_keeper,
 * client_data_set_id, payee, metadata_keys, metadata_values, payer,
 * signature): the CreateDataSet message the worker signs, and its extraData.
 */
static Datum
music_pdp_create_data_set_request_body(PG_FUNCTION_ARGS)
{
	int64		chain_id = hm_arg_id(fcinfo, 0, "chain_id");
	uint8		fwss[20];
	HmUint256	client_data_set_id;
	uint8		payee[20];
	uint8		payer[20];
	HmPdpMetadata metadata;
	uint8		sig[HM_SECP_SIGNATURE_LEN];
	bool		signed_ = arg_signature(fcinfo, 7, sig);
	uint8		domain[32];
	uint8		struct_hash[32];
	uint8		digest[32];
	StringInfoData extra;

	arg_address(fcinfo, 1, "record_keeper", fwss);
	arg_uint256(fcinfo, 2, "client_data_set_id", &client_data_set_id);
	arg_address(fcinfo, 3, "payee", payee);
	arg_metadata(fcinfo, 4, &metadata);
	check_metadata(&metadata, HM_PDP_MAX_DATA_SET_KEYS, "a data set");

	hm_pdp_domain_separator(chain_id, fwss, domain);
	hm_pdp_create_data_set_hash(&client_data_set_id, payee, &metadata, struct_hash);
	hm_pdp_digest(domain, struct_hash, digest);
	if (!signed_)
		return request_result(fcinfo, struct_hash, digest, NULL, NULL);
	arg_address(fcinfo, 6, "payer", payer);
	initStringInfo(&extra);
	hm_pdp_create_data_set_extra_data(&extra, payer, &client_data_set_id, &metadata, sig);
	return request_result(fcinfo, struct_hash, digest, sig, &extra);
}

/*
 * music.pdp_add_pieces_request(chain_id, record_keeper, client_data_set_id,
 * nonce, piece_cids, metadata_pieces, metadata_keys, metadata_values,
 * signature, create_extra_data): the AddPieces message and its extraData;
 * with create_extra_data, the create-and-add extraData of both.
 */
static Datum
music_pdp_add_pieces_request_body(PG_FUNCTION_ARGS)
{
	int64		chain_id = hm_arg_id(fcinfo, 0, "chain_id");
	uint8		fwss[20];
	HmUint256	client_data_set_id;
	HmUint256	nonce;
	char	  **cids;
	int			npieces = arg_text_array(fcinfo, 4, "piece_cids", &cids);
	HmPdpPiece *pieces;
	HmPdpMetadata all;
	int32	   *owners = NULL;
	int			nowners = 0;
	uint8		sig[HM_SECP_SIGNATURE_LEN];
	bool		signed_ = arg_signature(fcinfo, 8, sig);
	uint8		domain[32];
	uint8		struct_hash[32];
	uint8		digest[32];
	StringInfoData extra;
	int			i;

	arg_address(fcinfo, 1, "record_keeper", fwss);
	arg_uint256(fcinfo, 2, "client_data_set_id", &client_data_set_id);
	arg_uint256(fcinfo, 3, "nonce", &nonce);
	if (npieces < 1 || npieces > HM_PDP_MAX_PIECES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("piece_cids must hold 1 to %d pieces, got %d", HM_PDP_MAX_PIECES, npieces)));
	arg_metadata(fcinfo, 6, &all);
	if (!PG_ARGISNULL(5))
	{
		Datum	   *elems;
		bool	   *nulls;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(5), INT4OID, 4, true, TYPALIGN_INT,
						  &elems, &nulls, &nowners);
		owners = palloc(sizeof(int32) * Max(nowners, 1));
		for (i = 0; i < nowners; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("metadata_pieces must not contain nulls")));
			owners[i] = DatumGetInt32(elems[i]);
		}
	}
	if (nowners != all.n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metadata_pieces must name the piece of each metadata entry")));

	pieces = palloc0(sizeof(HmPdpPiece) * npieces);
	for (i = 0; i < npieces; i++)
	{
		HmPieceCommitment pc;
		const char *reason = hm_piece_cid_parse(cids[i], &pc);
		const char **keys = palloc(sizeof(char *) * Max(all.n, 1));
		const char **values = palloc(sizeof(char *) * Max(all.n, 1));
		int			j;

		if (reason)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("\"%s\" is not a PieceCID v2", cids[i]),
					 errdetail("%s.", reason)));
		pieces[i].cid_len = hm_piece_cid_bytes(&pc, pieces[i].cid);
		/* metadata entries keep their order within each piece */
		for (j = 0; j < all.n; j++)
		{
			if (owners[j] < 0 || owners[j] >= npieces)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("metadata_pieces holds %d; pieces are numbered from 0 to %d",
								owners[j], npieces - 1)));
			if (owners[j] == i)
			{
				keys[pieces[i].metadata.n] = all.keys[j];
				values[pieces[i].metadata.n++] = all.values[j];
			}
		}
		pieces[i].metadata.keys = keys;
		pieces[i].metadata.values = values;
		check_metadata(&pieces[i].metadata, HM_PDP_MAX_PIECE_KEYS, "a piece");
	}

	hm_pdp_domain_separator(chain_id, fwss, domain);
	hm_pdp_add_pieces_hash(&client_data_set_id, &nonce, pieces, npieces, struct_hash);
	hm_pdp_digest(domain, struct_hash, digest);
	if (!signed_)
		return request_result(fcinfo, struct_hash, digest, NULL, NULL);
	initStringInfo(&extra);
	hm_pdp_add_pieces_extra_data(&extra, &nonce, pieces, npieces, sig);
	if (!PG_ARGISNULL(9))
	{
		char	   *create_hex = hm_arg_text(fcinfo, 9, "create_extra_data", 2 * HM_PDP_MAX_CREATE_EXTRA_DATA + 2);
		size_t		create_len = (strlen(create_hex) - 2) / 2;
		StringInfoData create;
		StringInfoData both;

		initStringInfo(&create);
		enlargeStringInfo(&create, create_len);
		if (strncmp(create_hex, "0x", 2) != 0 ||
			!hm_hex_decode(create_hex, (uint8 *) create.data, create_len))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("create_extra_data must be \"0x\" followed by an even number of hex digits")));
		create.len = create_len;
		initStringInfo(&both);
		hm_pdp_create_and_add_extra_data(&both, &create, &extra);
		return request_result(fcinfo, struct_hash, digest, sig, &both);
	}
	return request_result(fcinfo, struct_hash, digest, sig, &extra);
}
