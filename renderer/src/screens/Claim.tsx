// Over 400 lines: the claim screen's overview, dialogs and lists share one period state.
import { useCallback, useEffect, useLayoutEffect, useState } from 'react';
import type { ClaimItemView, ClaimOverview, DeferralItem, ReviewDeduction, SubmittedClaim } from '../../../shared/api/claim.ts';
import { addPeriods } from '../../../shared/dates.ts';
import { parseAmount, toText, ZERO } from '../../../shared/money.ts';
import { call } from '../api.ts';
import type { ScreenProps } from '../routes.tsx';
import { errorText, Rule, when } from '../ui/kit.tsx';
import { ClaimCharts } from './claim/ClaimCharts.tsx';
import { Exports, NoteField } from './claim/kit.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { useAction } from '../ui/useAction.ts';
import { yuan } from '../ui/format.ts';

/**
 * 月度申报 (F6, DOMAIN §9; 004 第四十九条–第五十三条): the period's calendar and what is in,
 * missing or lapsing; the claim as the engine builds it and its submission (supervisor); deferral
 * requests; the agency's review deductions with accept / dispute; the tables and the monthly
 * figures. Every figure comes from the services.
 */

type Tab = 'overview' | 'deferrals' | 'review' | 'tables';
const TABS: { id: Tab; label: string }[] = [
  { id: 'overview', label: '本期申报' },
  { id: 'deferrals', label: '延期申报' },
  { id: 'review', label: '审核结果' },
  { id: 'tables', label: '报表与统计' },
];

export function Claim({ session }: ScreenProps) {
  const isSupervisor = session.clerk.role === 'supervisor';
  const [period, setPeriod] = useState<string | null>(null);
  const [o, setO] = useState<ClaimOverview | null>(null);
  const [tab, setTab] = useState<Tab>('overview');
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const fetching = useAction('获取失败');
  const refreshing = fetching.busy;
  const [refreshNote, setRefreshNote] = useState<string | null>(null);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let alive = true;
    call('claim.overview', period === null ? {} : { period })
      .then((x) => {
        if (!alive) return;
        setO(x);
        setError(null);
        if (period === null) setPeriod(x.period);
      })
      .catch((e: unknown) => alive && setError(errorText(e, '读取申报信息失败')));
    return () => {
      alive = false;
    };
  }, [period, tick]);

  // Opening the screen fetches the agency's latest decisions (accepted, deductions, deferrals) in
  // the background; offline it simply fails and the button stays there to try again.
  useEffect(() => {
    call('claim.refresh', {}).then((r) => r.status === 'applied' && r.applied > 0 && reload()).catch(() => undefined);
  }, [reload]);

  // What the sync worker and the agency change (upload confirmed, refusal) shows without a click.
  useEffect(() => {
    const t = setInterval(reload, 5000);
    return () => clearInterval(t);
  }, [reload]);

  async function refresh() {
    setRefreshNote(null);
    await fetching.run(async () => {
      const r = await call('claim.refresh', {});
      setRefreshNote(r.status === 'applied' ? `已从经办机构获取清算信息（${r.applied} 项更新）` : `未能获取：${r.error ?? r.status}`);
      reload();
    });
  }

  return (
    <section className="screen claim">
      <div className="claim-head">
        <h2>月度申报（清算申报）</h2>
        <label className="claim-period">清算期
          <input type="month" aria-label="清算期" value={period ?? ''} onChange={(e) => e.target.value && setPeriod(e.target.value)} />
        </label>
        <button onClick={() => void refresh()} disabled={refreshing}>{refreshing ? <><span className="spinner" /> 正在获取…</> : '获取审核结果'}</button>
        {o && <span className="muted small">今天 {o.today}{o.clearingFetchedAt && ` · 审核结果更新于 ${when(o.clearingFetchedAt)}（自动同步）`}</span>}
      </div>
      {(refreshNote ?? fetching.error) && <p className="small" role="status">{refreshNote ?? fetching.error}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {o?.lastDayAlarm && <div className="claim-alarm" role="alert" data-testid="claim-alarm">{o.lastDayAlarm}</div>}
      {o && <Calendar o={o} />}
      <div className="claim-tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} onClick={() => setTab(t.id)}>
            {t.label}
            {t.id === 'review' && o && o.unansweredDeductions > 0 && <span className="claim-count">{o.unansweredDeductions}</span>}
          </button>
        ))}
      </div>
      {!o && !error && <p className="progress"><span className="spinner" /> 正在读取…</p>}
      {o && tab === 'overview' && <Overview o={o} isSupervisor={isSupervisor} onChanged={reload} />}
      {o && tab === 'deferrals' && <Deferrals o={o} tick={tick} onChanged={reload} />}
      {o && tab === 'review' && <Review period={o.period} reviewCutoff={o.calendar.reviewCutoff} isSupervisor={isSupervisor} tick={tick} onChanged={reload} />}
      {o && tab === 'tables' && (
        <>
          <Exports period={o.period} declared={o.claims.some((c) => ['submitted', 'applied', 'accepted', 'cleared', 'withdrawing'].includes(c.status))} />
          <ClaimCharts tick={tick} />
        </>
      )}
    </section>
  );
}

