// Over 400 lines: the settlement screen's steps (fees, preview, settle, slip, reverse, the corrections 2302/2405, 全额自付) share one admission state and its dialogs.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { SessionInfo } from '../../../shared/api/index.ts';
import type { AdmissionForSettlement, AssistanceEntry, FeeList, MismatchEntry, SettlementPreview, SettlementState } from '../../../shared/api/settlement.ts';
import type { PdfFile } from '../../../shared/api/admission.ts';
import { ApiCallError, call } from '../api.ts';
import { errorText, PdfDialog, Rule } from '../ui/kit.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { yuan } from '../ui/format.ts';
import { SCHEME_SHORT } from '../../../shared/codes.ts';
import {
  AgencyResult,
  AmountTable,
  CatalogueImport,
  FeeImportPanel,
  FeeTable,
  FundRows,
  Identities,
  PreviewFacts,
  SCOPE_LABEL,
  SettlementHistory,
} from './settlement/parts.tsx';
import { PolicyImport } from './settlement/PolicyImport.tsx';
import { InvoicePanel } from './settlement/InvoicePanel.tsx';
import { AgencyRecordPanel, AssistanceExport, PreviewSource, RequestPanel, SelfPayPanel, SettlementBasis, Worklist } from './settlement/agencyParts.tsx';

/**
 * 结算 (F4): pick an in-hospital admission, import its fees, preview (预结算), settle at
 * discharge, print the slip, reverse (supervisor), and resolve differences with the agency's own
 * computation. Every amount comes from the services; this screen only shows them.
 */
export function Settlement({ session }: { session: SessionInfo }) {
  const [selected, setSelected] = useState<number | null>(null);
  const [mismatches, setMismatches] = useState<MismatchEntry[]>([]);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    call('settlement.mismatches', {}).then(setMismatches).catch(() => undefined);
  }, [tick]);

  return (
    <section className="screen settlement">
      <h2>结算</h2>
      {mismatches.length > 0 && (
        <div className="mismatch-banner" role="alert" data-testid="mismatch-banner">
          <strong>经办机构的结算结果与本地计算不一致（{mismatches.length} 笔）：</strong>
          <ul>
            {mismatches.map((m) => (
              <li key={m.resultId}>
                <button className="link-dark" onClick={() => setSelected(m.admissionId)}>{m.iptNo} {m.psnName}</button>
                ：{m.differences.map((d) => `${d.label} 本地 ${yuan(d.local)} / 经办机构 ${yuan(d.agency)}`).join('；')}
              </li>
            ))}
          </ul>
          <span className="small">两边的计算都保留；请主管核对后在该住院的结算结果中记录处理说明。</span>
        </div>
      )}
      <div className="settle-layout">
        <AdmissionList selected={selected} onSelect={setSelected} tick={tick} />
        <div className="settle-main">
          {selected === null
            ? <Landing session={session} tick={tick} onOpen={setSelected} />
            : <AdmissionSettlement key={selected} admissionId={selected} session={session} onChanged={refresh} />}
        </div>
      </div>
    </section>
  );
}

const STATUS_LABEL = { admitted: '在院', discharged: '已出院', cancelled: '已撤销' } as const;

function listBadge(a: AdmissionForSettlement): string {
  if (a.settlement) return '已结算';
  if (a.selfPaid) return '全额自付';
  if (a.requestStatus === 'pending' || a.requestStatus === 'unknown') return a.requestMode === 'deferred' ? '待联网结算' : '结算中';
  if (a.requestStatus === 'refused') return '参保地拒绝';
  return a.status === 'admitted' ? '在院' : '待结算';
}

