import { useEffect, useState } from 'react';
import type { AdmissionForSettlement, AgencyRecordView, SettlementPreview, SettlementRequestView, SettlementState, SettlementView, SettlementWorklist } from '../../../../shared/api/settlement.ts';
import type { OutpatientAssistanceHit } from '../../../../shared/api/outpatient.ts';
import { call } from '../../api.ts';
import { downloadBase64 } from '../../download.ts';
import { errorText, Rule } from '../../ui/kit.tsx';
import { yuan } from '../../ui/format.ts';

/**
 * The parts of the settlement screen that say whose figures are shown (issue 14): the insured
 * region's 2303/2304 answer, or the desk's estimate labelled 估算 — never a slip from numbers the
 * agency did not give.
 */

/** Above the preview's amounts: where they come from. */
export function PreviewSource({ p }: { p: SettlementPreview }) {
  const a = p.agency;
  if (a?.available) {
    return (
      <p className="notice small" data-testid="preview-source">
        <span className="badge confirmed">参保地预结算</span> {a.note} <Rule rule="001 规程 第二十七条" />
        {a.derived.length > 0 && <span className="muted"> · 未返回的项目：{a.derived.map((d) => `${d.field}（${d.how}）`).join('；')}</span>}
      </p>
    );
  }
  return (
    <p className="warn small" data-testid="preview-source">
      <span className="badge offline">估算</span> {a?.note ?? '本机估算'}：以下金额为本机按参保地政策参数的估算，不是结算结果，不打印结算单。
    </p>
  );
}

const REQUEST_TITLE: Record<SettlementRequestView['status'], string> = {
  pending: '结算中', unknown: '结算中（结果未知，冲正中）', refused: '参保地拒绝结算', withdrawn: '结算请求已撤回',
};

/** A stay asked of the insured region and not answered yet (结算中 / 出院待结算), or refused. */
export function RequestPanel({ r, onRefresh, busy }: { r: SettlementRequestView; onRefresh: () => void; busy: boolean }) {
  const title = r.mode === 'deferred' && r.status === 'pending' ? '出院待结算（待联网结算）' : REQUEST_TITLE[r.status];
  return (
    <div className={`panel request ${r.status}`} role="status" data-testid="request-panel">
      <h3>{title} <span className="muted small">提交于 {r.createdAt.slice(0, 16).replace('T', ' ')} · 报文 {r.msgid}</span></h3>
      <p className={r.status === 'refused' ? 'error' : 'notice'}>{r.message}</p>
      <dl className="facts small">
        <dt>总费用</dt><dd className="num">{yuan(r.estimate.medfee_sumamt)}</dd>
        <dt>基金支付（估算）</dt><dd className="num">{yuan(r.estimate.fund_pay_sumamt)}</dd>
        <dt>个人现金支付（估算）</dt><dd className="num">{yuan(r.estimate.psn_cash_pay)}</dd>
      </dl>
      <p className="muted small">估算不是结算单：结算以参保地返回的结果为准 <Rule rule="001 规程 第二十七条" />；患者可先离院，联网结算后通知其结清差额。</p>
      <div className="actions"><button onClick={onRefresh} disabled={busy}>刷新结算状态</button></div>
    </div>
  );
}

/** Under the settled amounts: whose they are, the estimate beside them, and what the answer left out. */
export function SettlementBasis({ s }: { s: SettlementView }) {
  if (s.basis !== 'agency') return <p className="muted small">本结算为旧版本按本机计算打印（经办机构结果另行比对）。</p>;
  return (
    <div className="small" data-testid="settlement-basis">
      <p><span className="badge confirmed">参保地结算结果</span> 结算ID {s.setlId ?? '—'}：结算单按参保地返回的金额与基金款项打印 <Rule rule="004 附件10 注1" /></p>
      {s.estimateAmounts && (
        <p className="muted">本机估算（仅供参考）：基金支付 {yuan(s.estimateAmounts.fund_pay_sumamt)} · 个人现金支付 {yuan(s.estimateAmounts.psn_cash_pay)}</p>
      )}
      {s.derived.length > 0 && <p className="muted">参保地未返回：{s.derived.map((d) => `${d.field}（${d.how}）`).join('；')}</p>}
    </div>
  );
}

