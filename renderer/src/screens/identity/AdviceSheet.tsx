import type { IdentityResult } from '../../../../shared/api/index.ts';
import { patientFacingReason } from '../../../../shared/eligibility.ts';

/**
 * 零星报销告知 (004 第四十七条; DOMAIN §3): handed to a patient who cannot be settled directly.
 * Printed on A4 through the browser's print dialog; the on-screen copy is its preview.
 */
export function AdviceSheet({ result, hospital, today }: { result: IdentityResult; hospital: string; today: string }) {
  const { person, check } = result;
  return (
    <article className="advice-sheet" aria-label="零星报销告知书">
      <h1>异地就医零星报销告知书</h1>
      <p className="advice-meta">{hospital} · 医保办 · {today}</p>
      <table className="advice-facts">
        <tbody>
          <tr><th>患者姓名</th><td>{person.name}</td><th>身份证号</th><td>{person.certnoMasked}</td></tr>
          <tr><th>参保地</th><td>{person.insuredRegionName}</td><th>险种</th><td>{person.insutypeName}</td></tr>
          <tr><th>入院日期</th><td>{check.admissionDate}</td><th>核验结论</th><td>不能直接结算：{check.reasonLabel}</td></tr>
        </tbody>
      </table>
      <h2>不能直接结算的原因：{check.reasonLabel}</h2>
      <p>{patientFacingReason(check.reason, check.message)}</p>
      <p className="advice-rule">依据：{check.rule}</p>
      <h2>您需要做的</h2>
      <ol>
        <li>出院时请先全额支付本次住院费用，并妥善保管以下材料：医疗费用发票、费用明细清单、出院记录（出院小结）、诊断证明；急诊抢救的另附急诊病历。</li>
        <li>在本院出院结算之日起 <b>3 个月内</b>，持上述材料及本人有效身份证件（或医保电子凭证、社会保障卡）向<b>参保地医保经办机构</b>申请零星报销（手工报销）。</li>
        <li>因客观原因不能按时申请的，可向参保地经办机构申请延长，最长再延 <b>3 个月</b>；逾期视为放弃报销（004 第四十七条）。</li>
        <li>零星报销按参保地医保目录和参保地医保政策审核支付，与直接结算的待遇可能不同。</li>
        <li>出院结算前如能补办（或变更）异地就医备案，请及时告知医保办，经重新核验通过后仍可直接结算（004 第二十二条）。</li>
      </ol>
      <div className="advice-sign">
        <span>患者（或家属）签名：＿＿＿＿＿＿＿＿</span>
        <span>医保办经办人：＿＿＿＿＿＿＿＿</span>
        <span>日期：＿＿＿＿年＿＿月＿＿日</span>
      </div>
    </article>
  );
}
