import type { DetailReconciliationView } from '../../../../shared/api/sync.ts';
import { formatInstantCST } from '../../../../shared/dates.ts';
import { yuan } from '../../ui/format.ts';

/**
 * One day's detail reconciliation (3202, docs/reconciliation.md): each settlement the agency's
 * result file shows as 不平, the desk's side beside the agency's, and what to do.
 */
export function DetailReconciliation({ detail }: { detail: DetailReconciliationView }) {
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
                <td className="small">{d.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
