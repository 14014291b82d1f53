import { useCallback, useEffect, useRef, useState } from 'react';
import type { PdfFile } from '../../../shared/api/admission.ts';
import type { IdentityResult } from '../../../shared/api/index.ts';
import type { OutpatientPreview, OutpatientSettlementView, OutpatientVisitView } from '../../../shared/api/outpatient.ts';
import { recogniseCredential } from '../../../shared/credentials.ts';
import { call } from '../api.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { yuan } from '../ui/format.ts';
import { enterMoves, errorText, PdfDialog } from '../ui/kit.tsx';
import type { ScreenProps } from '../routes.tsx';
import { FeeLines, parseFeeText, PreviewTable, Settlements } from './outpatient/parts.tsx';
import { InvoicePanel } from './settlement/InvoicePanel.tsx';

/**
 * 门诊结算 (F5, issue 16): scan → visit (2201 + 2203) → fee lines (2204) → 预结算 (2206 beside the
 * estimate) → 结算 (2207; the confirm dialog holds while the insured region answers) → receipt.
 * Keyboard-first: Enter moves through the visit form and registers; Ctrl+Enter adds the pasted fee
 * lines and previews; Enter on 结算 confirms; Alt+P prints the A4 receipt, Alt+N the 80 mm one.
 */

const DEFAULTS_KEY = 'outpatient.defaults';
interface Defaults { deptCode: string; deptName: string; doctorCode: string; doctorName: string }

function loadDefaults(): Defaults {
  try {
    return { deptCode: 'M01', deptName: '内科门诊', doctorCode: '', doctorName: '', ...(JSON.parse(localStorage.getItem(DEFAULTS_KEY) ?? '{}') as Partial<Defaults>) };
  } catch {
    return { deptCode: 'M01', deptName: '内科门诊', doctorCode: '', doctorName: '' };
  }
}

