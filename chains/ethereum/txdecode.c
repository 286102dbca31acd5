/*
 * txdecode.c — decoding signed Ethereum transactions and recovering their senders (see
 * txdecode.h for the four encodings).
 *
 * The fields are read into a fixed array of RLP items (at most 14) and checked for count and
 * kind; the signing payload is rebuilt from the raw encodings of the signed fields (so a
 * re-encoding can never differ from what was signed) under a fresh list header. Recovery:
 * secp256k1_ecdsa_recoverable_signature_parse_compact(r ‖ s, recid) then
 * secp256k1_ecdsa_recover, the uncompressed key's last 64 bytes through Keccak-256.
 */
#include "chains/ethereum/txdecode.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/keccak.h"
#include "chains/ethereum/rlp.h"
#include "engine/buf.h"

#include "engine/banned.h"

#define MAX_FIELDS 14

static ft_status fail(ft_err *err, const char *what)
{
    return ft_err_set(err, FT_ERR_PARSE, "malformed raw transaction: %s", what);
}

static int sig_scalar(uint8_t out[32], const ft_eth_rlp_item *it)
{
    ft_u256 v;
    if (!ft_eth_rlp_u256(it, &v) || ft_u256_is_zero(&v))
        return 0;
    memset(out, 0, 32);
    uint8_t be[32];
    size_t n = ft_u256_to_be_min(be, &v);
    memcpy(out + 32 - n, be, n);
    return 1;
}