function AdmissionList({ selected, onSelect, tick }: { selected: number | null; onSelect: (id: number) => void; tick: number }) {
  const [query, setQuery] = useState('');
  const [list, setList] = useState<AdmissionForSettlement[]>([]);
  const [cursor, setCursor] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const search = useRef<HTMLInputElement>(null);
  /** The list shown and the text it was searched for (a ref: read by Enter before any re-render). */
  const listFor = useRef<{ text: string; list: AdmissionForSettlement[] } | null>(null);

  useEffect(() => {
    const t = setTimeout(() => {
      call('settlement.admissions', { query }).then((l) => { setList(l); listFor.current = { text: query.trim(), list: l }; setError(null); }).catch((e: unknown) => setError(errorText(e)));
    }, 150);
    return () => clearTimeout(t);
  }, [query, tick]);
  useEffect(() => search.current?.focus(), []);
  // After every outcome (opened, not found) the scan field takes the next scan with its text selected.
  const refocus = useCallback(() => { search.current?.focus(); search.current?.select(); }, []);
  useEffect(() => { if (selected !== null) refocus(); }, [selected, refocus]);

  /**
   * Enter acts on exactly the text in the field (a scanner sends Enter right after the 住院号, before
   * any debounced search ran): the list shown is used only when it is the search of that text and
   * the clerk moved the cursor in it; otherwise the text is searched now and an exact 住院号 (or a
   * single hit) is opened — never a row of an older list (issue 20 §1).
   */
  async function enter(text: string) {
    const typed = text.trim();
    const shown = listFor.current?.text === typed ? listFor.current.list[cursor] : undefined;
    if (shown) { onSelect(shown.id); refocus(); return; }
    try {
      const found = await call('settlement.admissions', { query: typed });
      if (search.current && search.current.value.trim() !== typed) return; // the clerk typed on meanwhile
      setList(found); listFor.current = { text: typed, list: found }; setCursor(0); setError(null);
      const exact = found.filter((a) => a.iptNo.toLowerCase() === typed.toLowerCase());
      const pick = exact.length === 1 ? exact[0] : found.length === 1 ? found[0] : undefined;
      if (pick) onSelect(pick.id);
      else setError(found.length === 0 ? `住院号或姓名：没有找到“${typed}”的在院或待结算住院登记` : `住院号或姓名：“${typed}”对应 ${found.length} 条住院登记，请用 ↑↓ 选择后回车`);
    } catch (e) {
      setError(errorText(e));
    }
    refocus();
  }

  return (
    <aside className="panel adm-list" aria-label="住院列表">
      <label>住院号或姓名
        <input ref={search} value={query} placeholder="输入后回车选择" onChange={(e) => { setQuery(e.target.value); setCursor(0); }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') { e.preventDefault(); setCursor((c) => Math.min(list.length - 1, c + 1)); }
            else if (e.key === 'ArrowUp') { e.preventDefault(); setCursor((c) => Math.max(0, c - 1)); }
            else if (e.key === 'Enter') { e.preventDefault(); void enter(e.currentTarget.value); }
          }} />
      </label>
      {error && <p className="error">{error}</p>}
      <ul role="listbox" aria-label="可结算的住院">
        {list.map((a, i) => (
          <li key={a.id}>
            <button role="option" aria-selected={a.id === selected} className={`adm-item${a.id === selected ? ' selected' : ''}${i === cursor ? ' cursor' : ''}`} onClick={() => onSelect(a.id)}>
              <span className="adm-name">{a.psnName}<span className="muted small"> {a.iptNo}</span></span>
              <span className="small">
                <span className={`badge ${a.settlement ? 'confirmed' : a.requestStatus === 'refused' ? 'rejected' : a.status === 'admitted' ? 'waiting' : 'offline'}`}>{listBadge(a)}</span>
                {' '}{SCOPE_LABEL[a.scope]} · {(SCHEME_SHORT as Record<string, string>)[a.insutype] ?? a.insutype} · 入院 {a.admittedAt.slice(0, 10)} · {a.feeLines} 条费用
              </span>
            </button>
          </li>
        ))}
        {list.length === 0 && <li className="muted">没有在院或待结算的住院登记</li>}
      </ul>
    </aside>
  );
}

