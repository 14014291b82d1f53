import { createCipheriv, createHash } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import type { RequestEnvelope } from '../../shared/agency/envelope.ts';
import { openGmInput, openGmOutput, sealGmEnvelope, sealGmOutput } from '../../electron/agency/gm/gmEnvelope.ts';
import { sm2GenerateKeyPair, sm2PublicKeyFromPrivate, sm2Sign, sm2Verify, sm3Hex, sm4EcbDecrypt, sm4EcbEncrypt } from '../../electron/agency/gm/sm.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const compact = (s: string): string => s.replace(/\s+/g, '').toLowerCase();

describe('SM3 (GB/T 32905-2016, 附录 A)', () => {
  it('A.1: "abc"', () => {
    expect(sm3Hex('abc')).toBe(compact('66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0'));
    expect(sm3Hex(new TextEncoder().encode('abc'))).toBe(sm3Hex('abc'));
  });

  it('A.2: "abcd" × 16 (64 bytes, two blocks after padding)', () => {
    expect(sm3Hex('abcd'.repeat(16))).toBe(compact('debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732'));
  });

  it('hashes a string as its UTF-8 bytes (cross-checked with OpenSSL under Node, not used in the desk)', () => {
    const text = '{"psn_name":"张三","memo":"𠀀 住院"}';
    expect(sm3Hex(text)).toBe(createHash('sm3').update(text, 'utf8').digest('hex'));
  });
});

describe('SM4 (GB/T 32907-2016, 附录 A)', () => {
  const key = hex('0123456789abcdeffedcba9876543210');

  it('A.1: one block, key = plaintext = 0123456789abcdeffedcba9876543210', () => {
    // The standard's raw block, without padding: sm-crypto itself with padding 'none'.
    const block = smCrypto.sm4.encrypt(Array.from(key), Array.from(key), { padding: 'none', output: 'array' });
    expect(toHex(Uint8Array.from(block))).toBe('681edf34d206965e86b3e94f536e4246');
    expect(toHex(Uint8Array.from(smCrypto.sm4.decrypt(block, Array.from(key), { padding: 'none', output: 'array' })))).toBe(toHex(key));
  });

  it('ECB + PKCS#7: the standard block first, then a whole block of padding', () => {
    const c = sm4EcbEncrypt(key, key);
    expect(c.length).toBe(32);
    expect(toHex(c.slice(0, 16))).toBe('681edf34d206965e86b3e94f536e4246');
    expect(toHex(sm4EcbDecrypt(c, key))).toBe(toHex(key));
  });

  it('matches OpenSSL sm4-ecb (PKCS#7) on Chinese JSON of every length around a block boundary', () => {
    for (let n = 0; n <= 33; n++) {
      const plain = new TextEncoder().encode(`{"x":"${'医'.repeat(n)}"}`);
      const k = new TextEncoder().encode('ABCDEFGH12345678');
      const openssl = createCipheriv('sm4-ecb', k, null);
      const expected = Buffer.concat([openssl.update(plain), openssl.final()]);
      const mine = sm4EcbEncrypt(plain, k);
      expect(toHex(mine)).toBe(expected.toString('hex'));
      expect(toHex(sm4EcbDecrypt(mine, k))).toBe(toHex(plain));
    }
  });

  it('refuses a wrong key length, a ragged ciphertext and bad padding in Chinese', () => {
    expect(() => sm4EcbEncrypt(key, key.slice(0, 15))).toThrow('SM4 密钥应为 16 字节（现为 15 字节）');
    expect(() => sm4EcbDecrypt(new Uint8Array(17), key)).toThrow('SM4 密文长度应为 16 字节的整数倍（现为 17 字节）');
    // The raw standard block decrypts to 0123…10: last byte 0x10 but the others are not 0x10.
    expect(() => sm4EcbDecrypt(hex('681edf34d206965e86b3e94f536e4246'), key)).toThrow('SM4 解密后的填充无效');
  });
});

