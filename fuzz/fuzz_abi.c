/*
 * fuzz_abi.c
 *		ABI return data, revert data and event logs, as a node returns them,
 *		through the decoders of src/abi.c.
 *
 * Input: byte 0 is the head slot the decoders read, the rest the data.
 * Every decoder must answer within the data's bounds (ASan checks), and
 * hm_abi_revert_reason must give printable ASCII of bounded length for any
 * bytes, with the custom errors the worker knows (src/onchain.c) and with
 * string arguments.
 */
#include "postgres.h"

#include "abi.h"
#include "backend_shim.h"

/* The worker's list (src/onchain.c), plus types the printer treats apart. */
static const char *const known_errors[] = {
	"LengthMismatch()", "MarketsNotConnected()", "MetricsOutOfRange(uint256)", "NoCoin(uint256)",
	"NotEnoughHolders(uint256)", "StaleMetrics(uint256,uint256,uint256)", "UnknownCoin(address)",
	"ValueMismatch(uint256,uint256)", "WalletSignatureInvalid(uint256,address)", "ZeroAddress()",
	"ZeroAmount()", "ZeroValue()", "AccessControlUnauthorizedAccount(address,bytes32)",
	"Named(string,bool,bytes32,string)"
};

int
LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	const uint8 *data = input + 1;
	size_t		len = size - 1;
	int			index;
	HmUint256	word;
	uint64		u;
	uint8		address[20];
	bool		flag;
	const uint8 *bytes;
	size_t		bytes_len;
	char	   *reason;
	HmEventLog	log;

	if (size < 1)
		return 0;
	index = input[0] < 0xf0 ? input[0] : -(int) (input[0] - 0xef);

	hm_abi_decode_word(data, len, index, &word);
	hm_abi_decode_uint64(data, len, index, &u);
	hm_abi_decode_address(data, len, index, address);
	hm_abi_decode_bool(data, len, index, &flag);
	if (hm_abi_decode_bytes(data, len, index, &bytes, &bytes_len) &&
		(bytes < data || bytes_len > len || bytes + bytes_len > data + len))
		abort();

	reason = hm_abi_revert_reason(data, len, known_errors, lengthof(known_errors));
	if (strlen(reason) > 400)
		abort();
	for (const char *p = reason; *p; p++)
		if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
			abort();

	/* a log whose data is the input: topic0 from the first 32 bytes */
	memset(&log, 0, sizeof(log));
	log.ntopics = len >= 32 ? 1 : 0;
	if (log.ntopics)
		memcpy(log.topics[0], data, 32);
	log.data = (uint8 *) data;
	log.data_len = len;
	if (hm_abi_log_is(&log, NULL, log.topics[0]) != (log.ntopics == 1))
		abort();

	shim_reset_memory();
	return 0;
}
