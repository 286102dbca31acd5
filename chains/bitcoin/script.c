/*
 * script.c — output script classification into address keys (see script.h).
 *
 * The templates are tried in the order of Bitcoin Core's Solver, so that a script matching
 * two patterns gets Core's answer:
 *
 *     P2SH        a9 14 <20> 87                              's' ‖ hash160
 *     witness     OP_0|OP_1..OP_16 <push of 2..40 bytes>     v0/20 'w', v0/32 'W', v1/32 't',
 *                 (whole script is 4..42 bytes)              v1..16 other 'v' ‖ ver ‖ program,
 *                                                            v0 other lengths: non-standard
 *     null data   6a followed by pushes only (OP_0..OP_16)   no address (len 0)
 *     P2PK        21 <33> ac | 41 <65> ac, key parsed by     'k' ‖ hash160(key as it appears)
 *                 libsecp256k1                                (the key of its P2PKH address)
 *     P2PKH       76 a9 14 <20> 88 ac                        'k' ‖ hash160
 *     multisig    m <keys> n ae                              'm' ‖ sha256(script)
 *     otherwise   non-standard                               'n' ‖ sha256(script)
 *
 * Bare multisig, kept simple: m and n are OP_1..OP_16, or a one-byte push of 17..20 (the only
 * minimal encoding of those numbers; Core's limit is 20 keys), 1 <= m <= n, exactly n key pushes
 * each of a valid public key size (33 bytes starting 02/03, 65 bytes starting 04/06/07, Core's
 * CPubKey::ValidSize; the keys are not parsed on the curve), then OP_CHECKMULTISIG as the last
 * byte. Core's relay policy only allows n <= 3; larger ones still classify as multisig here
 * because that is what they are on chain.
 *
 * P2PK keys are parsed with secp256k1_ec_pubkey_parse through one context created once with
 * pthread_once (safe under OpenMP); a P2PK-shaped script whose key does not parse is
 * non-standard. The context lives until the process exits.
 */
#include "chains/bitcoin/script.h"

#include <pthread.h>
#include <secp256k1.h>
#include <string.h>

#include "engine/hash.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define OP_0 0x00
#define OP_PUSHDATA1 0x4c
#define OP_PUSHDATA2 0x4d
#define OP_PUSHDATA4 0x4e
#define OP_1 0x51
#define OP_16 0x60
#define OP_RETURN 0x6a
#define OP_DUP 0x76
#define OP_EQUAL 0x87
#define OP_EQUALVERIFY 0x88
#define OP_HASH160 0xa9
#define OP_CHECKSIG 0xac
#define OP_CHECKMULTISIG 0xae

#define MULTISIG_MAX_KEYS 20

static pthread_once_t secp_once = PTHREAD_ONCE_INIT;
static secp256k1_context *secp_ctx;

static void secp_init(void)
{
    secp_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
}

static int pubkey_parses(const uint8_t *key, size_t len)
{
    pthread_once(&secp_once, secp_init);
    if (!secp_ctx)
        return 0;
    secp256k1_pubkey pk;
    return secp256k1_ec_pubkey_parse(secp_ctx, &pk, key, len) == 1;
}

/* Core's CPubKey::ValidSize: the length implied by the first byte. */
static int pubkey_valid_size(const uint8_t *key, size_t len)
{
    if (len == 33)
        return key[0] == 2 || key[0] == 3;
    if (len == 65)
        return key[0] == 4 || key[0] == 6 || key[0] == 7;
    return 0;
}

/* One script operation: opcode, and for a push its data. Returns 0 at the end or on a push
 * running past the script. */
typedef struct script_op {
    uint8_t opcode;
    const uint8_t *data;
    size_t len;
} script_op;

static int next_op(ft_reader *r, script_op *op)
{
    memset(op, 0, sizeof *op);
    if (r->left == 0 || !ft_reader_u8(r, &op->opcode))
        return 0;
    size_t n;
    if (op->opcode < OP_PUSHDATA1) {
        n = op->opcode;
    } else if (op->opcode == OP_PUSHDATA1) {
        uint8_t v;
        if (!ft_reader_u8(r, &v))
            return 0;
        n = v;
    } else if (op->opcode == OP_PUSHDATA2) {
        uint16_t v;
        if (!ft_reader_u16le(r, &v))
            return 0;
        n = v;
    } else if (op->opcode == OP_PUSHDATA4) {
        uint32_t v;
        if (!ft_reader_u32le(r, &v))
            return 0;
        n = v;
    } else {
        return 1;
    }
    op->len = n;
    op->data = ft_reader_ptr(r, n);
    return op->data != NULL;
}

/* Core's IsPushOnly over the whole of script: every op parses and is at most OP_16. */
static int push_only(const uint8_t *script, size_t len)
{
    ft_reader r;
    script_op op;
    ft_reader_init(&r, script, len);
    while (r.left > 0) {
        if (!next_op(&r, &op) || op.opcode > OP_16)
            return 0;
    }
    return 1;
}

