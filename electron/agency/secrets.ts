/**
 * Secrets at rest (agency token, client secret, SM2 private key, apikey). The desktop app hands
 * the desk Electron's safeStorage as a SecretBox, and a secret is stored as `enc:v1:<base64>`;
 * browser mode has no such box, and the secret is stored as given — the connection screen says so.
 * A value is only ever decrypted to build a request: it never goes to the renderer or a log.
 */
export interface SecretBox {
  /** What protects the secrets, for the screen: e.g. 'Windows DPAPI / macOS 钥匙串 (safeStorage)'. */
  readonly kind: string;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

const PREFIX = 'enc:v1:';

export function sealSecret(box: SecretBox | null, plain: string): string {
  if (!box || plain === '') return plain;
  return PREFIX + box.encrypt(plain).toString('base64');
}

export function openSecret(box: SecretBox | null, stored: string | undefined): string | undefined {
  if (stored === undefined || !stored.startsWith(PREFIX)) return stored;
  if (!box) throw new Error('此密钥由桌面版加密保存，浏览器方式无法解密：请在“设置 → 经办机构连接”中重新填写');
  return box.decrypt(Buffer.from(stored.slice(PREFIX.length), 'base64'));
}

export function isSealed(stored: string | undefined): boolean {
  return stored !== undefined && stored.startsWith(PREFIX);
}