export function Outpatient({ status }: ScreenProps) {
  const today = status?.today ?? new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const scanRef = useRef<HTMLInputElement>(null);
  const diagRef = useRef<HTMLInputElement>(null);
  const feeRef = useRef<HTMLTextAreaElement>(null);
  const settleRef = useRef<HTMLButtonElement>(null);
  const printRef = useRef<HTMLButtonElement>(null);
  const [credential, setCredential] = useState('');
  const [emergency, setEmergency] = useState(false);
  const [person, setPerson] = useState<IdentityResult | null>(null);
  const [form, setForm] = useState(() => ({ ...loadDefaults(), medType: '11' as '11' | '14', diseCodg: '', diseName: '', diagCode: '', diagName: '' }));
  const [visit, setVisit] = useState<OutpatientVisitView | null>(null);
  const [feeText, setFeeText] = useState('');
  const [preview, setPreview] = useState<OutpatientPreview | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [refunding, setRefunding] = useState<OutpatientSettlementView | null>(null);
  const [reason, setReason] = useState('');
  /** Lines of the settlement being refunded that are kept (unchecked = refunded); all refunded = a whole 2208. */
  const [kept, setKept] = useState<Set<string>>(new Set());
  const [pdf, setPdf] = useState<PdfFile | null>(null);
  /** 全额自付 (issue 16 §7): the dialog open, and the reason the visit was not settled directly. */
  const [selfPaying, setSelfPaying] = useState(false);
  const [selfPayReason, setSelfPayReason] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => { scanRef.current?.focus(); }, []);
  // Where the keyboard goes next, once the step's answer is on screen (and the busy state is over).
  const [focus, setFocus] = useState<'diag' | 'fees' | 'settle' | 'print' | null>(null);
  useEffect(() => {
    if (busy !== null || focus === null) return;
    ({ diag: diagRef, fees: feeRef, settle: settleRef, print: printRef }[focus]).current?.focus();
    setFocus(null);
  }, [focus, busy]);
  useEffect(() => { if (person) setFocus('diag'); }, [person]);

  const act = useCallback(async (label: string, fn: () => Promise<void>): Promise<boolean> => {
    if (busy) return false;
    setBusy(label);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(null);
    }
  }, [busy]);

  function scan(text: string = scanRef.current?.value ?? credential) {
    const r = recogniseCredential(text, today);
    if (!r.ok) {
      setError(r.message);
      return;
    }
    setVisit(null);
    setPreview(null);
    setMessage(null);
    void act('正在核验身份…', async () => {
      const res = await call('identity.check', { credential: text, admissionDate: today, emergency });
      setPerson(res);
    }).then((ok) => { if (!ok) setPerson(null); });
  }

  function register() {
    if (!person) return;
    void act('正在挂号（2201）并上传就诊信息（2203）…', async () => {
      const v = await call('outpatient.register', {
        personId: person.person.id, medType: form.medType, emergency, deptCode: form.deptCode, deptName: form.deptName, doctorCode: form.doctorCode, doctorName: form.doctorName,
        ...(form.medType === '14' ? { diseCodg: form.diseCodg, diseName: form.diseName } : {}),
        diagnoses: [{ diagType: '1', code: form.diagCode, name: form.diagName, main: true }],
      });
      localStorage.setItem(DEFAULTS_KEY, JSON.stringify({ deptCode: form.deptCode, deptName: form.deptName, doctorCode: form.doctorCode, doctorName: form.doctorName }));
      setVisit(v);
      setFocus('fees');
    });
  }

  async function runPreview(v: OutpatientVisitView) {
    const p = await call('outpatient.preview', { visitId: v.id });
    setPreview(p);
    setVisit(p.visit);
    setFocus('settle');
  }

  function addFees() {
    if (!visit) return;
    const parsed = parseFeeText(feeText, visit.lines.length + 1);
    if (parsed.error) {
      setError(`费用明细：${parsed.error}`);
      return;
    }
    void act('正在上传费用（2204）并向参保地预结算（2206）…', async () => {
      const v = await call('outpatient.addFees', { visitId: visit.id, lines: parsed.lines });
      setFeeText('');
      setVisit(v);
      await runPreview(v);
    });
  }

  function settle() {
    if (!visit || !preview) return;
    void act('结算中：等待参保地应答（2207）…', async () => {
      const out = await call('outpatient.settle', { visitId: visit.id, expectedTotal: preview.estimate.amounts.medfee_sumamt });
      setVisit(out.visit);
      setPreview(null);
      setConfirming(false);
      setMessage(out.outcome.state === 'settled' ? '结算完成：金额为参保地结算结果' : out.outcome.message);
      setFocus('print');
    }).then((ok) => { if (!ok) setConfirming(false); });
  }

  const refundLinesOf = (s: OutpatientSettlementView) => (visit?.lines ?? []).filter((l) => s.batches.includes(l.chrgBchno));
  /** The refund dialog, with the visit read again: whether a claim holds the settlement may have changed since it was shown (清算后退费). */
  function openRefund(s: OutpatientSettlementView) {
    setRefunding(s);
    void call('outpatient.visit', { visitId: visit!.id }).then((v) => {
      setVisit(v);
      setRefunding((cur) => (cur?.id === s.id ? v.settlements.find((x) => x.id === s.id) ?? cur : cur));
    }).catch(() => undefined);
  }
    function refund() {
    if (!refunding) return;
    const lines = refundLinesOf(refunding);
    const refunded = lines.filter((l) => !kept.has(`${l.chrgBchno}/${l.feedetlSn}`));
    if (refunded.length === 0) { setError('请至少选择一条退费明细'); return; }
    void act(kept.size > 0 ? '部分退费中：2208、2205、重传保留明细（2204）并重新结算（2207）…' : '退费中：等待参保地应答（2208）…', async () => {
      const out = kept.size > 0
        ? await call('outpatient.refundLines', { settlementId: refunding.id, refund: refunded.map((l) => ({ chrgBchno: l.chrgBchno, feedetlSn: l.feedetlSn })), reason })
        : await call('outpatient.refund', { settlementId: refunding.id, reason });
      setVisit(out.visit);
      setRefunding(null);
      setReason('');
      setKept(new Set());
      const net = kept.size > 0 ? out.visit.settlements.at(-1) : undefined;
      setMessage(out.outcome.state !== 'settled' ? out.outcome.message
        : net ? `部分退费完成：保留明细重新结算，个人现金支付 ${yuan(net.amounts.psn_cash_pay)} 元（原 ${yuan(refunding.amounts.psn_cash_pay)} 元），金额为参保地结果` : '退费完成：金额为参保地退费结果');
    }).then((ok) => { if (!ok) setRefunding(null); });
  }

  /** The fee list and 零星报销 advice the patient takes home (A4). */
  const printAdvice = useCallback((visitId: number) => {
    void act('正在生成零星报销告知…', async () => {
      const r = await call('outpatient.selfPayAdvicePdf', { visitId });
      setPdf({ fileName: r.fileName, mime: 'application/pdf', base64: r.pdfBase64, pages: r.pages });
    });
  }, [act]);

  function selfPay() {
    if (!visit) return;
    void act('正在办理全额自付…', async () => {
      const v = await call('outpatient.selfPay', { visitId: visit.id, reason: selfPayReason });
      setVisit(v);
      setPreview(null);
      setSelfPaying(false);
      setSelfPayReason('');
      setMessage(`已按全额自付办理：患者全额支付 ${yuan(v.selfPay?.medfee_sumamt ?? '0.00')} 元，回参保地申请零星报销；费用明细和诊断信息须于 ${v.selfPay?.uploadBy ?? ''} 前上传`);
      const r = await call('outpatient.selfPayAdvicePdf', { visitId: visit.id });
      setPdf({ fileName: r.fileName, mime: 'application/pdf', base64: r.pdfBase64, pages: r.pages });
    }).then((ok) => { if (!ok) setSelfPaying(false); });
  }

  const print = useCallback((settlementId: number, format: 'a4' | '80mm') => {
    void act('正在生成结算单…', async () => setPdf(await call('outpatient.receiptPdf', { settlementId, format })));
  }, [act]);

  const last = visit?.settlements.filter((s) => s.kind === 'settlement' && s.voided === null).at(-1) ?? null;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey) return;
      if (e.code === 'KeyJ') { e.preventDefault(); setEmergency((x) => !x); }
      if ((e.code === 'KeyP' || e.code === 'KeyN') && last) { e.preventDefault(); print(last.id, e.code === 'KeyP' ? 'a4' : '80mm'); }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [last, print]);

  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  return (
    <section className="screen outpatient">
      <h2>门诊结算</h2>
      <div className="panel otp-scan">
        <label>就诊凭证
          <input ref={scanRef} value={credential} onChange={(e) => setCredential(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); scan(e.currentTarget.value); } }} placeholder="扫码 / 读卡 / 输入身份证号后按 Enter" />
        </label>
        <label className="check"><input type="checkbox" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} /> 急诊（Alt+J：急诊视同已备案，004 第三十七条）</label>
      </div>
      {busy && <p className="progress" role="status"><span className="spinner" /> {busy}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {message && <p className="notice" role="status" data-testid="otp-message">{message}</p>}

      {person && (
        <div className="panel">
          <h3>{person.person.name} <span className="muted small">{person.person.certnoMasked} · {person.person.insuredRegionName}（{person.person.insuredRegion}）</span></h3>
          <p className={person.check.direct ? 'small' : 'warn small'}>{person.check.message}</p>
          {!visit && (
            <div className="otp-form" onKeyDown={enterMoves(register)}>
              <label>医疗类别
                <select value={form.medType} onChange={(e) => setForm({ ...form, medType: e.target.value as '11' | '14' })}>
                  <option value="11">11 普通门诊</option><option value="14">14 门诊慢特病</option>
                </select>
              </label>
              {form.medType === '14' && <label>病种编码<input value={form.diseCodg} onChange={set('diseCodg')} /></label>}
              {form.medType === '14' && <label>病种名称<input value={form.diseName} onChange={set('diseName')} /></label>}
              <label>西医诊断编码<input ref={diagRef} value={form.diagCode} onChange={set('diagCode')} /></label>
              <label>西医诊断名称<input value={form.diagName} onChange={set('diagName')} /></label>
              <label>科室<input value={form.deptName} onChange={set('deptName')} /></label>
              <label>医生<input value={form.doctorName} onChange={(e) => setForm({ ...form, doctorName: e.target.value, doctorCode: form.doctorCode || 'D0001' })} /></label>
              <button className="primary" onClick={register} disabled={busy !== null}>挂号（Enter）</button>
            </div>
          )}
        </div>
      )}

      {visit && (
        <div className="panel">
          <h3>门诊号 {visit.otpNo} <span className="muted small">{visit.mdtrtId ? `就诊ID ${visit.mdtrtId}` : '待参保地返回就诊ID'} · {visit.medType === '14' ? '门诊慢特病' : '普通门诊'}{visit.emergency ? '（急诊）' : ''}</span></h3>
          {visit.notes.map((n) => <p key={n} className="warn small">{n}</p>)}
          {visit.chronicLimits && (
            <p className="muted small" data-testid="chronic-limits">病种限额（5301）：{visit.chronicLimits.name} {visit.chronicLimits.code} · 单次 {visit.chronicLimits.perVisit ? `${yuan(visit.chronicLimits.perVisit)} 元` : '—'} · 年度 {visit.chronicLimits.annual ? `${yuan(visit.chronicLimits.annual)} 元` : '—'} · 本次 {yuan(visit.chronicLimits.visitFees)} 元 · 本院本年已结算 {yuan(visit.chronicLimits.earlierThisYear)} 元</p>
          )}
          {preview && (
            <div className="otp-preview-block">
              <PreviewTable preview={preview} />
              <button ref={settleRef} className="primary" onClick={() => setConfirming(true)} disabled={busy !== null}>结算 · 总费用 {yuan(preview.estimate.amounts.medfee_sumamt)} 元{preview.agency.amounts ? ` · 个人现金 ${yuan(preview.agency.amounts.psn_cash_pay)} 元` : ''}（Enter）</button>
            </div>
          )}
          <FeeLines visit={visit} />
          <label className="otp-fees">费用明细（每行：医保编码,医院编码,名称,数量,单价,金额；Ctrl+Enter 上传并预结算）
            <textarea ref={feeRef} rows={4} value={feeText} onChange={(e) => setFeeText(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Enter' && e.ctrlKey) { e.preventDefault(); addFees(); } }} />
          </label>
          <Settlements visit={visit} onPrint={print} onRefund={openRefund} />
          <InvoicePanel target={{ visitId: visit.id }} />
          {last && <button ref={printRef} onClick={() => print(last.id, 'a4')}>打印结算单（Alt+P；小票 Alt+N）</button>}
          {!visit.selfPay && visit.unsettledTotal !== '0.00' && <button onClick={() => setSelfPaying(true)} disabled={busy !== null}>全额自付（零星报销）</button>}
          {visit.selfPay && <button onClick={() => printAdvice(visit.id)} disabled={busy !== null}>打印全额自付费用清单及零星报销告知</button>}
        </div>
      )}

      {confirming && preview && (
        <Dialog title="确认门诊结算" confirmLabel="结算" onConfirm={settle} onCancel={() => setConfirming(false)} busy={busy !== null} holdWhileBusy>
          <p>总费用 {yuan(preview.estimate.amounts.medfee_sumamt)} 元，发送参保地结算（2207）。{preview.agency.amounts ? `参保地预结算个人现金支付 ${yuan(preview.agency.amounts.psn_cash_pay)} 元。` : '未能预结算：金额以参保地结算结果为准。'}</p>
          {busy && <p className="progress" role="status"><span className="spinner" /> {busy}（发出后不能取消）</p>}
        </Dialog>
      )}
      {refunding && (
        <Dialog title="门诊退费（2208）" confirmLabel="退费" onConfirm={refund} onCancel={() => { setRefunding(null); setKept(new Set()); }} busy={busy !== null} holdWhileBusy danger focusConfirm={false} disabled={reason.trim().length < 2}>
          <p>退回 {refunding.setlTime} 的结算 {yuan(refunding.amounts.medfee_sumamt)} 元；其后的结算不重新计算（004 第四十五条）。取消勾选的明细保留，重新结算（部分退费）。</p>
          {refunding.claim && <p className="notice" data-testid="otp-claimed-refund">清算后退费：该结算已纳入 {refunding.claim.period} 期清算申报（{refunding.claim.statusLabel}），须由主管办理；退费记入退费当期的清算申报，已申报的清算不作更改（004 第四十五条）。</p>}
          <ul className="otp-refund-lines" aria-label="退费明细">
            {refundLinesOf(refunding).map((l) => {
              const k = `${l.chrgBchno}/${l.feedetlSn}`;
              return (
                <li key={k}><label className="check"><input type="checkbox" checked={!kept.has(k)} onChange={(e) => {
                  const next = new Set(kept);
                  if (e.target.checked) next.delete(k); else next.add(k);
                  setKept(next);
                }} /> 退 {l.name} {yuan(l.amount)}</label></li>
              );
            })}
          </ul>
          <label>退费原因<input autoFocus value={reason} onChange={(e) => setReason(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && reason.trim().length >= 2) { e.preventDefault(); refund(); } }} /></label>
        </Dialog>
      )}
      {selfPaying && visit && (
        <Dialog title="全额自付（零星报销）" confirmLabel="全额自付" onConfirm={selfPay} onCancel={() => setSelfPaying(false)} busy={busy !== null} holdWhileBusy focusConfirm={false} disabled={selfPayReason.trim().length < 2}>
          <p>未结算的费用 {yuan(visit.unsettledTotal)} 元由患者全额支付，回参保地申请零星报销（004 第四十七条）；本院在 2 日内上传费用明细和诊断信息（004 第三十六条(三)、第三十五条(三)）。不出具结算单。</p>
          <label>未直接结算的原因<input autoFocus value={selfPayReason} onChange={(e) => setSelfPayReason(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && selfPayReason.trim().length >= 2) { e.preventDefault(); selfPay(); } }} /></label>
        </Dialog>
      )}
      {pdf && <PdfDialog file={pdf} title="门诊结算单" onClose={() => { setPdf(null); setTimeout(() => scanRef.current?.focus(), 0); }} />}
    </section>
  );
}