function Landing({ session, tick, onOpen }: { session: SessionInfo; tick: number; onOpen: (id: number) => void }) {
  const [assist, setAssist] = useState<AssistanceEntry[]>([]);
  useEffect(() => {
    call('settlement.assistance', {}).then(setAssist).catch(() => undefined);
  }, [tick]);
  return (
    <>
      <div className="panel">
        <p>从左侧选择住院登记（↑↓ 移动，回车选择）：导入费用（F8）→ 预结算（Alt+Y）→ 出院结算（Alt+S，回车确认）→ 打印结算单（Alt+P）。</p>
      </div>
      <Worklist tick={tick} onOpen={onOpen} />
      <AssistanceExport onOpen={onOpen} />
      <div className="panel">
        <h3>协查提示 <Rule rule="004 第六十六条" /></h3>
        <p className="muted small">单次住院总费用达到跨省 30,000 元、省内 20,000 元的，参保地可能发起协查，请提前备好病历、费用清单等材料。</p>
        <table className="grid compact" aria-label="协查提示">
          <thead><tr><th>住院号</th><th>姓名</th><th>证件号</th><th>范围</th><th>入院—出院</th><th className="num">总费用</th></tr></thead>
          <tbody>
            {assist.length === 0 && <tr><td colSpan={6} className="muted">暂无</td></tr>}
            {assist.map((a) => (
              <tr key={a.settlementId} className="clickable" onClick={() => onOpen(a.admissionId)}>
                <td>{a.iptNo}</td><td>{a.psnName}</td><td>{a.certnoMasked}</td><td>{SCOPE_LABEL[a.scope]}</td>
                <td>{a.admittedAt.slice(0, 10)} — {(a.dischargedAt ?? '').slice(0, 10)}</td><td className="num">{yuan(a.medfee_sumamt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {session.clerk.role === 'supervisor' && <CatalogueImport />}
      {session.clerk.role === 'supervisor' && <PolicyImport />}
    </>
  );
}

function todayCST(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function AdmissionSettlement({ admissionId, session, onChanged }: { admissionId: number; session: SessionInfo; onChanged: () => void }) {
  const [state, setState] = useState<SettlementState | null>(null);
  const [fees, setFees] = useState<FeeList | null>(null);
  const [preview, setPreview] = useState<SettlementPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [dischargedOn, setDischargedOn] = useState('');
  const [useAccount, setUseAccount] = useState(false);
  const [balance, setBalance] = useState('0.00');
  const [busy, setBusy] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'settle' | 'reverse' | 'selfPay' | 'undoDischarge' | 'withdraw' | null>(null);
  const [serials, setSerials] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [pdf, setPdf] = useState<PdfFile | null>(null);
  const isSupervisor = session.clerk.role === 'supervisor';

  const load = useCallback(async () => {
    const [s, f] = await Promise.all([call('settlement.state', { admissionId }), call('fees.list', { admissionId, limit: 500 })]);
    setState(s);
    setFees(f);
    if (!dischargedOn) setDischargedOn(s.admission.dischargedAt?.slice(0, 10) ?? todayCST());
    return s;
  }, [admissionId, dischargedOn]);

  const runPreview = useCallback(async (on?: string) => {
    setPreviewError(null);
    setBusy('正在预结算');
    try {
      setPreview(await call('settlement.preview', { admissionId, dischargedOn: on ?? (dischargedOn || undefined), useAccount, accountBalance: balance || '0.00' }));
    } catch (e) {
      setPreview(null);
      setPreviewError(errorText(e, '预结算失败'));
    } finally {
      setBusy(null);
    }
  }, [admissionId, dischargedOn, useAccount, balance]);

  useEffect(() => {
    void load().then((s) => {
      if (!s.active && s.admission.feeLines > 0) void runPreview(s.admission.dischargedAt?.slice(0, 10) ?? todayCST());
    }).catch((e: unknown) => setMessage(errorText(e)));
    // Only when the admission changes: later loads are explicit.
  }, [admissionId]);

  async function afterImport() {
    const s = await load();
    onChanged();
    if (!s.active) await runPreview();
  }

  async function settle() {
    if (!preview) return;
    setBusy(online ? '正在向参保地结算（2304），请稍候，结果返回前不能中断' : '正在办理出院待结算');
    setMessage(null);
    try {
      const r = await call('settlement.commit', { admissionId, dischargedOn: preview.dischargedOn, expectedTotal: preview.amounts.medfee_sumamt, fingerprint: preview.fingerprint, useAccount, accountBalance: balance || '0.00' });
      setState(r.state);
      setConfirm(null);
      const o = r.outcome;
      setMessage(o.kind === 'settled'
        ? `结算完成（参保地结算结果）：个人现金支付 ${yuan(r.state.active?.amounts.psn_cash_pay ?? '')} 元，请打印结算单（Alt+P）。`
        : o.kind === 'pending' && o.mode === 'deferred' ? '已办理出院，列入“待联网结算”；未打印结算单。' : o.message);
      onChanged();
    } catch (e) {
      setConfirm(null);
      setMessage(errorText(e, '结算失败'));
      // A stale preview was refused (nothing committed): show the current amounts to confirm again.
      if (e instanceof ApiCallError && (e.error.code === 'PREVIEW_STALE' || e.error.code === 'FEES_CHANGED')) { setPreview(null); void load().then(() => runPreview()); }
    } finally {
      setBusy(null);
    }
  }

  /** One step of the screen: busy while it runs, its failure said in Chinese (the same shape as useAction, with this screen's own busy text). */
  async function step(label: string, failText: string, run: () => Promise<void>) {
    setBusy(label);
    try {
      await run();
    } catch (e) {
      setMessage(errorText(e, failText));
    } finally {
      setBusy(null);
    }
  }

  /** A dialog's action done: close it, clear its fields, say what happened. */
  function done(text: string) {
    setConfirm(null);
    setReason('');
    setSerials('');
    setMessage(text);
  }

  const selfPay = () => step('正在办理全额自付出院', '办理全额自付失败', async () => {
    const r = await call('settlement.selfPay', { admissionId, dischargedOn: dischargedOn || todayCST(), reason });
    setState(r.state);
    done('已按全额自付办理出院：请打印费用清单及零星报销告知交患者（Alt+P）。');
    onChanged();
  });

  const undoDischarge = () => step('正在撤销出院', '撤销出院失败', async () => {
    const r = await call('settlement.undoDischarge', { admissionId, reason });
    setState(r.state);
    done('已撤销出院（2405 已写入上传队列）：可更正费用或出院日期后重新结算。');
    onChanged();
  });

  const withdraw = () => step('正在撤销费用明细', '撤销费用明细失败', async () => {
    const feedetlSns = serials.split(/[,，\s]+/).map((x) => x.trim()).filter((x) => x !== '');
    const r = await call('fees.withdraw', { admissionId, feedetlSns, reason });
    setFees(r.list);
    done(`已撤销 ${r.withdrawn.length} 条已上传的费用明细（2302 已写入上传队列），下次预结算时重新上传。`);
  });

  const printAdvice = () => step('正在生成费用清单及零星报销告知', '生成告知书失败', async () => {
    const d = await call('settlement.selfPayAdvicePdf', { admissionId });
    setPdf({ fileName: d.fileName, mime: 'application/pdf', base64: d.pdfBase64, pages: d.pages });
  });

  async function printSlip(settlementId: number) {
    setBusy('正在生成结算单');
    try {
      const d = await call('settlement.slipPdf', { settlementId });
      setPdf({ fileName: d.fileName, mime: 'application/pdf', base64: d.pdfBase64, pages: 1 });
      setMessage(d.reprint ? `补打结算单（第 ${d.printCount} 次打印）` : '结算单已生成，请打印后交患者签字');
      await load();
    } catch (e) {
      setMessage(errorText(e, '生成结算单失败'));
    } finally {
      setBusy(null);
    }
  }

  async function reverse(settlementId: number) {
    setBusy('正在撤销');
    try {
      const r = await call('settlement.reverse', { settlementId, reason });
      setState(r.state);
      setConfirm(null);
      setReason('');
      setMessage('已撤销结算（撤销记录已写入上传队列）；可更正费用后重新结算');
      onChanged();
      await load();
      await runPreview();
    } catch (e) {
      setMessage(errorText(e, '撤销失败'));
    } finally {
      setBusy(null);
    }
  }

  // The discharge without a mouse (issue 20 point 4): Alt+Y 预结算, Alt+S 出院结算, Alt+P 打印结算单
  // (F8 opens the fee file picker, in FeeImportPanel). e.code, so the key is the same on every layout.
  const keyActions = useRef<Record<string, (() => void) | null>>({});
  const waiting = state?.request?.status === 'pending' || state?.request?.status === 'unknown' || !!state?.selfPay;
  const online = preview?.agency?.available === true;
  keyActions.current = {
    KeyY: !state?.active && !waiting && fees && fees.totalLines > 0 && !busy ? () => void runPreview() : null,
    KeyS: !state?.active && !waiting && preview && !preview.block && !busy ? () => setConfirm('settle') : null,
    KeyP: state?.active && !busy ? () => void printSlip(state.active!.id) : state?.selfPay && !busy ? () => void printAdvice() : null,
    KeyZ: !state?.active && !waiting && fees && fees.totalLines > 0 && !busy ? () => setConfirm('selfPay') : null,
  };
  const dialogOpen = confirm !== null || pdf !== null;
  // A layout effect: the key works from the first frame the screen is shown (not lost before a passive effect runs).
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || dialogOpen) return;
      const act = keyActions.current[e.code];
      if (act === undefined) return;
      e.preventDefault();
      act?.();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialogOpen]);

  if (!state) return <div className="panel"><p className="progress">正在读取…</p>{message && <p className="error">{message}</p>}</div>;
  const a = state.admission;
  const active = state.active;
  const block = preview?.block ?? null;

  return (
    <>
      <div className="panel adm-head">
        <h3>{a.psnName} <span className="muted small">{a.certnoMasked}</span></h3>
        <dl className="facts small">
          <dt>住院号</dt><dd>{a.iptNo}（{STATUS_LABEL[a.status]}）</dd>
          <dt>参保地</dt><dd>{a.insuredRegionName}（{SCOPE_LABEL[a.scope]}） · {(SCHEME_SHORT as Record<string, string>)[a.insutype] ?? a.insutype} · {a.groupLabel}</dd>
          <dt>入院</dt><dd>{a.admittedAt.slice(0, 16)} · {a.deptName} · {a.diagName}{a.dischargedAt ? ` · 出院 ${a.dischargedAt.slice(0, 16)}` : ''}</dd>
        </dl>
      </div>
      {message && <p className="notice" role="status" data-testid="settle-message">{message}</p>}
      {block && !active && (
        <div className="block-banner" role="alert">
          <strong>不能直接结算：</strong>{block.reason} <Rule rule={block.rule} />
        </div>
      )}

      {state.selfPay && <SelfPayPanel sp={state.selfPay} busy={!!busy} onPrint={() => void printAdvice()} />}
      {!active && state.request && <RequestPanel r={state.request} busy={!!busy} onRefresh={() => void load().then(() => onChanged())} />}
      {!active && !waiting && <FeeImportPanel admissionId={admissionId} onImported={() => void afterImport()} />}
      {fees && fees.totalLines > 0 && <FeeTable list={fees} />}

      {!active && !waiting && fees && fees.totalLines > 0 && (
        <div className="panel preview">
          <h3>预结算</h3>
          <div className="actions preview-inputs">
            <label>出院日期<input type="date" value={dischargedOn} max={todayCST()} disabled={a.status === 'discharged'} onChange={(e) => setDischargedOn(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); void runPreview(); } }} /></label>
            {a.insutype === '310' && <label><input type="checkbox" checked={useAccount} onChange={(e) => setUseAccount(e.target.checked)} />使用个人账户</label>}
            {a.insutype === '310' && useAccount && <label>账户余额<input value={balance} inputMode="decimal" onChange={(e) => setBalance(e.target.value)} /></label>}
            <button onClick={() => void runPreview()} disabled={!!busy} aria-keyshortcuts="Alt+Y">预结算 <kbd>Alt+Y</kbd></button>
          </div>
          {busy && <p className="progress" role="status"><span className="spinner" /> {busy}…</p>}
          {previewError && <p className="error" role="alert">{previewError}</p>}
          {preview && (
            <>
              {preview.warnings.map((w) => <p key={w} className="warn small">⚠ {w}</p>)}
              {preview.assistance.flagged && <p className="warn"><strong>协查提示：</strong>总费用达到 {yuan(preview.assistance.threshold)} 元（{SCOPE_LABEL[preview.scope]}），结算后列入协查提示。<Rule rule={preview.assistance.rule} /></p>}
              <PreviewSource p={preview} />
              <div className="two-col">
                {online
                  ? <AmountTable amounts={preview.agency!.amounts!} compare={preview.amounts} heads={['参保地预结算', '本机估算']} label="预结算金额" />
                  : <AmountTable amounts={preview.amounts} heads={['本机估算']} label="预结算金额（估算）" />}
                <div>
                  <FundRows funds={online ? preview.agency!.funds : preview.funds} caption={online ? '参保地基金（参保地返回）' : '参保地基金（估算）'} />
                  <PreviewFacts p={preview} />
                  <Identities a={online ? { ...preview.amounts, ...preview.agency!.amounts! } : preview.amounts} />
                </div>
              </div>
              <div className="actions">
                <button className="primary big" disabled={!!busy || !!block} onClick={() => setConfirm('settle')} data-testid="settle-button" aria-keyshortcuts="Alt+S">{online ? '出院结算' : '出院待结算（离线）'} <kbd>Alt+S</kbd></button>
                <span className="muted small">{online
                  ? '确认后向参保地结算（2304）并等待结果，结算单按参保地结果打印'
                  : '离线：不打印结算单；办理出院（2402）并排队结算，联网后自动向参保地结算'}</span>
                <button disabled={!!busy} onClick={() => setConfirm('selfPay')} data-testid="self-pay-button" aria-keyshortcuts="Alt+Z">全额自付… <kbd>Alt+Z</kbd></button>
                {isSupervisor && a.status === 'discharged' && <button disabled={!!busy} onClick={() => setConfirm('undoDischarge')}>撤销出院（2405）…</button>}
                {isSupervisor && <button disabled={!!busy} onClick={() => setConfirm('withdraw')}>撤销已上传明细（2302）…</button>}
              </div>
            </>
          )}
        </div>
      )}

      {active && (
        <div className="panel settled">
          <h3>已结算 <span className="muted small">{active.settledOn} · {active.basis === 'agency' ? `参保地结算ID ${active.setlId ?? '—'}` : `政策 ${active.policyVersion}`} · 目录 {active.catalogueVersion}{active.estimate ? ' · 本年累计为估算' : ''}</span></h3>
          {active.assistanceFlag && <p className="warn"><strong>协查提示：</strong>本次住院总费用达到协查门槛。<Rule rule="004 第六十六条" /></p>}
          <div className="two-col">
            <AmountTable amounts={active.amounts} label="结算金额" heads={[active.basis === 'agency' ? '参保地结算' : '本地计算']} />
            <div>
              <FundRows funds={active.funds} caption="参保地基金" />
              <SettlementBasis s={active} />
              <Identities a={active.amounts} />
              <div className="actions">
                <button className="primary big" onClick={() => void printSlip(active.id)} disabled={!!busy} data-testid="slip-button" aria-keyshortcuts="Alt+P">{active.prints > 0 ? '补打结算单' : '打印结算单'} <kbd>Alt+P</kbd></button>
                {isSupervisor && <button onClick={() => setConfirm('reverse')} disabled={!!busy}>撤销结算…</button>}
              </div>
              <p className="muted small">{active.prints > 0 ? `已打印 ${active.prints} 次` : '尚未打印'}{active.claimed ? ' · 已纳入月度申报：撤销将作为负数计入撤销当月的申报' : ''}{!isSupervisor ? ' · 撤销结算须主管登录' : ''}</p>
            </div>
          </div>
          {active.agency.length === 0 && active.basis === 'desk' && <p className="muted small">等待经办机构返回结算结果（上传队列发送后自动比对）。</p>}
          {active.agency.map((r) => <AgencyResult key={r.id} r={r} local={active.amounts} canResolve={isSupervisor} onResolved={() => { void load(); onChanged(); }} />)}
        </div>
      )}
      <SettlementHistory list={state.settlements} />
      <InvoicePanel target={{ admissionId }} />
      <AgencyRecordPanel admissionId={admissionId} />

      {confirm === 'settle' && preview && (
        <Dialog title={online ? '确认出院结算' : '确认出院待结算（离线）'} confirmLabel={online ? '确认结算' : '确认出院待结算'} busy={!!busy} holdWhileBusy onConfirm={() => void settle()} onCancel={() => setConfirm(null)}>
          <SettleConfirmFacts a={a} p={preview} online={online} />
          {busy && <p className="progress" role="status"><span className="spinner" /> {busy}…</p>}
        </Dialog>
      )}
      {confirm === 'reverse' && active && (
        <Dialog title="撤销结算（主管）" confirmLabel="确认撤销" focusConfirm={false} busy={!!busy} disabled={reason.trim().length < 2} onConfirm={() => void reverse(active.id)} onCancel={() => setConfirm(null)}>
          <p>撤销会生成一条金额为负的撤销记录（2305），原结算保留不变。</p>
          {active.claimed && <p className="warn small">该结算已申报（或已清算）：撤销记录按撤销日期计入当月的清算申报，作为负数冲减（CLI.md 申报规则）。</p>}
          <label>撤销原因<input autoFocus value={reason} onChange={(e) => setReason(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && reason.trim().length >= 2) { e.preventDefault(); void reverse(active.id); } }} /></label>
        </Dialog>
      )}
      {confirm === 'withdraw' && (
        <Dialog title="撤销已上传的费用明细（主管）" confirmLabel="确认撤销明细" focusConfirm={false} busy={!!busy} disabled={reason.trim().length < 2} onConfirm={() => void withdraw()} onCancel={() => setConfirm(null)}>
          <p>在经办机构撤销已上传的明细（2302），例如对照或限价更正后；本机明细保留，下次预结算时重新上传（2301）。</p>
          <label>流水号（多个用逗号分隔，留空为全部）<input autoFocus value={serials} onChange={(e) => setSerials(e.target.value)} /></label>
          <label>原因<input value={reason} onChange={(e) => setReason(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && reason.trim().length >= 2) { e.preventDefault(); void withdraw(); } }} /></label>
        </Dialog>
      )}
      {confirm === 'undoDischarge' && (
        <Dialog title="撤销出院（主管）" confirmLabel="确认撤销出院" focusConfirm={false} busy={!!busy} disabled={reason.trim().length < 2} onConfirm={() => void undoDischarge()} onCancel={() => setConfirm(null)}>
          <p>撤销出院（2405）后患者恢复在院，可更正费用或出院日期后重新结算；原出院记录保留。</p>
          <label>撤销出院原因<input autoFocus value={reason} onChange={(e) => setReason(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && reason.trim().length >= 2) { e.preventDefault(); void undoDischarge(); } }} /></label>
        </Dialog>
      )}
      {confirm === 'selfPay' && (
        <Dialog title="全额自付出院" confirmLabel="确认全额自付" focusConfirm={false} busy={!!busy} disabled={reason.trim().length < 2} onConfirm={() => void selfPay()} onCancel={() => setConfirm(null)}>
          <p>患者全额自付本次住院费用，回参保地申请零星报销（3 个月内，可延期 3 个月）<Rule rule="004 第四十七条" />；本院仍在 2 日内上传费用明细和诊断信息 <Rule rule="004 第三十五条(三)" />。不发送结算（2304）。</p>
          <label>未直接结算的原因<input autoFocus value={reason} placeholder="如：医保信息平台网络故障，患者不愿等待" onChange={(e) => setReason(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && reason.trim().length >= 2) { e.preventDefault(); void selfPay(); } }} /></label>
        </Dialog>
      )}
      {pdf && <PdfDialog file={pdf} title={state.selfPay ? '费用清单及零星报销告知' : '结算单'} onClose={() => setPdf(null)} />}
    </>
  );
}

