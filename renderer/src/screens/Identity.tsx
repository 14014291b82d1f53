import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ChangedCheck, CheckView, DeskStatus, IdentityResult, SessionInfo } from '../../../shared/api/index.ts';
import { recogniseCredential } from '../../../shared/credentials.ts';
import { ApiCallError, call } from '../api.ts';
import { AdviceSheet } from './identity/AdviceSheet.tsx';
import { ChangedBanner } from './identity/ChangedBanner.tsx';
import { CheckHistory } from './identity/CheckHistory.tsx';
import { CredentialField } from './identity/CredentialField.tsx';
import { DecisionPanel } from './identity/DecisionPanel.tsx';
import { PersonPanel } from './identity/PersonPanel.tsx';
import { RosterPanel } from './identity/RosterPanel.tsx';

/** The admission screen picks up the check it was opened from (登记入院). */
export const LAST_CHECK_KEY = 'identity.checkId';
const POLL_MS = 3000;

function message(e: unknown): string {
  return e instanceof ApiCallError ? e.message : '核验失败，请重试';
}

/** 身份核验与备案判定 (F2): DOMAIN §2–§3, issue 3. */
export function Identity({ session, status, go }: { session: SessionInfo; status: DeskStatus | null; go: (id: string) => void }) {
  const today = status?.today ?? new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const input = useRef<HTMLInputElement>(null);
  const [raw, setRaw] = useState('');
  const [admissionDate, setAdmissionDate] = useState(today);
  const [emergency, setEmergency] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<IdentityResult | null>(null);
  const [history, setHistory] = useState<CheckView[]>([]);
  const [changes, setChanges] = useState<ChangedCheck[]>([]);
  const [advice, setAdvice] = useState(false);

  // The scan field takes the next scan after every outcome, its text selected (issue 20 §3).
  const refocus = useCallback(() => setTimeout(() => { input.current?.focus(); input.current?.select(); }, 0), []);
  const loadChanges = useCallback(() => call('identity.changes', {}).then(setChanges).catch(() => undefined), []);

  const show = useCallback(async (r: IdentityResult) => {
    setResult(r);
    setHistory(await call('identity.history', { personId: r.person.id }).catch(() => []));
  }, []);

  // Once a check is over (refused, unknown, offline or answered) the field is focused and selected.
  useEffect(() => {
    if (busy === null) { input.current?.focus(); input.current?.select(); }
  }, [busy]);

  useEffect(() => {
    input.current?.focus();
    void loadChanges();
    const t = setInterval(() => void loadChanges(), 5000);
    return () => clearInterval(t);
  }, [loadChanges]);

  // Alt+R: 登记入院 with this check, from the scan field (issue 20 point 4).
  const checkForAdmission = result?.check.id ?? null;
  // A layout effect: the key works from the first frame the screen is shown (not lost before a passive effect runs).
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.code !== 'KeyR' || checkForAdmission === null) return;
      e.preventDefault();
      sessionStorage.setItem(LAST_CHECK_KEY, String(checkForAdmission));
      go('admission');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [checkForAdmission, go]);

  // An offline answer is re-checked by the desk when the agency is back: follow it here.
  const waiting = result?.check.provisional && !result.check.confirmation ? result.check.id : null;
  useEffect(() => {
    if (waiting === null) return;
    const t = setInterval(() => {
      call('identity.show', { checkId: waiting })
        .then(async (r) => {
          if (!r.check.confirmation) return;
          await show(r);
          void loadChanges();
        })
        .catch(() => undefined);
    }, POLL_MS);
    return () => clearInterval(t);
  }, [waiting, show, loadChanges]);

  /** `clearOnError`: a failed new check must not leave the previous patient's answer on screen. */
  async function run(label: string, fn: () => Promise<IdentityResult>, clearOnError = false) {
    setBusy(label);
    setError(null);
    setAdvice(false);
    try {
      await show(await fn());
    } catch (e) {
      setError(message(e));
      if (clearOnError) {
        setResult(null);
        setHistory([]);
      }
    } finally {
      setBusy(null);
      refocus();
    }
  }

  /** `text`: what is in the field when Enter arrives (a scanner's Enter can come before the re-render). */
  function submit(text: string = input.current?.value ?? raw) {
    if (busy) return;
    const r = recogniseCredential(text, today);
    if (!r.ok) {
      // Validated before anything else: nothing is sent or stored.
      setError(r.message);
      setResult(null);
      refocus();
      return;
    }
    void run('正在向经办机构核验身份和备案…', () => call('identity.check', { credential: text, admissionDate, emergency }), true);
  }

  async function acknowledge(checkId: number) {
    try {
      await call('identity.acknowledge', { checkId });
    } catch (e) {
      setError(message(e));
    }
    await loadChanges();
    if (result) await show(await call('identity.show', { checkId: result.check.id }));
  }

  // Esc closes the advice preview instead of leaving the screen (captured before the global handler).
  useEffect(() => {
    if (!advice) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      setAdvice(false);
      refocus();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [advice, refocus]);

  const open = (checkId: number) => void run('正在读取核验记录…', () => call('identity.show', { checkId }));
  const check = result?.check;
  const changedHere = check?.confirmation?.changed ? check.confirmation.checkId : null;

  return (
    <section className="screen identity">
      <h2>身份核验与备案判定</h2>
      <ChangedBanner changes={changes} onOpen={open} onAcknowledge={(id) => void acknowledge(id)} />
      <div className="panel id-scan">
        <CredentialField ref={input} value={raw} today={today} disabled={busy !== null} onChange={setRaw} onSubmit={submit} />
        <div className="id-options">
          <label>入院日期 <input type="date" aria-label="入院日期" value={admissionDate} onChange={(e) => setAdmissionDate(e.target.value || today)} /></label>
          <label className="check"><input type="checkbox" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} /> 急诊抢救</label>
          <button className="primary" disabled={busy !== null} onClick={() => submit()}>核验（Enter）</button>
        </div>
        {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> {busy}</p>}
        {error && <p className="error" role="alert">{error}</p>}
      </div>

      {result && check && (
        <>
          {changedHere !== null && (
            <div className="changed-banner" role="alert">
              <strong>此次离线核验的结论已在联网复核后变化。</strong>
              <button className="small" onClick={() => open(changedHere)}>查看复核结论</button>
            </div>
          )}
          {result.previous && check.changed && (
            <div className="changed-banner" role="alert" data-testid="changed-here">
              <strong>复核结论有变化：原“{result.previous.reasonLabel}”（{result.previous.direct ? '可直接结算' : '不能直接结算'}），现“{check.reasonLabel}”。</strong>
              {!check.acknowledgedAt && <button className="small primary" onClick={() => void acknowledge(check.id)}>知道了</button>}
            </div>
          )}
          {check.provisional && !check.confirmation && (
            <p className="notice offline-note">离线核验：暂时无法连接经办机构，本结论依据本机保存的备案名单和人员信息作出，为临时结论；网络恢复后系统自动联网复核，结论如有变化会在此提示。</p>
          )}
          <DecisionPanel check={check} />
          <div className="actions id-actions">
            <button className="primary" onClick={() => { sessionStorage.setItem(LAST_CHECK_KEY, String(check.id)); go('admission'); }} aria-keyshortcuts="Alt+R">登记入院 <kbd>Alt+R</kbd></button>
            <span className="muted small" data-testid="check-no">身份核验记录号 <strong className="mono">{check.id}</strong>（登记入院时自动带入）</span>
            <button disabled={busy !== null} onClick={() => void run('正在联网重新核验…', () => call('identity.recheck', { checkId: check.id }))}>重新核验</button>
            <button disabled={check.direct} onClick={() => setAdvice(true)} title={check.direct ? '可直接结算，无需零星报销' : ''}>打印零星报销告知</button>
          </div>
          <PersonPanel person={result.person} registration={result.registration} />
          <CheckHistory checks={history} current={check.id} onOpen={open} />
        </>
      )}

      <RosterPanel supervisor={session.clerk.role === 'supervisor'} />

      {advice && result && (
        <div className="advice-preview" role="dialog" aria-label="零星报销告知书预览">
          <div className="actions no-print">
            <button className="primary" autoFocus onClick={() => window.print()}>打印（A4）</button>
            <button onClick={() => { setAdvice(false); refocus(); }}>关闭（Esc）</button>
          </div>
          <AdviceSheet result={result} hospital={status?.institution?.name ?? ''} today={today} />
        </div>
      )}
    </section>
  );
}
