import { useState } from 'react';
import type { DetailDifferenceView, DetailReconciliationView, DetailResolutionView } from '../../../../shared/api/sync.ts';
import { formatInstantCST } from '../../../../shared/dates.ts';
import { call } from '../../api.ts';
import { yuan } from '../../ui/format.ts';

/** Runs an action with the screen's busy line and status note (Sync's run). */
export type RunAction = <T>(label: string, fn: () => Promise<T>, done: (r: T) => string) => Promise<void>;

const OUTCOME: Record<NonNullable<DetailResolutionView['outcome']>, string> = {
  reversed: '已冲正', 'not-in-effect': '经办机构答复原交易已不存在或已冲正', refused: '被拒绝', unknown: '结果不明（下次明细对账可见）',
};

function resolutionText(r: DetailResolutionView): string {
  if (r.action === 'note') return `主管说明（${formatInstantCST(r.at)}）：${r.note ?? ''}`;
  if (r.action === 'resend') return `重新结算（${formatInstantCST(r.at)}）：原结算报文 ${r.omsgid ?? ''} 作废，新结算报文 ${r.msgid ?? ''}；${r.note ?? ''}`;
  return `冲正报文 ${r.msgid ?? ''}：${r.outcome ? OUTCOME[r.outcome] : ''}${r.errMsg ? `（${r.errMsg}）` : ''}，${formatInstantCST(r.at)}`;
}

/** The supervisor's actions on one difference: 冲正 (two steps) where that is the remedy, a note on any. */
function Actions({ d, day, busy, run }: { d: DetailDifferenceView; day: string; busy: boolean; run: RunAction }) {
  const [confirming, setConfirming] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [resending, setResending] = useState(false);
  // 重新结算 (a stay's 2304 or a visit's 2207): the old settlement is void, a new one is asked of the platform.
  const resendable = d.kind === 'deskOnly' && d.refdSetlFlag === '0' && d.remedy !== null && 'resend' in d.remedy && (d.remedy.infno === '2304' || d.remedy.infno === '2207')
    && !d.resolutions.some((r) => r.action === 'resend');
  const reversible = d.kind === 'platformOnly' && d.remedy !== null && 'omsgid' in d.remedy
    && !d.resolutions.some((r) => r.action === 'reversal' && r.outcome !== 'refused') && !d.trace?.reversedBy;
  return (
    <div className="row-actions">
      {reversible && !confirming && <button disabled={busy} onClick={() => setConfirming(true)}>冲正</button>}
      {reversible && confirming && (
        <button disabled={busy} className="danger" onClick={() => void run('冲正', () => call('sync.reverseUnmatched', { day, setlId: d.setlId }), (r) => {
          setConfirming(false);
          return `冲正（2601）${r.outcome ? OUTCOME[r.outcome] : ''}：${r.omsgid ?? ''}${r.errMsg ? `（${r.errMsg}）` : ''}`;
        })}>确认冲正 {d.remedy && 'omsgid' in d.remedy ? d.remedy.omsgid : ''}</button>
      )}
      {resendable && !resending && <button disabled={busy} onClick={() => setResending(true)}>重新结算</button>}
      {resendable && resending && (
        <button disabled={busy} className="danger" autoFocus onClick={() => void run('重新结算', () => call('sync.resendSettlement', { day, setlId: d.setlId }), (r) => {
          setResending(false);
          return `已重新结算：原结算作废，新结算报文 ${r.msgid ?? ''} 已发往参保地`;
        })}>确认重新结算 {d.setlId}</button>
      )}
      {note === null ? <button disabled={busy} onClick={() => setNote('')}>填写处理说明</button> : (
        <form className="sync-resolve" onSubmit={(e) => {
          e.preventDefault();
          void run('保存说明', () => call('sync.noteDifference', { day, setlId: d.setlId, note }), () => {
            setNote(null);
            return `已记录处理说明：${d.setlId}`;
          });
        }}>
          <input autoFocus aria-label="差异处理说明" placeholder="例如：已与经办机构核对，以其金额拨付" value={note} onChange={(e) => setNote(e.target.value)} onKeyDown={(e) => { if (e.key === 'Escape') { e.preventDefault(); setNote(null); } }} />
          <button type="submit" disabled={busy}>确定</button>
        </form>
      )}
    </div>
  );
}

/**
 * One day's detail reconciliation (3202, docs/reconciliation.md): each settlement the agency's
 * result file shows as 不平, the desk's side beside the agency's, and what to do.
 */
export function DetailReconciliation({ detail, day, supervisor, busy, run }: { detail: DetailReconciliationView; day: string; supervisor: boolean; busy: boolean; run: RunAction }) {
  const how = detail.trigger === 'unbalanced' ? '总账不平后自动进行' : '按需进行';
  return (
    <div className="sync-detail" role="region" aria-label="明细对账">
      <h5>
        明细对账（3202）<span className="small muted">{how}，{formatInstantCST(detail.at)}</span>
      </h5>
      {detail.error !== null ? (
        <p className="error">{detail.error}</p>
      ) : (
        <p className="small">
          上传明细 {detail.sentCount} 笔，相符 {detail.matched} 笔，差异 {detail.differences.length} 笔
          {detail.unsent > 0 && `；另有 ${detail.unsent} 笔尚未得到经办机构确认（无结算ID），未列入明细`}
          {detail.differences.length === 0 && '：逐笔相符'}
        </p>
      )}
      {detail.differences.length > 0 && (
        <table className="grid sync-detail-table">
          <thead>
            <tr><th>差异</th><th>结算ID</th><th>就诊ID / 人员编号</th><th>本机记录</th><th>经办机构</th><th>处理办法</th></tr>
          </thead>
          <tbody>
            {detail.differences.map((d) => (
              <tr key={`${d.kind}-${d.setlId}`}>
                <td className={d.kind === 'amountsDiffer' ? 'sync-warning' : 'error'}>{d.kindLabel}{d.refdSetlFlag === '1' ? '（撤销）' : ''}</td>
                <td>{d.setlId}</td>
                <td className="small">{d.mdtrtId}<br />{d.psnNo}</td>
                <td className="small">
                  {d.desk
                    ? <>结算 #{d.desk.settlementId}<br />医疗费 {yuan(d.desk.medfee_sumamt)}，基金 {yuan(d.desk.fund_pay_sumamt)}，账户 {yuan(d.desk.acct_pay)}</>
                    : <span className="muted">无</span>}
                </td>
                <td className="small">
                  {d.agency ? <>{d.agency.msgid !== '' && <>报文ID {d.agency.msgid}<br /></>}{d.agency.memo}</> : <span className="muted">结果文件中无此记录</span>}
                </td>
                <td className="small">
                  {d.action}
                  {d.resolutions.map((r) => <p key={r.at + r.action} className="sync-resolution">{resolutionText(r)}</p>)}
                  {supervisor && <Actions d={d} day={day} busy={busy} run={run} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
