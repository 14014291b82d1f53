import smCrypto from 'sm-crypto';

/**
 * The national SM algorithms the `gm` gateway profile needs (docs/agency.md), as small typed
 * wrappers over the pure-JS `sm-crypto`. Never `node:crypto` here: Electron's main process is
 * built on BoringSSL, which has no SM2/SM3/SM4, so `createCipheriv('sm4-ecb')` works under Node in
 * the tests and fails in the desktop app.
 *   SM3 — GB/T 32905-2016 hash;  SM4 — GB/T 32907-2016 block cipher (ECB, PKCS#7 here);
 *   SM2 — GB/T 32918-2016 signature on the recommended curve, SM3withSM2 with the Z value of a
 *         user id (GB/T 32918.2 §5.5; GM/T 0009 default id "1234567812345678").
 * Every input is taken as bytes (strings as UTF-8) so Chinese text hashes, encrypts and signs
 * the same as in any other implementation.
 */

const { sm2, sm3, sm4 } = smCrypto;
/** Exported by sm-crypto 0.5 but missing from @types/sm-crypto. */
const sm2More = sm2 as unknown as { verifyPublicKey(publicKey: string): boolean; getPublicKeyFromPrivateKey(privateKey: string): string };

/** A key, signature or ciphertext the algorithms cannot take; the message says which and why. */
export class GmCryptoError extends Error {
  constructor(
    readonly code: 'SM4_KEY' | 'SM4_DATA' | 'SM4_PADDING' | 'SM2_PRIVATE_KEY' | 'SM2_PUBLIC_KEY' | 'SM2_SIGNATURE',
    message: string,
  ) {
    super(message);
    this.name = 'GmCryptoError';
  }
}

const SM4_BLOCK = 16;
/** Order n of the SM2 recommended curve's base point (GB/T 32918.5 §3). */
const SM2_N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function bytesOf(data: string | Uint8Array): number[] {
  return Array.from(typeof data === 'string' ? utf8(data) : data);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---------------------------------------------------------------------------------------------
// SM3

/** SM3 digest (32 bytes) as 64 lowercase hex digits; a string is hashed as its UTF-8 bytes. */
export function sm3Hex(data: string | Uint8Array): string {
  return sm3(bytesOf(data));
}

// ---------------------------------------------------------------------------------------------
// SM4 (ECB, PKCS#7)

function sm4Key(key16: Uint8Array): number[] {
  if (key16.length !== SM4_BLOCK) throw new GmCryptoError('SM4_KEY', `SM4 密钥应为 16 字节（现为 ${key16.length} 字节）`);
  return Array.from(key16);
}

/** SM4-ECB with PKCS#7 padding: the ciphertext is always a whole number of 16-byte blocks. */
export function sm4EcbEncrypt(plain: Uint8Array, key16: Uint8Array): Uint8Array {
  const key = sm4Key(key16);
  return Uint8Array.from(sm4.encrypt(Array.from(plain), key, { padding: 'pkcs#7', output: 'array' }));
}

/** The inverse of sm4EcbEncrypt; the padding is checked strictly (1–16 bytes, all equal). */
export function sm4EcbDecrypt(cipher: Uint8Array, key16: Uint8Array): Uint8Array {
  const key = sm4Key(key16);
  if (cipher.length === 0 || cipher.length % SM4_BLOCK !== 0) {
    throw new GmCryptoError('SM4_DATA', `SM4 密文长度应为 16 字节的整数倍（现为 ${cipher.length} 字节）`);
  }
  // sm-crypto's own unpadding accepts a last byte of 0 or > 16; strip it here instead.
  const out = sm4.decrypt(Array.from(cipher), key, { padding: 'none', output: 'array' });
  const pad = out[out.length - 1] ?? 0;
  if (pad < 1 || pad > SM4_BLOCK || out.slice(out.length - pad).some((b) => b !== pad)) {
    throw new GmCryptoError('SM4_PADDING', 'SM4 解密后的填充无效：密钥不对或密文已损坏');
  }
  return Uint8Array.from(out.slice(0, out.length - pad));
}

// ---------------------------------------------------------------------------------------------
// SM2 (SM3withSM2, signature r‖s)

function privateKey(hex: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new GmCryptoError('SM2_PRIVATE_KEY', `SM2 私钥应为 64 位十六进制数字（32 字节），现为 ${hex.length} 个字符`);
  }
  const d = BigInt(`0x${hex}`);
  // GB/T 32918.1 §6.1: d ∈ [1, n−2].
  if (d < 1n || d > SM2_N - 2n) throw new GmCryptoError('SM2_PRIVATE_KEY', 'SM2 私钥超出曲线阶的有效范围');
  return hex.toLowerCase();
}

function publicKey(hex: string): string {
  let key = hex.trim().toLowerCase();
  // Raw x‖y without the 04 prefix is common in configuration files.
  if (/^[0-9a-f]{128}$/.test(key)) key = `04${key}`;
  if (!/^04[0-9a-f]{128}$/.test(key) && !/^0[23][0-9a-f]{64}$/.test(key)) {
    throw new GmCryptoError('SM2_PUBLIC_KEY', `SM2 公钥应为 04 开头的 130 位十六进制数字（或 02/03 开头的 66 位压缩形式），现为 ${hex.length} 个字符`);
  }
  if (!sm2More.verifyPublicKey(key)) throw new GmCryptoError('SM2_PUBLIC_KEY', 'SM2 公钥不是推荐曲线上的点');
  return key;
}

/** The public key (04‖x‖y, 130 hex digits) of a private key. */
export function sm2PublicKeyFromPrivate(privateKeyHex: string): string {
  return sm2More.getPublicKeyFromPrivateKey(privateKey(privateKeyHex));
}

/**
 * SM3withSM2 signature of the UTF-8 bytes of msg: e = SM3(Z ‖ M) with Z from userId and the
 * signer's public key, returned as 64 bytes r‖s (not DER).
 */
export function sm2Sign(msg: string, privateKeyHex: string, userId: string): Uint8Array {
  const priv = privateKey(privateKeyHex);
  const hex = sm2.doSignature(bytesOf(msg), priv, { hash: true, der: false, userId, publicKey: sm2PublicKeyFromPrivate(priv) });
  return hexToBytes(hex);
}

/** true when sig64 (r‖s) is publicKeyHex's SM3withSM2 signature of msg for userId. */
export function sm2Verify(msg: string, sig64: Uint8Array, publicKeyHex: string, userId: string): boolean {
  const pub = publicKey(publicKeyHex);
  if (sig64.length !== 64) return false;
  return sm2.doVerifySignature(bytesOf(msg), bytesToHex(sig64), pub, { hash: true, der: false, userId });
}

/** A fresh key pair: private key 64 hex digits, public key 04‖x‖y (130 hex digits). */
export function sm2GenerateKeyPair(): { privateKeyHex: string; publicKeyHex: string } {
  const { privateKey: privateKeyHex, publicKey: publicKeyHex } = sm2.generateKeyPairHex();
  return { privateKeyHex, publicKeyHex };
}