describe('SM2 signature (GB/T 32918.5-2017 / GM/T 0003.5-2012 附录 A, recommended curve)', () => {
  // The published sample. Its ZA is for the default user id of GM/T 0009, "1234567812345678";
  // the older edition's ALICE123@YAHOO.COM does not reproduce these values on this curve.
  const d = '3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8';
  const px = '09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020';
  const py = 'CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13';
  const publicKey = `04${compact(px)}${compact(py)}`;
  const userId = '1234567812345678';
  const message = 'message digest';
  const za = 'B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3';
  const e = 'F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640';
  const k = '59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21';
  const r = 'F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3';
  const s = 'B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA';
  const published = hex(r + s);

  // Curve parameters a, b, Gx, Gy of the recommended curve (GB/T 32918.5 §3).
  const a = 'FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFC';
  const b = '28E9FA9E 9D9F5E34 4D5A9E4B CF6509A7 F39789F5 15AB8F92 DDBCBD41 4D940E93';
  const gx = '32C4AE2C 1F198119 5F990446 6A39C994 8FE30BBF F2660BE1 715A4589 334C74C7';
  const gy = 'BC3736A2 F4F6779C 59BDCEE3 6B692153 D0A9877C C62A4740 02DF32E5 2139F0A0';

  it('the published public key is the one of the published private key', () => {
    expect(sm2PublicKeyFromPrivate(d)).toBe(publicKey);
  });

  it('Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ xA ‖ yA) and e = SM3(Z_A ‖ M) are the published values', () => {
    const id = new TextEncoder().encode(userId);
    const entl = hex((id.length * 8).toString(16).padStart(4, '0'));
    const z = sm3Hex(Uint8Array.from([...entl, ...id, ...hex(a + b + gx + gy + px + py)]));
    expect(z).toBe(compact(za));
    expect(sm3Hex(Uint8Array.from([...hex(z), ...new TextEncoder().encode(message)]))).toBe(compact(e));
  });

  it('the published (r, s) verifies with the published public key, and nothing else does', () => {
    expect(sm2Verify(message, published, publicKey, userId)).toBe(true);
    // Uppercase, and x‖y without the 04 prefix, are the same key.
    expect(sm2Verify(message, published, publicKey.slice(2).toUpperCase(), userId)).toBe(true);
    expect(sm2Verify('message digesT', published, publicKey, userId)).toBe(false);
    expect(sm2Verify(message, published, publicKey, 'ALICE123@YAHOO.COM')).toBe(false);
    const flipped = Uint8Array.from(published);
    flipped[63] = (flipped[63] ?? 0) ^ 1;
    expect(sm2Verify(message, flipped, publicKey, userId)).toBe(false);
    expect(sm2Verify(message, published.slice(0, 63), publicKey, userId)).toBe(false);
    expect(sm2Verify(message, published, sm2GenerateKeyPair().publicKeyHex, userId)).toBe(false);
  });

  it('signing e with the published k reproduces the published r and s exactly', () => {
    // sm-crypto takes a precomputed (k, x1 = x of [k]G) from pointPool; its BigInteger class
    // comes from one of its own points so the test needs no direct jsbn dependency.
    type Big = ReturnType<typeof smCrypto.sm2.getPoint>['k'];
    const BigInt16 = smCrypto.sm2.getPoint().k.constructor as new (hexText: string, radix: number) => Big;
    const kG = sm2PublicKeyFromPrivate(compact(k));
    const point = { k: new BigInt16(compact(k), 16), x1: new BigInt16(kG.slice(2, 66), 16), privateKey: compact(k), publicKey: kG };
    const sig = smCrypto.sm2.doSignature(Array.from(hex(e)), compact(d), { hash: false, der: false, pointPool: [point] });
    expect(sig).toBe(compact(r + s));
  });

  it('sign → verify round-trips (random k: two signatures differ, both verify), also for Chinese text', () => {
    const one = sm2Sign(message, d, userId);
    const two = sm2Sign(message, d, userId);
    expect(one.length).toBe(64);
    expect(toHex(one)).not.toBe(toHex(two));
    expect(sm2Verify(message, one, publicKey, userId)).toBe(true);
    expect(sm2Verify(message, two, publicKey, userId)).toBe(true);
    const { privateKeyHex, publicKeyHex } = sm2GenerateKeyPair();
    expect(privateKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(publicKeyHex).toMatch(/^04[0-9a-f]{128}$/);
    const text = '{"psn_name":"张三","mdtrt_id":"𠀀123"}';
    const sig = sm2Sign(text, privateKeyHex, 'H3401040000100A');
    expect(sm2Verify(text, sig, publicKeyHex, 'H3401040000100A')).toBe(true);
    expect(sm2Verify(text, sig, publicKeyHex, 'H3401040000100B')).toBe(false);
  });

  it('refuses malformed keys in Chinese', () => {
    expect(() => sm2Sign(message, d.slice(2), userId)).toThrow('SM2 私钥应为 64 位十六进制数字（32 字节），现为 62 个字符');
    expect(() => sm2Sign(message, '0'.repeat(64), userId)).toThrow('SM2 私钥超出曲线阶的有效范围');
    expect(() => sm2Verify(message, published, publicKey.slice(0, 100), userId)).toThrow('SM2 公钥应为 04 开头的 130 位十六进制数字');
    expect(() => sm2Verify(message, published, `04${'1'.repeat(128)}`, userId)).toThrow('SM2 公钥不是推荐曲线上的点');
  });
});

describe('the gm envelope (SM4 input, SM2 cainfo, SM4 output)', () => {
  const clientId = 'JL2201000000ABCD';
  const keys = sm2GenerateKeyPair();
  const env: RequestEnvelope = {
    infno: '2401', msgid: 'H34010400001202501021030000001', mdtrtarea_admvs: '340104', insuplc_admdvs: '220102',
    recer_sys_code: 'YBXT', infver: 'V1.0', opter_type: '1', opter: 'clerk01', opter_name: '王芳',
    inf_time: '2025-01-02 10:30:00', fixmedins_code: 'H34010400001', fixmedins_name: '合肥市示范医院', sign_no: '340104202501021030',
    input: { mdtrtinfo: { psn_no: '22010000000000000001', begntime: '2025-01-02 10:00:00', dscg_maindiag_name: '股骨颈骨折' } },
  };

  it('seals: encType SM4, signtype SM2, input = Base64(SM4-ECB-PKCS7(JSON)), cainfo = Base64(r‖s); the rest unchanged', () => {
    const sealed = sealGmEnvelope(env, { clientId, privateKeyHex: keys.privateKeyHex });
    expect(sealed).toMatchObject({ ...env, input: expect.any(String), encType: 'SM4', signtype: 'SM2', cainfo: expect.any(String) });
    const json = JSON.stringify(env.input);
    const plain = sm4EcbDecrypt(Uint8Array.from(Buffer.from(sealed.input as string, 'base64')), new TextEncoder().encode(clientId));
    expect(new TextDecoder().decode(plain)).toBe(json);
    const sig = Uint8Array.from(Buffer.from(sealed.cainfo as string, 'base64'));
    expect(sig.length).toBe(64);
    expect(sm2Verify(json, sig, keys.publicKeyHex, clientId)).toBe(true);
  });

  it('seal → open round-trips, with and without checking the signature', () => {
    const sealed = sealGmEnvelope(env, { clientId, privateKeyHex: keys.privateKeyHex });
    expect(openGmInput(sealed, { clientId, publicKeyHex: keys.publicKeyHex })).toEqual(env.input);
    expect(openGmInput(sealed, { clientId })).toEqual(env.input);
  });

  it('refuses a tampered cainfo, a replaced input, a missing signature and another sender’s key', () => {
    const sealed = sealGmEnvelope(env, { clientId, privateKeyHex: keys.privateKeyHex });
    const sig = Buffer.from(sealed.cainfo as string, 'base64');
    sig[10] = (sig[10] ?? 0) ^ 0x01;
    expect(() => openGmInput({ ...sealed, cainfo: sig.toString('base64') }, { clientId, publicKeyHex: keys.publicKeyHex })).toThrow('SM2 签名（cainfo）验证失败');
    const other = sealGmEnvelope({ ...env, input: { mdtrtinfo: { psn_no: '22010000000000000002' } } }, { clientId, privateKeyHex: keys.privateKeyHex });
    expect(() => openGmInput({ ...sealed, input: other.input }, { clientId, publicKeyHex: keys.publicKeyHex })).toThrow('SM2 签名（cainfo）验证失败');
    expect(() => openGmInput({ ...sealed, cainfo: '' }, { clientId, publicKeyHex: keys.publicKeyHex })).toThrow('报文缺少 SM2 签名（cainfo）');
    expect(() => openGmInput({ ...sealed, cainfo: 'not base64!' }, { clientId, publicKeyHex: keys.publicKeyHex })).toThrow('SM2 签名（cainfo） 不是有效的 Base64 文本');
    expect(() => openGmInput(sealed, { clientId, publicKeyHex: sm2GenerateKeyPair().publicKeyHex })).toThrow('SM2 签名（cainfo）验证失败');
    expect(() => openGmInput({ ...sealed, encType: undefined }, { clientId })).toThrow('报文的加密类型（encType）应为 SM4');
    expect(() => openGmInput({ ...sealed, input: env.input }, { clientId })).toThrow('加密报文的交易输入（input）应为 Base64 文本');
  });

  it('refuses a clientId that is not 16 UTF-8 bytes, on either side', () => {
    expect(() => sealGmEnvelope(env, { clientId: 'JL2201000000ABC', privateKeyHex: keys.privateKeyHex })).toThrow('SM4 密钥应为 16 字节（clientId 为 15 字节）');
    // Six Chinese characters are 18 bytes in UTF-8, though 6 characters long.
    expect(() => sealGmEnvelope(env, { clientId: '吉林医保平台', privateKeyHex: keys.privateKeyHex })).toThrow('SM4 密钥应为 16 字节（clientId 为 18 字节）');
    const sealed = sealGmEnvelope(env, { clientId, privateKeyHex: keys.privateKeyHex });
    expect(() => openGmInput(sealed, { clientId: `${clientId}X` })).toThrow('SM4 密钥应为 16 字节（clientId 为 17 字节）');
    expect(() => sealGmOutput({}, 'short')).toThrow('SM4 密钥应为 16 字节（clientId 为 5 字节）');
  });

  it('the answer: a sealed output opens back to the object; null or object outputs are left as they are', () => {
    const output = { mdtrt_id: 'MDT2025010200001', result: { 备注: '已办理' } };
    const answer = { infcode: 0, inf_refmsgid: 'R1', output: sealGmOutput(output, clientId) };
    expect(typeof answer.output).toBe('string');
    expect(openGmOutput(answer, clientId)).toEqual({ ...answer, output });
    const refusal = { infcode: -1, err_msg: '签到已过期', output: null };
    expect(openGmOutput(refusal, clientId)).toBe(refusal);
    const plainAnswer = { infcode: 0, output: { mdtrt_id: 'X' } };
    expect(openGmOutput(plainAnswer, clientId)).toBe(plainAnswer);
    expect(() => openGmOutput(answer, 'ZZ2201000000ABCD')).toThrow(/交易输出（output）|SM4 解密后的填充无效/);
  });
});