/** What the clerk confirms: the insured region's 2303 figures online, the estimate (labelled) offline. */
function SettleConfirmFacts({ a, p, online }: { a: { psnName: string; iptNo: string }; p: SettlementPreview; online: boolean }) {
  const shown = online ? p.agency!.amounts! : p.amounts;
  return (
    <>
      <dl className="facts confirm-facts">
        <dt>患者</dt><dd>{a.psnName}（{a.iptNo}）</dd>
        <dt>出院日期</dt><dd>{p.dischargedOn}</dd>
        <dt>总费用</dt><dd className="num">{yuan(shown.medfee_sumamt)}</dd>
        <dt>基金支付合计{online ? '（参保地预结算）' : '（估算）'}</dt><dd className="num">{yuan(shown.fund_pay_sumamt)}</dd>
        {shown.acct_pay !== null && shown.acct_pay !== '0.00' && <><dt>个人账户支付</dt><dd className="num">{yuan(shown.acct_pay)}</dd></>}
        <dt>个人现金支付{online ? '（参保地预结算）' : '（估算）'}</dt><dd className="num big-amount">{yuan(shown.psn_cash_pay)}</dd>
      </dl>
      {online
        ? <p className="muted small">结算以参保地结算（2304）返回的金额为准，结算单按其打印。</p>
        : <p className="warn small">离线：不打印结算单。办理出院后列入“待联网结算”，联网后自动向参保地结算，再通知患者结清。</p>}
    </>
  );
}
