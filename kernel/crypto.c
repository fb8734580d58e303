// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: AES-256-GCM on skbs, in place, through the kernel AEAD API.
 *
 * DATA = hdr(16) | ciphertext | tag(16); AAD = hdr;
 * nonce = (salt with salt[0] ^= path_id) || be64 counter (DESIGN §3).
 *
 * The scatterlist covers the skb itself (skb_cow_data makes it writable and
 * linear enough, skb_to_sgvec maps it), so nothing is copied. The request,
 * nonce and scatterlist live in one GFP_ATOMIC allocation per packet (as
 * esp4 does) because an asynchronous implementation keeps them after we
 * return; the continuation frees it.
 */
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <crypto/aead.h>
#include "compat.h"
#include "crypto.h"

/* tmp = nonce | aead_request with the tfm's context | scatterlist[nsg] */
static void *avpn_tmp_alloc(struct crypto_aead *tfm, int nsg, u8 **iv, struct aead_request **req,
			    struct scatterlist **sg)
{
	unsigned int len;
	void *tmp;

	len = AUTOVPN_NONCE_LEN + (crypto_aead_alignmask(tfm) & ~(crypto_tfm_ctx_alignment() - 1));
	len = ALIGN(len, crypto_tfm_ctx_alignment());
	len += sizeof(struct aead_request) + crypto_aead_reqsize(tfm);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;

	tmp = kmalloc(len, GFP_ATOMIC);
	if (unlikely(!tmp))
		return NULL;
	*iv = PTR_ALIGN((u8 *)tmp, crypto_aead_alignmask(tfm) + 1);
	*req = (void *)PTR_ALIGN(*iv + AUTOVPN_NONCE_LEN, crypto_tfm_ctx_alignment());
	aead_request_set_tfm(*req, tfm);
	*sg = (void *)ALIGN((unsigned long)(*req + 1) + crypto_aead_reqsize(tfm),
			    __alignof__(struct scatterlist));
	return tmp;
}

static void avpn_nonce(u8 *iv, const u8 *salt, u8 path_id, const void *be_counter)
{
	memcpy(iv, salt, AUTOVPN_SALT_LEN);
	iv[0] ^= path_id;
	memcpy(iv + AUTOVPN_SALT_LEN, be_counter, sizeof(__be64));
}

static void avpn_tmp_free(struct sk_buff *skb)
{
	kfree(avpn_cb(skb)->tmp);
	avpn_cb(skb)->tmp = NULL;
}

/*
 * Async completion. -EINPROGRESS only announces that a backlogged request
 * started; we never ask for backlogging (flags 0), but ignore it anyway.
 */
static void avpn_encrypt_cb(AVPN_CRYPTO_CB_ARGS)
{
	struct sk_buff *skb = AVPN_CRYPTO_CB_DATA;

	if (err == -EINPROGRESS)
		return;
	avpn_tmp_free(skb);
	avpn_encrypt_done(skb, err);
}

static void avpn_decrypt_cb(AVPN_CRYPTO_CB_ARGS)
{
	struct sk_buff *skb = AVPN_CRYPTO_CB_DATA;

	if (err == -EINPROGRESS)
		return;
	avpn_tmp_free(skb);
	avpn_decrypt_done(skb, err);
}

void avpn_encrypt(struct sk_buff *skb)
{
	struct avpn_skb_cb *cb = avpn_cb(skb);
	struct crypto_aead *tfm = cb->key->enc;
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	__be64 counter;
	unsigned int plen;
	int nsg, err;
	u8 *iv;

	cb->tmp = NULL;
	/* Writable data and room for the tag (may linearize; keeps headroom). */
	nsg = skb_cow_data(skb, AUTOVPN_TAG_LEN, &trailer);
	if (unlikely(nsg < 0)) {
		err = nsg;
		goto out;
	}
	cb->tmp = avpn_tmp_alloc(tfm, nsg, &iv, &req, &sg);
	if (unlikely(!cb->tmp)) {
		err = -ENOMEM;
		goto out;
	}
	plen = skb->len - AUTOVPN_DATA_HDR_LEN;
	pskb_put(skb, trailer, AUTOVPN_TAG_LEN);

	sg_init_table(sg, nsg);
	err = skb_to_sgvec(skb, sg, 0, skb->len);
	if (unlikely(err < 0))
		goto out;

	counter = cpu_to_be64(cb->counter);
	avpn_nonce(iv, cb->key->enc_salt, cb->path_id, &counter);
	aead_request_set_callback(req, 0, avpn_encrypt_cb, skb);
	aead_request_set_crypt(req, sg, sg, plen, iv);
	aead_request_set_ad(req, AUTOVPN_DATA_HDR_LEN);

	err = crypto_aead_encrypt(req);
	/* Without CRYPTO_TFM_REQ_MAY_BACKLOG, -EBUSY means "not queued". */
	if (err == -EINPROGRESS)
		return;
out:
	avpn_tmp_free(skb);
	avpn_encrypt_done(skb, err);
}

void avpn_decrypt(struct sk_buff *skb)
{
	struct avpn_skb_cb *cb = avpn_cb(skb);
	struct crypto_aead *tfm = cb->key->dec;
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	int nsg, err;
	u8 *iv;

	cb->tmp = NULL;
	nsg = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nsg < 0)) {
		err = nsg;
		goto out;
	}
	cb->tmp = avpn_tmp_alloc(tfm, nsg, &iv, &req, &sg);
	if (unlikely(!cb->tmp)) {
		err = -ENOMEM;
		goto out;
	}
	sg_init_table(sg, nsg);
	err = skb_to_sgvec(skb, sg, 0, skb->len);
	if (unlikely(err < 0))
		goto out;

	/* skb->data may have moved in skb_cow_data: read the header now. */
	avpn_nonce(iv, cb->key->dec_salt, cb->path_id,
		   skb->data + offsetof(struct autovpn_data_hdr, counter));
	aead_request_set_callback(req, 0, avpn_decrypt_cb, skb);
	aead_request_set_crypt(req, sg, sg, skb->len - AUTOVPN_DATA_HDR_LEN, iv);
	aead_request_set_ad(req, AUTOVPN_DATA_HDR_LEN);

	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
out:
	avpn_tmp_free(skb);
	avpn_decrypt_done(skb, err);
}
