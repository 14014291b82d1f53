import type { RequestEnvelope } from '../../../shared/agency/envelope.ts';
import { GmCryptoError, sm2Sign, sm2Verify, sm4EcbDecrypt, sm4EcbEncrypt } from './sm.ts';

/**
 * The envelope of the `gm` gateway profile (docs/agency.md, as Jilin's gateway): the input is
 * SM4-ECB-PKCS7 encrypted with the 16 UTF-8 bytes of the clientId as key and carried as Base64;
 * `cainfo` is the Base64 SM3withSM2 signature (r‖s, 64 bytes) of the input JSON with the
 * clientId as SM2 user id; the answer's `output` comes back encrypted the same way. The desk
 * seals requests and opens answers; the reference agency does the opposite with the same code.
 */

export interface GmKeys {
  clientId: string;
  privateKeyHex: string;
}

/** The SM4 key: the clientId's UTF-8 bytes, which must be exactly 16. */
function sm4KeyOf(clientId: string): Uint8Array {
  const key = new TextEncoder().encode(clientId);
  if (key.length !== 16) throw new GmCryptoError('SM4_KEY', `SM4 密钥应为 16 字节（clientId 为 ${key.length} 字节）`);
  return key;
}

function encryptText(json: string, clientId: string): string {
  return Buffer.from(sm4EcbEncrypt(new TextEncoder().encode(json), sm4KeyOf(clientId))).toString('base64');
}

function strictBase64(text: string, field: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  // Buffer ignores what is not Base64; a garbled field must fail here, not decrypt to noise.
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new GmCryptoError('SM4_DATA', `${field} 不是有效的 Base64 文本`);
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** The decrypted JSON text (what the signature covers) and its value. */
function decryptJson(text: string, clientId: string, field: string): { json: string; value: unknown } {
  const key = sm4KeyOf(clientId);
  const plain = sm4EcbDecrypt(strictBase64(text, field), key);
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new GmCryptoError('SM4_DATA', `${field} 解密后不是 UTF-8 文本：clientId 可能不对`);
  }
  try {
    return { json, value: JSON.parse(json) as unknown };
  } catch {
    throw new GmCryptoError('SM4_DATA', `${field} 解密后不是 JSON：clientId 可能不对`);
  }
}

/**
 * The request as the gm gateway takes it: the same envelope with `encType: 'SM4'`,
 * `signtype: 'SM2'`, `input` = Base64(SM4(JSON of input)) and `cainfo` = Base64(r‖s).
 */
export function sealGmEnvelope(env: RequestEnvelope, o: GmKeys): Record<string, unknown> {
  const json = JSON.stringify(env.input);
  const input = encryptText(json, o.clientId);
  const cainfo = Buffer.from(sm2Sign(json, o.privateKeyHex, o.clientId)).toString('base64');
  return { ...env, encType: 'SM4', signtype: 'SM2', input, cainfo };
}

/**
 * The agency side of sealGmEnvelope: the decrypted input. With publicKeyHex the `cainfo` must be
 * the sender's valid signature of that input JSON; otherwise the signature is not checked.
 */
export function openGmInput(sealed: Record<string, unknown>, o: { clientId: string; publicKeyHex?: string }): unknown {
  if (sealed.encType !== 'SM4') throw new GmCryptoError('SM4_DATA', `报文的加密类型（encType）应为 SM4，现为 ${JSON.stringify(sealed.encType ?? null)}`);
  if (typeof sealed.input !== 'string') throw new GmCryptoError('SM4_DATA', '加密报文的交易输入（input）应为 Base64 文本');
  const { json, value } = decryptJson(sealed.input, o.clientId, '交易输入（input）');
  if (o.publicKeyHex !== undefined) {
    if (sealed.signtype !== 'SM2') throw new GmCryptoError('SM2_SIGNATURE', `报文的签名类型（signtype）应为 SM2，现为 ${JSON.stringify(sealed.signtype ?? null)}`);
    if (typeof sealed.cainfo !== 'string' || sealed.cainfo === '') throw new GmCryptoError('SM2_SIGNATURE', '报文缺少 SM2 签名（cainfo）');
    const sig = strictBase64(sealed.cainfo, 'SM2 签名（cainfo）');
    // The signature covers the JSON text exactly as it was encrypted, not a re-serialisation.
    if (!sm2Verify(json, sig, o.publicKeyHex, o.clientId)) {
      throw new GmCryptoError('SM2_SIGNATURE', 'SM2 签名（cainfo）验证失败：报文被改动，或签名所用私钥与登记的公钥不符');
    }
  }
  return value;
}

/** An answer's `output` as the gm gateway sends it: Base64(SM4(JSON of output)). */
export function sealGmOutput(output: unknown, clientId: string): string {
  return encryptText(JSON.stringify(output ?? null), clientId);
}

/**
 * The answer with its `output` decrypted back to the object. A null, absent or object output
 * (a refusal usually carries none) and an empty string are left as they are.
 */
export function openGmOutput(answer: Record<string, unknown>, clientId: string): Record<string, unknown> {
  const out = answer.output;
  if (typeof out !== 'string' || out.trim() === '') return answer;
  return { ...answer, output: decryptJson(out, clientId, '交易输出（output）').value };
}