function age(hours: number): string {
  return hours < 24 ? `${hours} 小时` : `${Math.floor(hours / 24)} 天 ${hours % 24} 小时`;
}

/** The landing's 待联网结算 worklist and the stays settled while the patient was away. */
export function Worklist({ tick, onOpen }: { tick: number; onOpen: (admissionId: number) => void }) {
  const [w, setW] = useState<SettlementWorklist | null>(null);
  useEffect(() => {
    call('settlement.worklist', {}).then(setW).catch(() => undefined);
  }, [tick]);
  if (!w) return null;
  return (
    <div className="panel" data-testid="worklist">
      <h3>待联网结算 <span className="muted small">{w.waiting.length} 人</span></h3>
      <table className="grid compact" aria-label="待联网结算">
        <thead><tr><th>住院号</th><th>姓名</th><th>状态</th><th>已等待</th><th className="num">个人现金（估算）</th></tr></thead>
        <tbody>
          {w.waiting.length === 0 && <tr><td colSpan={5} className="muted">暂无</td></tr>}
          {w.waiting.map((x) => (
            <tr key={x.request.id} className="clickable" onClick={() => onOpen(x.admissionId)}>
              <td>{x.iptNo}</td><td>{x.psnName}</td><td>{x.request.mode === 'deferred' && x.request.status === 'pending' ? '出院待结算' : REQUEST_TITLE[x.request.status]}</td>
              <td>{age(x.ageHours)}</td><td className="num">{yuan(x.request.estimate.psn_cash_pay)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {w.settledLater.length > 0 && (
        <>
          <h3>联网后已结算，请通知患者结清 <span className="muted small">{w.settledLater.length} 人</span></h3>
          <table className="grid compact" aria-label="联网后已结算">
            <thead><tr><th>住院号</th><th>姓名</th><th>参保地结算时间</th><th className="num">个人现金支付</th></tr></thead>
            <tbody>
              {w.settledLater.map((x) => (
                <tr key={x.settlementId} className="clickable" onClick={() => onOpen(x.admissionId)}>
                  <td>{x.iptNo}</td><td>{x.psnName}</td><td>{x.setlTime}</td><td className="num">{yuan(x.psn_cash_pay)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

/** A stay discharged 全额自付: the deadlines the patient and the office keep, and the advice to print. */
export function SelfPayPanel({ sp, onPrint, busy }: { sp: NonNullable<SettlementState['selfPay']>; onPrint: () => void; busy: boolean }) {
  return (
    <div className="panel self-pay" data-testid="self-pay-panel">
      <h3>全额自付 <span className="muted small">{sp.paidOn} · 总费用 {yuan(sp.medfee_sumamt)} 元 · {sp.reason}</span></h3>
      <dl className="facts small">
        <dt>零星报销</dt><dd>患者于 {sp.claimBy} 前向参保地经办机构申请（可申请延期 3 个月） <Rule rule={sp.rules.claim} /></dd>
        <dt>上传明细与诊断</dt>
        <dd>{sp.uploaded ? <span className="badge confirmed">已送达经办机构</span> : <span className="badge waiting">待上传</span>} 须于 {sp.uploadBy} 前 <Rule rule={sp.rules.upload} /></dd>
      </dl>
      <div className="actions">
        <button className="primary big" onClick={onPrint} disabled={busy} data-testid="advice-button" aria-keyshortcuts="Alt+P">打印费用清单及零星报销告知 <kbd>Alt+P</kbd></button>
      </div>
    </div>
  );
}

/** 经办机构记录: the platform's record of the stay (5303 / 5204 / 5203) beside the desk's, asked on request (issue 15 §4). */
export function AgencyRecordPanel({ admissionId }: { admissionId: number }) {
  const [r, setR] = useState<AgencyRecordView | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function ask() {
    setBusy(true);
    setError(null);
    try {
      setR(await call('settlement.agencyRecord', { admissionId }));
    } catch (e) {
      setError(errorText(e, '查询经办机构记录失败'));
    } finally {
      setBusy(false);
    }
  }
  const partError = (x: object | null): string | null => (x !== null && 'error' in x ? (x as { error: string }).error : null);
  return (
    <div className="panel" data-testid="agency-record">
      <h3>经办机构记录 <span className="muted small">在院信息（5303）· 费用明细（5204）· 结算信息（5203）· 参保地启用时慢特病用药记录（5205）</span></h3>
      <div className="actions"><button onClick={() => void ask()} disabled={busy}>{busy ? '正在查询…' : '查询经办机构记录'}</button></div>
      {error && <p className="error">{error}</p>}
      {r && (
        <dl className="facts small">
          <dt>在院状态</dt>
          <dd>{partError(r.inHospital) ?? ('text' in r.inHospital ? <span className={r.inHospital.agrees ? '' : 'warn'}>{r.inHospital.text}</span> : null)}</dd>
          <dt>费用明细</dt>
          <dd>{partError(r.fees) ?? ('agencyCount' in r.fees ? (
            <span className={r.fees.onlyAtAgency.length + r.fees.onlyAtDesk.length + r.fees.differing.length > 0 ? 'warn' : ''}>
              经办机构 {r.fees.agencyCount} 条 {yuan(r.fees.agencyTotal)} 元 / 本院已上传 {r.fees.deskCount} 条 {yuan(r.fees.deskTotal)} 元
              {r.fees.onlyAtDesk.length > 0 && `；经办机构缺少：${r.fees.onlyAtDesk.join('、')}`}
              {r.fees.onlyAtAgency.length > 0 && `；本院没有：${r.fees.onlyAtAgency.join('、')}`}
              {r.fees.differing.map((d) => `；${d.sn} 本院 ${yuan(d.desk)} / 经办机构 ${yuan(d.agency)}`).join('')}
            </span>
          ) : null)}</dd>
          <dt>结算信息</dt>
          <dd>{r.settlement === null ? '经办机构尚无该住院的结算' : partError(r.settlement) ?? ('setlId' in r.settlement ? (
            <span className={r.settlement.differences.length > 0 || r.settlement.reversedAtAgency ? 'warn' : ''}>
              结算ID {r.settlement.setlId}：{r.settlement.differences.length === 0 ? '与本院记录一致' : r.settlement.differences.map((d) => `${d.label} 本院 ${yuan(d.local)} / 经办机构 ${yuan(d.agency)}`).join('；')}
              {r.settlement.reversedAtAgency && `；经办机构已撤销（撤销结算ID ${r.settlement.reversedAtAgency}）`}
            </span>
          ) : null)}</dd>
          {r.specialDrugs !== null && (<>
            <dt>慢特病用药记录</dt>
            <dd data-testid="special-drugs">{partError(r.specialDrugs) ?? ('rows' in r.specialDrugs ? (
              <span className={r.specialDrugs.thisStay.some((x) => !x.agrees) ? 'warn' : ''}>
                经办机构 {r.specialDrugs.rows.length} 条
                {r.specialDrugs.thisStay.map((x) => `；${x.code} 经办机构 ${yuan(x.agency)} / 本院已上传 ${yuan(x.desk)}${x.agrees ? '' : '（不一致）'}`).join('')}
              </span>
            ) : null)}</dd>
          </>)}
          <dt>查询时间</dt><dd>{r.askedAt}</dd>
        </dl>
      )}
    </div>
  );
}

/** 协查 (004 第六十六条): find the stay from what the insured region's request names, export its documents as one ZIP. */
export function AssistanceExport({ onOpen }: { onOpen: (admissionId: number) => void }) {
  const [q, setQ] = useState({ certno: '', name: '', iptNo: '', day: '', total: '', invono: '' });
  const [found, setFound] = useState<AdmissionForSettlement[] | null>(null);
  const [visits, setVisits] = useState<OutpatientAssistanceHit[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  async function search() {
    setBusy(true);
    setMessage(null);
    try {
      const input = Object.fromEntries(Object.entries(q).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()]));
      setFound(await call('settlement.findForAssistance', input));
      // The same request may be about a visit (issue 16 §5): 住院号 is then the 门诊号, the day the visit's.
      const { iptNo, ...rest } = input as Record<string, string>;
      setVisits(await call('outpatient.findForAssistance', { ...rest, ...(iptNo ? { otpNo: iptNo } : {}) }));
    } catch (e) {
      setMessage(errorText(e, '查找失败'));
    } finally {
      setBusy(false);
    }
  }
  async function exportPack(admissionId: number | null, visitId: number | null = null) {
    setBusy(true);
    setMessage(null);
    try {
      const r = visitId !== null ? await call('outpatient.assistancePack', { visitId }) : await call('settlement.assistancePack', { admissionId: admissionId! });
      downloadBase64(r.fileName, r.zipBase64, 'application/zip');
      setMessage(`已导出 ${r.fileName}：${r.files.join('、')}（汇编 ${r.pdfPages} 页）`);
    } catch (e) {
      setMessage(errorText(e, '导出协查材料失败'));
    } finally {
      setBusy(false);
    }
  }
  const field = (k: keyof typeof q, label: string, type = 'text') => (
    <label>{label}<input type={type} value={q[k]} onChange={(e) => setQ({ ...q, [k]: e.target.value })} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); void search(); } }} /></label>
  );
  return (
    <div className="panel" data-testid="assistance-export">
      <h3>协查材料导出 <Rule rule="004 第六十六条" /></h3>
      <div className="actions">
        {field('certno', '证件号码')}{field('name', '姓名')}{field('iptNo', '住院号 / 门诊号')}{field('day', '住院期间或就诊某日', 'date')}{field('total', '总费用')}{field('invono', '发票号')}
        <button onClick={() => void search()} disabled={busy}>查找</button>
      </div>
      {found && (
        <table className="grid compact" aria-label="协查查找结果">
          <thead><tr><th>住院号</th><th>姓名</th><th>证件号</th><th>入院—出院</th><th>发票号</th><th /></tr></thead>
          <tbody>
            {found.length === 0 && <tr><td colSpan={6} className="muted">没有符合的住院</td></tr>}
            {found.map((a) => (
              <tr key={a.id}>
                <td><button className="link-dark" onClick={() => onOpen(a.id)}>{a.iptNo}</button></td><td>{a.psnName}</td><td>{a.certnoMasked}</td>
                <td>{a.admittedAt.slice(0, 10)} — {(a.dischargedAt ?? '在院').slice(0, 10)}</td><td>{a.invono ?? '—'}</td>
                <td><button onClick={() => void exportPack(a.id)} disabled={busy}>导出协查材料</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {visits && visits.length > 0 && (
        <table className="grid compact" aria-label="协查查找结果（门诊）">
          <thead><tr><th>门诊号</th><th>姓名</th><th>证件号</th><th>就诊时间</th><th>结算 / 退费</th><th>发票号</th><th /></tr></thead>
          <tbody>
            {visits.map((v) => (
              <tr key={v.visitId}>
                <td>{v.otpNo}</td><td>{v.psnName}</td><td>{v.certnoMasked}</td><td>{v.begntime.slice(0, 16)}</td>
                <td>{v.selfPaid ? '全额自付' : `${v.settlements} / ${v.refunds}`}</td><td>{v.invono ?? '—'}</td>
                <td><button onClick={() => void exportPack(null, v.visitId)} disabled={busy}>导出协查材料</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {message && <p className="notice small">{message}</p>}
    </div>
  );
}