function Calendar({ o }: { o: ClaimOverview }) {
  const c = o.calendar;
  const state = o.windowOpen ? `进行中，${o.windowDaysLeft === 0 ? '今天截止' : `还有 ${o.windowDaysLeft} 天`}` : o.today < c.windowOpens ? '尚未开始' : '已截止';
  return (
    <div className="claim-calendar" aria-label="清算日历">
      <div className={`claim-step${o.windowOpen ? ' open' : ''}`}>
        <span>申报窗口 <Rule rule="004 第四十九条" /></span>
        <strong>{c.windowOpens.slice(5)} 至 {c.windowCloses.slice(5)}</strong>
        <small data-testid="window-state">{state}</small>
      </div>
      <div className="claim-step">
        <span>审核扣款、异议截止 <Rule rule="004 第五十条" /></span>
        <strong>{c.reviewCutoff.slice(5)}</strong>
        <small>有异议须此前达成一致</small>
      </div>
      <div className="claim-step">
        <span>清算确认 <Rule rule="004 第五十一条" /></span>
        <strong>{c.confirmationBy.slice(5)}</strong>
        <small data-testid="confirmation-days">{o.policy.reviewCutoffDay + 1} 日生成报表，{o.policy.confirmationDay} 日前确认</small>
      </div>
      <div className="claim-step">
        <span>已申报</span>
        <strong>{o.declared.count} 笔</strong>
        <small>基金 {yuan(o.declared.fund)} 元</small>
      </div>
    </div>
  );
}

const STATUS_CLASS: Record<SubmittedClaim['status'], string> = {
  submitted: 'waiting', applied: 'confirmed', accepted: 'confirmed', cleared: 'confirmed', withdrawing: 'waiting', withdrawn: 'offline', refused: 'bad',
};

