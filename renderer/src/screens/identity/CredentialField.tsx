import { forwardRef } from 'react';
import { CREDENTIAL_LABEL, recogniseCredential, type Credential } from '../../../../shared/credentials.ts';

function describe(c: Credential): string {
  const sex = (s: 'M' | 'F') => (s === 'M' ? '男' : '女');
  if (c.type === '01') return `${CREDENTIAL_LABEL['01']}（${c.token.length} 位凭证码）`;
  if (c.type === '02') return `${CREDENTIAL_LABEL['02']} · ${sex(c.sex)} · ${c.birthDate} 出生`;
  return `${CREDENTIAL_LABEL['03']} 卡号 ${c.cardNo} · 持卡人 ${sex(c.sex)} · ${c.birthDate} 出生`;
}

/**
 * The scan field: a barcode / QR scanner types the credential and Enter. Shows which credential it
 * recognises while the text comes in, with the same rules the service validates with.
 */
export const CredentialField = forwardRef<HTMLInputElement, { value: string; today: string; disabled: boolean; onChange: (v: string) => void; onSubmit: (text: string) => void }>(
  function CredentialField({ value, today, disabled, onChange, onSubmit }, ref) {
    const r = value.trim() === '' ? null : recogniseCredential(value, today);
    return (
      <label className="credential-field">
        <span>就诊凭证</span>
        <input
          ref={ref}
          aria-label="就诊凭证"
          value={value}
          // Read-only, never disabled, while a check runs: a disabled field loses the focus and the
          // next scan would go nowhere (issue 20 §3).
          readOnly={disabled}
          aria-busy={disabled}
          autoComplete="off"
          spellCheck={false}
          placeholder="扫描医保电子凭证 / 读社会保障卡（卡号|身份证号）/ 输入身份证号，按回车核验"
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              onSubmit(e.currentTarget.value);
            }
          }}
        />
        <span className="credential-kind" data-testid="credential-kind">
          {r === null ? '支持：医保电子凭证、社会保障卡、居民身份证（仅限省内居民医保参保人）' : r.ok ? `识别为：${describe(r.credential)}` : `尚未识别：${r.message}`}
        </span>
      </label>
    );
  },
);