ft_status ft_eth_tx_decode(ft_eth_txdec *out, const uint8_t *raw, size_t len, ft_err *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return fail(err, "empty");
    uint8_t type = 0;
    const uint8_t *body = raw;
    size_t body_len = len;
    if (raw[0] < 0xc0) {
        type = raw[0];
        if (type < 1 || type > 3)
            return ft_err_set(err, FT_ERR_PARSE, "unsupported transaction type 0x%02x", type);
        body++;
        body_len--;
    }
    ft_reader r;
    ft_reader_init(&r, body, body_len);
    ft_eth_rlp_item top;
    if (!ft_eth_rlp_next(&r, &top) || !top.list)
        return fail(err, "not an RLP list");
    if (r.left != 0)
        return fail(err, "trailing bytes after the list");
    ft_eth_rlp_item f[MAX_FIELDS];
    size_t n = 0;
    ft_reader lr;
    ft_reader_init(&lr, top.data, top.len);
    while (lr.left > 0) {
        if (n == MAX_FIELDS)
            return fail(err, "too many fields");
        if (!ft_eth_rlp_next(&lr, &f[n++]))
            return fail(err, "bad RLP item");
    }
    static const size_t want[4] = {9, 11, 12, 14};
    if (n != want[type])
        return ft_err_set(err, FT_ERR_PARSE,
                          "malformed raw transaction: type %u has %zu fields, not %zu", type, n,
                          want[type]);
    for (size_t i = 0; i < n; i++) {
        int list_ok = (type == 1 && i == 7) || (type >= 2 && i == 8) || (type == 3 && i == 10);
        if (f[i].list && !list_ok)
            return fail(err, "a scalar field is a list");
    }
    out->type = type;
    size_t i_nonce, i_price, i_gas, i_to, i_value, i_data, i_sig, n_signed;
    if (type == 0) {
        i_nonce = 0, i_price = 1, i_gas = 2, i_to = 3, i_value = 4, i_data = 5, i_sig = 6;
        n_signed = 6;
    } else {
        if (!ft_eth_rlp_u64(&f[0], &out->chain_id))
            return fail(err, "chain id");
        out->has_chain_id = 1;
        i_nonce = 1;
        if (type == 1) {
            i_price = 2, i_gas = 3, i_to = 4, i_value = 5, i_data = 6, i_sig = 8;
        } else {
            if (!ft_eth_rlp_u256(&f[2], &out->max_priority_fee))
                return fail(err, "max priority fee");
            i_price = 3, i_gas = 4, i_to = 5, i_value = 6, i_data = 7;
            i_sig = type == 2 ? 9 : 11;
            if (!f[8].list || (type == 3 && !f[10].list))
                return fail(err, "access list or blob hashes not a list");
        }
        if (type == 1 && !f[7].list)
            return fail(err, "access list not a list");
        n_signed = i_sig;
    }
    if (!ft_eth_rlp_u64(&f[i_nonce], &out->nonce))
        return fail(err, "nonce");
    if (!ft_eth_rlp_u256(&f[i_price], &out->gas_price))
        return fail(err, "gas price");
    if (!ft_eth_rlp_u64(&f[i_gas], &out->gas))
        return fail(err, "gas limit");
    if (f[i_to].len == 20) {
        out->has_to = 1;
        memcpy(out->to, f[i_to].data, 20);
    } else if (f[i_to].len != 0 || type == 3) {
        return fail(err, "recipient is neither 20 bytes nor empty");
    }
    if (!ft_eth_rlp_u256(&f[i_value], &out->value))
        return fail(err, "value");
    out->data_len = f[i_data].len;
    if (!sig_scalar(out->sig, &f[i_sig + 1]) || !sig_scalar(out->sig + 32, &f[i_sig + 2]))
        return fail(err, "signature r or s");
    uint64_t v;
    if (!ft_eth_rlp_u64(&f[i_sig], &v))
        return fail(err, "signature v");
    int eip155 = 0;
    if (type == 0) {
        if (v == 27 || v == 28) {
            out->recid = (int)(v - 27);
        } else if (v >= 35) {
            out->has_chain_id = 1;
            out->chain_id = (v - 35) / 2;
            out->recid = (int)((v - 35) % 2);
            eip155 = 1;
        } else {
            return fail(err, "signature v");
        }
    } else {
        if (v > 1)
            return fail(err, "signature y parity");
        out->recid = (int)v;
    }

    ft_eth_keccak256(out->hash, raw, len);

    size_t payload = 0;
    for (size_t i = 0; i < n_signed; i++)
        payload += f[i].raw_len;
    ft_buf b;
    ft_buf_init(&b);
    ft_buf tail;
    ft_buf_init(&tail);
    if (eip155) {
        ft_eth_rlp_put_u64(&tail, out->chain_id);
        ft_buf_u8(&tail, 0x80);
        ft_buf_u8(&tail, 0x80);
        payload += tail.len;
    }
    if (type)
        ft_buf_u8(&b, type);
    ft_eth_rlp_put_header(&b, 1, payload);
    for (size_t i = 0; i < n_signed; i++)
        ft_buf_append(&b, f[i].raw, f[i].raw_len);
    if (tail.len)
        ft_buf_append(&b, tail.data, tail.len);
    int bad = b.failed || tail.failed;
    if (!bad)
        ft_eth_keccak256(out->sighash, b.data, b.len);
    ft_buf_release(&b);
    ft_buf_release(&tail);
    if (bad)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory hashing a transaction");
    return FT_OK;
}

static secp256k1_context *verify_ctx(void)
{
    static secp256k1_context *ctx;
    if (!ctx) {
        secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        if (!__sync_bool_compare_and_swap(&ctx, NULL, c))
            secp256k1_context_destroy(c);
    }
    return ctx;
}

ft_status ft_eth_tx_sender(uint8_t from[20], const ft_eth_txdec *tx, ft_err *err)
{
    memset(from, 0, 20);
    secp256k1_context *ctx = verify_ctx();
    if (!ctx)
        return ft_err_set(err, FT_ERR_NOMEM, "cannot create a secp256k1 context");
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_pubkey pub;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, tx->sig, tx->recid))
        return ft_err_set(err, FT_ERR_PARSE, "transaction signature does not parse");
    if (!secp256k1_ecdsa_recover(ctx, &pub, &sig, tx->sighash))
        return ft_err_set(err, FT_ERR_PARSE, "transaction signature recovers no public key");
    uint8_t ser[65];
    size_t sl = sizeof ser;
    if (!secp256k1_ec_pubkey_serialize(ctx, ser, &sl, &pub, SECP256K1_EC_UNCOMPRESSED) || sl != 65)
        return ft_err_set(err, FT_ERR_PARSE, "cannot serialise the recovered public key");
    ft_eth_address_from_pubkey(from, ser + 1);
    return FT_OK;
}
