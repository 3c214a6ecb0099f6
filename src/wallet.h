/*
 * wallet.h
 *		Linking a creator's EVM wallet: the signed message, checked in C.
 */
#ifndef HM_WALLET_H
#define HM_WALLET_H

#include "secp.h"

/*
 * The exact wallet-link message (INTERFACES.md, docs/contracts.md), palloc'd:
 * "hybridmusic wallet link: creator <id>, wallet <0x..lower>, chain <id>,
 * factory <0x..lower>".  The contract's setCreatorWallet checks the same
 * bytes, so music.link_wallet and the contract agree by construction.
 */
extern char *hm_wallet_link_message(int64 creator_id, const uint8 *wallet20,
									uint64 chain_id, const uint8 *factory20);

#endif							/* HM_WALLET_H */
