/*
 * wallet.c
 *		music.link_wallet: binding a creator's EVM wallet after checking that
 *		the wallet's owner signed the link.
 *
 * The signed message names the creator, the wallet, the chain and the
 * factory, so a signature cannot be replayed for another creator, another
 * chain or another deployment.  The contract's setCreatorWallet checks the
 * same bytes again on-chain; the wallet_link job carries the signature there.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "address.h"
#include "chain.h"
#include "chain_tx.h"
#include "datasafety.h"
#include "hex.h"
#include "hybridmusic.h"
#include "wallet.h"

#define SIGNATURE_TEXT_MAX 140

static HmQuery wallet_owner = {
	"SELECT creator_id FROM music.creator_wallets WHERE address = $1",
	1, {TEXTOID}, NULL
};

static HmQuery store_wallet = {
	"INSERT INTO music.creator_wallets (creator_id, address, signature, chain_id) "
	"VALUES ($1, $2, $3, $4) "
	"ON CONFLICT (creator_id) DO UPDATE SET address = excluded.address, "
	"  signature = excluded.signature, chain_id = excluded.chain_id, linked_at = now()",
	4, {INT8OID, TEXTOID, TEXTOID, INT8OID}, NULL
};

static HmQuery enqueue_link = {
	"SELECT music.enqueue_job('wallet_link', "
	"  jsonb_build_object('address', $2::text, 'signature', $3::text), $1)",
	3, {INT8OID, TEXTOID, TEXTOID}, NULL
};

/* The exact wallet-link message, palloc'd. */
char *
hm_wallet_link_message(int64 creator_id, const uint8 *wallet20, uint64 chain_id,
					   const uint8 *factory20)
{
	return psprintf("hybridmusic wallet link: creator " INT64_FORMAT ", wallet %s, chain "
					UINT64_FORMAT ", factory %s",
					creator_id, hm_hex_encode(wallet20, HM_ADDRESS_LEN), chain_id,
					hm_hex_encode(factory20, HM_ADDRESS_LEN));
}

/* Parses a 65-byte signature in hex; v is normalised to 27/28, as contracts expect. */
static void
parse_signature(const char *text, uint8 *sig65)
{
	if (!hm_hex_decode(text, sig65, HM_SECP_SIGNATURE_LEN) ||
		(sig65[64] != 0 && sig65[64] != 1 && sig65[64] != 27 && sig65[64] != 28))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("signature is not a 65-byte Ethereum signature"),
				 errdetail("A signature is \"0x\" followed by 130 hex digits: r, s and v (27 or 28)."),
				 errhint("Sign the message with personal_sign (EIP-191), e.g. \"cast wallet sign\".")));
	if (sig65[64] < 27)
		sig65[64] += 27;
}

HM_FUNCTION(music_link_wallet);

/*
 * link_wallet(creator_id, address, signature): checks that address signed
 * the wallet-link message for this creator, stores the wallet and queues
 * the wallet_link job that sets it on-chain.
 */
static Datum
music_link_wallet_body(PG_FUNCTION_ARGS)
{
	int64		creator_id = hm_arg_id(fcinfo, 0, "creator_id");
	char	   *address_text = hm_arg_text(fcinfo, 1, "address", 42);
	char	   *signature_text = hm_arg_text(fcinfo, 2, "signature", SIGNATURE_TEXT_MAX);
	uint8		wallet[HM_ADDRESS_LEN];
	uint8		factory[HM_ADDRESS_LEN];
	uint8		signature[HM_SECP_SIGNATURE_LEN];
	uint8		digest[HM_KECCAK256_LEN];
	uint8		signer[HM_ADDRESS_LEN];
	const char *reason;
	uint64		chain_id;
	char	   *message;
	char	   *wallet_hex;
	char	   *signature_hex;
	Datum		values[4];
	bool		isnull;

	if (!hm_address_parse(address_text, wallet, &reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("address is not a valid Ethereum address: \"%s\"", address_text),
				 errdetail("%s", reason)));
	parse_signature(signature_text, signature);
	SPI_connect();
	hm_require_creator(creator_id);
	chain_id = hm_require_chain_id();
	hm_require_factory_address(factory);

	message = hm_wallet_link_message(creator_id, wallet, chain_id, factory);
	hm_personal_message_hash(message, strlen(message), digest);
	if (!hm_secp_recover_address(digest, signature, signer))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("the signature does not recover to any address"),
				 errdetail("Its r or s is out of range, or s is in the upper half of the curve order.")));
	wallet_hex = hm_hex_encode(wallet, HM_ADDRESS_LEN);
	if (memcmp(signer, wallet, HM_ADDRESS_LEN) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("the signature was not made by %s for creator " INT64_FORMAT, wallet_hex, creator_id),
				 errdetail("The wallet must sign exactly: %s", message),
				 errhint("A signature made for another creator, wallet, chain or factory does not link this one.")));
	signature_hex = hm_hex_encode(signature, HM_SECP_SIGNATURE_LEN);

	values[0] = CStringGetTextDatum(wallet_hex);
	if (hm_exec(&wallet_owner, values, NULL, true) > 0)
	{
		int64		owner = hm_get_int64(0, 1, &isnull);

		if (owner != creator_id)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("wallet %s is already linked to creator " INT64_FORMAT, wallet_hex, owner),
					 errdetail("A wallet belongs to one creator at most.")));
		/* this creator's wallet already: linking again changes nothing */
		SPI_finish();
		PG_RETURN_VOID();
	}
	values[0] = Int64GetDatum(creator_id);
	values[1] = CStringGetTextDatum(wallet_hex);
	values[2] = CStringGetTextDatum(signature_hex);
	values[3] = Int64GetDatum((int64) chain_id);
	hm_exec(&store_wallet, values, NULL, false);
	hm_exec(&enqueue_link, values, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}