function Overview({ o, isSupervisor, onChanged }: { o: ClaimOverview; isSupervisor: boolean; onChanged: () => void }) {
  const p = o.preview;
  const [confirm, setConfirm] = useState(false);
  const { busy, error, run } = useAction();
  const [message, setMessage] = useState<string | null>(null);
  const [withdraw, setWithdraw] = useState<SubmittedClaim | null>(null);
  const [reason, setReason] = useState('');
  const [defer, setDefer] = useState<ClaimItemView | null>(null);
  // Alt+T opens 提交申报 (issue 20 point 4: the main action of F6 without a mouse).
  const canOpen = isSupervisor && p.canSubmit && !busy && !confirm;
  // A layout effect: the key works from the first frame the screen is shown (not lost before a passive effect runs).
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.code !== 'KeyT') return;
      e.preventDefault();
      if (canOpen) setConfirm(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canOpen]);

  async function submit() {
    await run(async () => {
      const r = await call('claim.submit', { period: o.period, fingerprint: p.fingerprint });
      setMessage(`已提交 ${r.claimIds.length} 份申报，随同步上传经办机构（离线时自动排队）`);
    }, '申报失败');
    // Either way the dialog closes and the overview is read again (a refusal may have changed it).
    setConfirm(false);
    onChanged();
  }

  async function doWithdraw() {
    if (!withdraw) return;
    await run(async () => {
      await call('claim.withdraw', { claimId: withdraw.id, reason });
      setMessage('撤销申请已提交（3204），经办机构确认后该申报的结算可重新申报');
      setWithdraw(null);
      setReason('');
      onChanged();
    }, '撤销失败');
  }

  const live = o.claims;
  const total = (f: (l: (typeof p.lines)[number]) => string): string => toText(p.lines.reduce((a, l) => a.plus(parseAmount(f(l))), ZERO));
  return (
    <>
      <div className="panel" aria-label="已申报">
        <h3>{o.period} 期已申报</h3>
        {live.length === 0 ? <p className="muted">本期尚未申报。</p> : (
          <table className="grid compact" aria-label="申报记录">
            <thead><tr><th>编号</th><th>险种</th><th>范围</th><th>类别</th><th className="num">人次</th><th className="num">医疗费总额</th><th className="num">基金申报</th><th className="num">申请金额</th><th className="num">审核扣款</th><th className="num">实付金额</th><th>状态</th><th>清算申请事件ID</th><th /></tr></thead>
            <tbody>
              {live.map((c) => (
                <tr key={c.id} data-testid={`claim-${c.id}`}>
                  <td>{c.id}</td>
                  <td>{c.schemeLabel}</td>
                  <td>{c.scopeLabel}</td>
                  <td>{c.clrTypeLabel}</td>
                  <td className="num">{c.psntime}</td>
                  <td className="num">{yuan(c.medfee_sumamt)}</td>
                  <td className="num">{yuan(c.fund_appy_sum)}</td>
                  <td className="num">{yuan(c.applied)}</td>
                  <td className="num">{yuan(c.deducted)}</td>
                  <td className="num">{yuan(c.paid)}{c.paidByAgency ? <span className="muted small">（经办机构）</span> : ''}</td>
                  <td>
                    <span className={`badge ${STATUS_CLASS[c.status]}`} data-testid="claim-status">{c.statusLabel}</span>
                    {c.outbox === 'pending' && <span className="muted small"> 待上传</span>}
                    {c.outbox === 'rejected' && <span className="error small"> 被退回</span>}
                    {c.agencyMessage && <div className="error small">{c.agencyMessage}</div>}
                    {c.withdrawReason && <div className="muted small">撤销原因：{c.withdrawReason}</div>}
                  </td>
                  <td className="small">{c.clrAppyEvtId ?? '—'}</td>
                  <td>{isSupervisor && c.canWithdraw && <button onClick={() => { setWithdraw(c); setReason(''); }}>撤销</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="panel" aria-label="待申报">
        <h3>待申报（预览） <Rule rule="004 第四十九条" /></h3>
        {p.lines.length === 0 ? <p className="muted">没有待申报的结算。</p> : (
          <table className="grid compact" aria-label="申报预览">
            <thead><tr><th>险种</th><th>范围</th><th>类别</th><th className="num">结算笔数</th><th className="num">清算人次</th><th className="num">医疗费总额</th><th className="num">基金申报</th><th className="num">个人账户</th><th className="num">现金支付</th><th>基金明细</th><th>起止日期</th></tr></thead>
            <tbody>
              {p.lines.map((l) => (
                <tr key={`${l.scheme}-${l.scope}-${l.clrType}`} data-testid={`claim-line-${l.scheme}-${l.scope}-${l.clrType}`}>
                  <td>{l.schemeLabel}</td><td>{l.scopeLabel}</td><td>{l.clrTypeLabel}</td>
                  <td className="num">{l.settlementIds.length}</td>
                  <td className="num">{l.psntime}</td>
                  <td className="num">{yuan(l.medfee_sumamt)}</td>
                  <td className="num">{yuan(l.fund_appy_sum)}</td>
                  <td className="num">{yuan(l.acct_pay)}</td>
                  <td className="num">{yuan(l.cash_payamt)}</td>
                  <td className="small">{l.byFund.map((f) => `${f.name} ${yuan(f.amount)}`).join('；')}</td>
                  <td className="small">{l.national.begndate} — {l.national.enddate}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {p.warnings.length > 0 && <ul className="claim-warnings">{p.warnings.map((w, i) => <li key={i}>{w}</li>)}</ul>}
        {p.blockers.length > 0 && p.lines.length > 0 && <ul className="claim-blockers">{p.blockers.map((b, i) => <li key={i}>{b}</li>)}</ul>}
        <div className="actions">
          {isSupervisor
            ? <button className="primary" disabled={!p.canSubmit || busy} onClick={() => setConfirm(true)} aria-keyshortcuts="Alt+T">提交申报… <kbd>Alt+T</kbd></button>
            : p.lines.length > 0 && <span className="muted">申报须由主管提交。</span>}
        </div>
        {message && <p className="ok-text" role="status">{message}</p>}
        {error && <p className="error" role="alert">{error}</p>}
      </div>

      <ItemsPanel title={`本期申报的结算（共 ${p.itemCount} 笔${p.itemCount > p.items.length ? `，显示前 ${p.items.length} 笔，全部见“结算明细”报表` : ''}）`} items={p.items} onDefer={setDefer} label="申报结算" />
      {p.deferredCount > 0 && <ItemsPanel title={`已申请延期、不纳入本期的结算（${p.deferredCount} 笔）`} items={p.deferred} onDefer={setDefer} label="延期结算" />}
      {p.lapsedCount > 0 && <ItemsPanel title={`已过期限、不能再申报的结算（${p.lapsedCount} 笔，由医院自行承担）`} items={p.lapsed} onDefer={setDefer} label="逾期结算" lapsed />}

      {confirm && (
        <Dialog title={`提交 ${o.period} 期清算申报`} confirmLabel="确认申报" busy={busy} onConfirm={() => void submit()} onCancel={() => setConfirm(false)}>
          <p>将提交 {p.lines.length} 份申报（3203），共 {p.itemCount} 笔结算：</p>
          <dl className="facts">
            <dt>医疗费总额</dt><dd className="num">{yuan(total((l) => l.medfee_sumamt))}</dd>
            <dt>基金申报总额</dt><dd className="num">{yuan(total((l) => l.fund_appy_sum))}</dd>
          </dl>
          <p className="small muted">提交后这些结算不能再撤销；经办机构受理前可撤销整份申报。</p>
        </Dialog>
      )}
      {withdraw && (
        <Dialog focusConfirm={false} title={`撤销申报 ${withdraw.id}（${withdraw.schemeLabel}·${withdraw.scopeLabel}）`} confirmLabel="撤销申报" danger busy={busy} disabled={reason.trim() === ''} onConfirm={() => void doWithdraw()} onCancel={() => setWithdraw(null)}>
          <NoteField label="撤销原因" value={reason} onChange={setReason} onEnter={() => reason.trim() !== '' && void doWithdraw()} />
          {!o.windowOpen && <p className="error small">申报窗口已截止：撤销后本期不能再申报，费用可能由医院承担。</p>}
        </Dialog>
      )}
      {defer && <DeferDialog item={defer} maxDeferralMonths={o.policy.maxDeferralMonths} onDone={() => { setDefer(null); onChanged(); }} onCancel={() => setDefer(null)} />}
    </>
  );
}

function ItemsPanel({ title, items, onDefer, label, lapsed }: { title: string; items: ClaimItemView[]; onDefer: (i: ClaimItemView) => void; label: string; lapsed?: boolean }) {
  if (items.length === 0) return null;
  return (
    <div className={`panel${lapsed ? ' claim-lapsed' : ''}`}>
      <h3>{title}</h3>
      <table className="grid compact" aria-label={label}>
        <thead><tr><th>结算日期</th><th>住院号</th><th>姓名</th><th>险种</th><th className="num">医疗费</th><th className="num">基金</th><th>结算ID</th><th>说明</th><th>延期</th></tr></thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.settlementId}>
              <td>{i.settledOn}</td><td>{i.iptNo}</td><td>{i.psnName}</td><td>{i.insutype === '390' ? '居民' : '职工'}·{i.scope === 'cross' ? '跨省' : '省内'}</td>
              <td className="num">{yuan(i.medfee)}</td><td className="num">{yuan(i.fund)}</td>
              <td className="small">{i.setlId ?? <span className="warn">待确认</span>}</td>
              <td className="small">{i.clrType === '11' ? (i.kind === 'reversal' ? '门诊退费 · ' : '门诊 · ') : i.kind === 'reversal' ? '结算撤销 · ' : ''}{i.reasonLabel}</td>
              <td className="small">
                {i.deferral && <span>{i.deferral.state === 'pending' ? '已申请，待答复' : i.deferral.state === 'approved' ? '已认可' : '未认可'}（{i.deferral.requestedOn}）</span>}
                {i.canDefer && <button className="small-button" onClick={() => onDefer(i)}>申请延期</button>}
                {!i.canDefer && !i.deferral && i.kind === 'settlement' && <span className="muted">截止 {i.deferUntil}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeferDialog({ item, maxDeferralMonths, onDone, onCancel }: { item: ClaimItemView; maxDeferralMonths: number; onDone: () => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction('提交失败');
  async function send() {
    if (reason.trim() === '') return;
    await run(async () => {
      await call('deferral.request', { settlementId: item.settlementId, reason });
      onDone();
    });
  }
  return (
    <Dialog focusConfirm={false} title={`申请延期申报：${item.iptNo} ${item.psnName}`} confirmLabel="提交延期说明" busy={busy} disabled={reason.trim() === ''} onConfirm={() => void send()} onCancel={onCancel}>
      <p className="small">结算日期 {item.settledOn}，医疗费 {yuan(item.medfee)} 元。延期说明须在 {item.deferUntil} 前（含当日）提出，经办机构认可后最长可延期 {maxDeferralMonths} 个月申报（004 第四十九条）。</p>
      <NoteField label="不能按时申报的原因" value={reason} onChange={setReason} onEnter={() => void send()} placeholder="如：病案首页待质控，当期无法完成核对" />
      {error && <p className="error" role="alert">{error}</p>}
    </Dialog>
  );
}

function Deferrals({ o, tick, onChanged }: { o: ClaimOverview; tick: number; onChanged: () => void }) {
  const [list, setList] = useState<DeferralItem[] | null>(null);
  const [defer, setDefer] = useState<ClaimItemView | null>(null);
  useEffect(() => {
    call('deferral.list', { period: o.period }).then(setList).catch(() => setList([]));
  }, [o.period, tick]);
  const candidates = [...o.preview.items, ...o.preview.lapsed].filter((i) => i.canDefer);
  return (
    <>
      <div className="panel">
        <h3>延期申报记录 <Rule rule="004 第四十九条" /></h3>
        <p className="muted small">不能在申报窗口内申报的结算，须在窗口最后一天前提交延期说明；经办机构认可后最长延期 {o.policy.maxDeferralMonths} 个月，逾期或未获认可的由医院自行承担。审核结果随“获取审核结果”下载。</p>
        <table className="grid compact" aria-label="延期申报">
          <thead><tr><th>结算日期</th><th>住院号/门诊号</th><th>姓名</th><th>险种·范围</th><th className="num">医疗费</th><th>原因</th><th>提交日期</th><th>状态</th><th>最晚申报期</th><th>已申报于</th></tr></thead>
          <tbody>
            {list === null && <tr><td colSpan={10} className="muted">正在读取…</td></tr>}
            {list?.length === 0 && <tr><td colSpan={10} className="muted">暂无延期申报</td></tr>}
            {list?.map((d) => (
              <tr key={d.id}>
                <td>{d.settledOn}</td><td>{d.iptNo}</td><td>{d.psnName}</td><td>{d.schemeLabel}·{d.scopeLabel}</td><td className="num">{yuan(d.medfee)}</td>
                <td className="small">{d.reason}</td><td>{d.requestedOn}</td>
                <td><span className={`badge ${d.state === 'approved' ? 'confirmed' : d.state === 'pending' ? 'waiting' : 'bad'}`}>{d.stateLabel}</span>{d.decisionNote && <div className="small muted">{d.decisionNote}</div>}</td>
                <td>{d.lastPeriod}</td><td>{d.claimedIn ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {candidates.length > 0 && <ItemsPanel title="可申请延期的结算" items={candidates} onDefer={setDefer} label="可申请延期" />}
      {defer && <DeferDialog item={defer} maxDeferralMonths={o.policy.maxDeferralMonths} onDone={() => { setDefer(null); onChanged(); }} onCancel={() => setDefer(null)} />}
    </>
  );
}

function Review({ period, reviewCutoff, isSupervisor, tick, onChanged }: { period: string; reviewCutoff: string; isSupervisor: boolean; tick: number; onChanged: () => void }) {
  const [list, setList] = useState<ReviewDeduction[] | null>(null);
  // The period before's deductions agreed after its cutoff are paid back in this one (004 第五十条).
  const [refunds, setRefunds] = useState<ReviewDeduction[]>([]);
  const [answer, setAnswer] = useState<{ d: ReviewDeduction; kind: 'accept' | 'dispute' } | null>(null);
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction('提交失败');
  useEffect(() => {
    call('review.list', { period }).then(setList).catch(() => setList([]));
    call('review.list', { period: addPeriods(period, -1) }).then((l) => setRefunds(l.filter((d) => d.outcome === 'refundNext'))).catch(() => setRefunds([]));
  }, [period, tick]);

  async function send() {
    if (!answer) return;
    if (answer.kind === 'dispute' && note.trim() === '') return;
    await run(async () => {
      if (answer.kind === 'accept') await call('review.accept', { deductionId: answer.d.id, note: note.trim() === '' ? undefined : note });
      else await call('review.dispute', { deductionId: answer.d.id, note });
      setAnswer(null);
      setNote('');
      onChanged();
    });
  }
  const total = toText((list ?? []).filter((d) => d.deductedInOwn).reduce((a, d) => a.plus(parseAmount(d.amount)), ZERO));
  const refunded = toText(refunds.reduce((a, d) => a.plus(parseAmount(d.amount)), ZERO));
  return (
    <div className="panel" aria-label="审核扣款">
      <h3>{period} 期审核扣款 <Rule rule="004 第五十条" /></h3>
      <p className="muted small">经办机构 {reviewCutoff} 前审核并扣款；有异议的须在 {reviewCutoff} 前达成一致方可纳入本期清算，未达成一致的最长延至下一期。计入本期的扣款合计 {yuan(total)} 元{refunds.length > 0 && `；上期异议本期退还 ${yuan(refunded)} 元`}。</p>
      <table className="grid compact" aria-label="审核扣款列表">
        <thead><tr><th>下发日期</th><th>住院号</th><th>姓名</th><th>结算日期</th><th>险种·范围</th><th className="num">扣款金额</th><th>扣款原因</th><th>处理</th><th>清算归属</th><th /></tr></thead>
        <tbody>
          {list === null && <tr><td colSpan={10} className="muted">正在读取…</td></tr>}
          {list?.length === 0 && <tr><td colSpan={10} className="muted">暂无审核扣款（点“获取审核结果”下载最新结果）</td></tr>}
          {list?.map((d) => (
            <tr key={d.id} data-testid={`deduction-${d.id}`}>
              <td>{d.issuedOn ?? '—'}</td><td>{d.iptNo ?? d.setlId}</td><td>{d.psnName ?? ''}</td><td>{d.settledOn ?? ''}</td><td>{d.schemeLabel}·{d.scopeLabel}</td>
              <td className="num">{yuan(d.amount)}</td><td className="small">{d.reason}</td>
              <td>
                <span className={`badge ${d.revoked ? 'offline' : d.status === 'received' ? 'waiting' : d.status === 'accepted' ? 'confirmed' : 'bad'}`} data-testid="deduction-status">{d.statusLabel}</span>
                {d.answerPending && <span className="muted small"> 待上传</span>}
                {d.note && <div className="small muted">说明：{d.note}</div>}
                {d.answeredAt && <div className="small muted">{d.answeredByName} {when(d.answeredAt)}</div>}
                {d.agencyStatus !== 'issued' && <div className="small muted">经办机构 {d.decidedOn ?? ''}{d.agencyMemo ? `：${d.agencyMemo}` : ''}</div>}
              </td>
              <td className={`small${d.outcome === 'carried' || d.outcome === 'expired' ? ' warn-text' : ''}`} data-testid="deduction-outcome">{d.outcomeLabel}</td>
              <td>
                {isSupervisor && d.status === 'received' && d.agencyStatus === 'issued' && (
                  <>
                    <button onClick={() => { setAnswer({ d, kind: 'accept' }); setNote(''); }}>认可</button>{' '}
                    <button onClick={() => { setAnswer({ d, kind: 'dispute' }); setNote(''); }}>提出异议</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {refunds.length > 0 && (
        <table className="grid compact" aria-label="上期异议本期退还">
          <caption className="small">上期（{addPeriods(period, -1)}）审核扣款异议在其审核截止日后达成一致，于本期清算退还 <Rule rule="004 第五十条" /></caption>
          <thead><tr><th>扣款编号</th><th>住院号</th><th>姓名</th><th className="num">退还金额</th><th>经办机构处理</th></tr></thead>
          <tbody>
            {refunds.map((d) => (
              <tr key={d.id}><td>{d.ddnId ?? ''}</td><td>{d.iptNo ?? d.setlId}</td><td>{d.psnName ?? ''}</td><td className="num">{yuan(d.amount)}</td><td className="small">{d.decidedOn}{d.agencyMemo ? `：${d.agencyMemo}` : ''}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {!isSupervisor && <p className="muted small">认可或提出异议须由主管操作。</p>}
      {answer && (
        <Dialog
          focusConfirm={false}
          title={`${answer.kind === 'accept' ? '认可' : '对'}审核扣款 ${yuan(answer.d.amount)} 元${answer.kind === 'dispute' ? '提出异议' : ''}`}
          confirmLabel={answer.kind === 'accept' ? '认可扣款' : '提出异议'}
          busy={busy}
          disabled={answer.kind === 'dispute' && note.trim() === ''}
          onConfirm={() => void send()}
          onCancel={() => setAnswer(null)}
        >
          <p className="small">{answer.d.iptNo} {answer.d.psnName}：{answer.d.reason}</p>
          <NoteField label={answer.kind === 'accept' ? '说明（可不填）' : '异议说明（必填）'} value={note} onChange={setNote} onEnter={() => void send()} placeholder={answer.kind === 'dispute' ? '如：病历记载符合限定支付条件，附检验报告' : ''} />
          {error && <p className="error" role="alert">{error}</p>}
        </Dialog>
      )}
    </div>
  );
}