/* A multisig count: OP_1..OP_16, or a one-byte push of 17..20; 0 if neither. */
static int multisig_number(const script_op *op)
{
    if (op->opcode >= OP_1 && op->opcode <= OP_16)
        return op->opcode - OP_1 + 1;
    if (op->opcode == 1 && op->len == 1 && op->data[0] >= 17 && op->data[0] <= MULTISIG_MAX_KEYS)
        return op->data[0];
    return 0;
}

static int match_multisig(const uint8_t *script, size_t len)
{
    if (len < 3 || script[len - 1] != OP_CHECKMULTISIG)
        return 0;
    ft_reader r;
    script_op op;
    ft_reader_init(&r, script, len - 1);
    if (!next_op(&r, &op))
        return 0;
    int m = multisig_number(&op);
    if (m == 0)
        return 0;
    int keys = 0;
    for (;;) {
        if (!next_op(&r, &op))
            return 0;
        if (op.data && pubkey_valid_size(op.data, op.len)) {
            keys++;
            continue;
        }
        break;
    }
    int n = multisig_number(&op);
    return n != 0 && m <= n && keys == n && r.left == 0;
}

static void key_hash(ft_addr_key *key, uint8_t kind, const uint8_t *script, size_t len)
{
    key->bytes[0] = kind;
    ft_sha256(key->bytes + 1, script, len);
    key->len = 33;
}

static void key_copy(ft_addr_key *key, uint8_t kind, const uint8_t *payload, size_t len)
{
    key->bytes[0] = kind;
    memcpy(key->bytes + 1, payload, len);
    key->len = (uint8_t)(1 + len);
}

ft_btc_script_type ft_btc_script_classify(const uint8_t *script, size_t len, ft_addr_key *key)
{
    memset(key, 0, sizeof *key);
    if (!script)
        len = 0;

    if (len == 23 && script[0] == OP_HASH160 && script[1] == 20 && script[22] == OP_EQUAL) {
        key_copy(key, 's', script + 2, 20);
        return FT_BTC_P2SH;
    }

    if (len >= 4 && len <= 42 && (script[0] == OP_0 || (script[0] >= OP_1 && script[0] <= OP_16)) &&
        script[1] == len - 2) {
        int version = script[0] == OP_0 ? 0 : script[0] - OP_1 + 1;
        const uint8_t *prog = script + 2;
        size_t plen = len - 2;
        if (version == 0 && plen == 20) {
            key_copy(key, 'w', prog, 20);
            return FT_BTC_P2WPKH;
        }
        if (version == 0 && plen == 32) {
            key_copy(key, 'W', prog, 32);
            return FT_BTC_P2WSH;
        }
        if (version == 1 && plen == 32) {
            key_copy(key, 't', prog, 32);
            return FT_BTC_P2TR;
        }
        if (version != 0) {
            key->bytes[0] = 'v';
            key->bytes[1] = (uint8_t)version;
            memcpy(key->bytes + 2, prog, plen);
            key->len = (uint8_t)(2 + plen);
            return FT_BTC_WITNESS_UNKNOWN;
        }
        key_hash(key, 'n', script, len); /* v0 with another length: unspendable */
        return FT_BTC_NONSTANDARD;
    }

    if (len >= 1 && script[0] == OP_RETURN && push_only(script + 1, len - 1))
        return FT_BTC_NULLDATA; /* no address */

    if (((len == 35 && script[0] == 33) || (len == 67 && script[0] == 65)) &&
        script[len - 1] == OP_CHECKSIG && pubkey_valid_size(script + 1, len - 2) &&
        pubkey_parses(script + 1, len - 2)) {
        key->bytes[0] = 'k';
        ft_hash160(key->bytes + 1, script + 1, len - 2);
        key->len = 21;
        return FT_BTC_P2PK;
    }

    if (len == 25 && script[0] == OP_DUP && script[1] == OP_HASH160 && script[2] == 20 &&
        script[23] == OP_EQUALVERIFY && script[24] == OP_CHECKSIG) {
        key_copy(key, 'k', script + 3, 20);
        return FT_BTC_P2PKH;
    }

    if (match_multisig(script, len)) {
        key_hash(key, 'm', script, len);
        return FT_BTC_MULTISIG;
    }

    key_hash(key, 'n', script, len);
    return FT_BTC_NONSTANDARD;
}

const char *ft_btc_script_type_name(ft_btc_script_type t)
{
    static const char *const names[FT_BTC_SCRIPT_TYPE_COUNT] = {
        [FT_BTC_NONSTANDARD] = "nonstandard",
        [FT_BTC_P2PK] = "p2pk",
        [FT_BTC_P2PKH] = "p2pkh",
        [FT_BTC_P2SH] = "p2sh",
        [FT_BTC_P2WPKH] = "p2wpkh",
        [FT_BTC_P2WSH] = "p2wsh",
        [FT_BTC_P2TR] = "p2tr",
        [FT_BTC_WITNESS_UNKNOWN] = "witness_unknown",
        [FT_BTC_MULTISIG] = "multisig",
        [FT_BTC_NULLDATA] = "nulldata",
    };
    if ((unsigned)t >= FT_BTC_SCRIPT_TYPE_COUNT)
        return "nonstandard";
    return names[t];
}
