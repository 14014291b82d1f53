import { useState } from 'react';
import type { PledgeForm } from '../../../../shared/admission.ts';
import type { AdmissionDetail, PdfFile, PledgeView } from '../../../../shared/api/admission.ts';
import { call } from '../../api.ts';
import { enterMoves, nowLocal, Rule, when } from '../../ui/kit.tsx';
import { useFormAction } from '../../ui/useAction.ts';

const CERT_TYPES = ['居民身份证', '港澳台居民居住证', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '护照', '其他'];
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

interface Draft {
  byRelative: boolean;
  relationship: string;
  name: string;
  certType: string;
  certNo: string;
  phone: string;
  injuryDate: string;
  injuryHour: string;
  place: string;
  account: string;
  signedAt: string;
  reason: string;
}

function emptyDraft(): Draft {
  const now = nowLocal();
  return { byRelative: false, relationship: '', name: '', certType: '居民身份证', certNo: '', phone: '', injuryDate: now.slice(0, 10), injuryHour: now.slice(11, 13), place: '', account: '', signedAt: now, reason: '' };
}

function formOf(d: Draft): PledgeForm {
  return {
    pledger: d.byRelative
      ? { relationship: d.relationship.trim() || '', name: d.name, certType: d.certType, certNo: d.certNo, phone: d.phone }
      : { relationship: null, phone: d.phone },
    injury: { time: `${d.injuryDate}T${d.injuryHour}`, place: d.place, account: d.account },
  };
}

/**
 * 外伤无第三方责任承诺书 (004 第三十八条, 附件8): appears when the trauma flag is set. 打印承诺书
 * prints the form pre-filled for a handwritten signature; 记录已签字 records who signed, when, and
 * the clerk at the desk as witness. A recorded pledge is never edited: 更正 records a new one.
 */
export function PledgePanel({ admission, onChanged, onPdf }: { admission: AdmissionDetail; onChanged: (d: AdmissionDetail) => void; onPdf: (f: PdfFile, title: string) => void }) {
  const inForce = admission.pledges.find((p) => p.inForce) ?? null;
  const [editing, setEditing] = useState<'new' | PledgeView | null>(inForce ? null : 'new');
  const [d, setD] = useState<Draft>(emptyDraft);
  const [printed, setPrinted] = useState(false);
  const { busy, error, setError, run } = useFormAction();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setD({ ...d, [k]: v });
    if (k !== 'signedAt' && k !== 'reason') setPrinted(false);
  };


  const print = () => run('正在生成承诺书…', async () => {
    onPdf(await call('pledge.pdf', { admissionId: admission.id, form: formOf(d) }), '外伤无第三方责任承诺书（待签字）');
    setPrinted(true);
  });
  const record = () => run('正在记录…', async () => {
    const form = formOf(d);
    const r = editing !== null && editing !== 'new'
      ? await call('pledge.supersede', { pledgeId: editing.id, form, signedAt: d.signedAt, reason: d.reason })
      : await call('pledge.record', { admissionId: admission.id, form, signedAt: d.signedAt });
    setEditing(null);
    setPrinted(false);
    setD(emptyDraft());
    onChanged(r);
  });

  if (admission.current.thirdParty) {
    return (
      <div className="panel pledge" aria-label="外伤承诺书">
        <h3>外伤无第三方责任承诺书</h3>
        <p className="error">已标记“涉及第三方”：患者不能承诺无第三方责任，本次外伤费用不能直接结算（自费结算，按规定向责任方追偿或回参保地办理）。<Rule rule="004 第三十八条" /></p>
        <p className="muted small">如经核实与第三方无关，请先“变更入院信息”取消“涉及第三方”，再签署承诺书。</p>
      </div>
    );
  }

  const bad = (p: string) => (error?.path === `form.${p}` || error?.path === p ? 'field invalid' : 'field');
  return (
    <div className="panel pledge" aria-label="外伤承诺书">
      <h3>外伤无第三方责任承诺书 <Rule rule="004 第三十八条、附件8" /></h3>
      {admission.pledges.length > 0 && (
        <table className="grid small">
          <thead><tr><th>编号</th><th>承诺人</th><th>联系电话</th><th>受伤时间 / 地点</th><th>签字时间</th><th>见证经办人</th><th>状态</th><th /></tr></thead>
          <tbody>
            {admission.pledges.map((p) => (
              <tr key={p.id} className={p.inForce ? 'current' : 'superseded'}>
                <td>{p.id}</td>
                <td>{p.pledgerName}{p.relationship ? `（${p.relationship}代签）` : '（本人）'}<br /><span className="muted">{p.certType} {p.certNoMasked}</span></td>
                <td>{p.phone}</td>
                <td>{p.injuryTime.replace('T', ' ')}时 · {p.place}</td>
                <td>{when(p.signedAt)}</td>
                <td>{p.witness ?? '—'}</td>
                <td>{p.inForce ? <strong className="ok-text">有效</strong> : p.supersededBy ? `已被第 ${p.supersededBy} 号更正` : '—'}</td>
                <td className="nowrap">
                  <button className="small" onClick={() => void run('正在生成…', async () => onPdf(await call('pledge.pdf', { admissionId: admission.id, pledgeId: p.id }), `承诺书第 ${p.id} 号（补打）`))}>补打</button>
                  {p.inForce && editing === null && <button className="small" onClick={() => { setEditing(p); setD(emptyDraft()); }}>更正</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing !== null && (
        <div className="pledge-form" onKeyDown={enterMoves(() => (printed ? void record() : void print()))}>
          {editing !== 'new' && <p className="notice small">更正第 {editing.id} 号承诺书：已签字的承诺书不能修改，更正将记录一份新的承诺书并指向原件。</p>}
          <div className="radio-row" role="radiogroup" aria-label="签字人">
            <label><input type="radio" name="pledger" checked={!d.byRelative} onChange={() => set('byRelative', false)} /> 患者本人签字（{admission.patient.name}）</label>
            <label><input type="radio" name="pledger" checked={d.byRelative} onChange={() => set('byRelative', true)} /> 近亲属代签（患者本人无法签字）</label>
          </div>
          <div className="adm-grid">
            {d.byRelative && (
              <>
                <label className={bad('pledger.name')}><span>承诺人姓名</span><input aria-label="承诺人姓名" value={d.name} onChange={(e) => set('name', e.target.value)} /></label>
                <label className={bad('pledger.relationship')}><span>与患者关系</span><input aria-label="与患者关系" placeholder="如：子女、配偶" value={d.relationship} onChange={(e) => set('relationship', e.target.value)} /></label>
                <label className={bad('pledger.certType')}><span>证件类型</span><select aria-label="承诺人证件类型" value={d.certType} onChange={(e) => set('certType', e.target.value)}>{CERT_TYPES.map((c) => <option key={c}>{c}</option>)}</select></label>
                <label className={bad('pledger.certNo')}><span>证件号码</span><input aria-label="承诺人证件号码" value={d.certNo} onChange={(e) => set('certNo', e.target.value)} /></label>
              </>
            )}
            <label className={bad('pledger.phone')}><span>联系电话</span><input aria-label="承诺人联系电话" value={d.phone} onChange={(e) => set('phone', e.target.value)} /></label>
            <label className={bad('injury.time')}><span>受伤日期</span><input aria-label="受伤日期" type="date" value={d.injuryDate} onChange={(e) => set('injuryDate', e.target.value)} /></label>
            <label className={bad('injury.time')}><span>受伤时（0–23）</span><select aria-label="受伤时" value={d.injuryHour} onChange={(e) => set('injuryHour', e.target.value)}>{HOURS.map((h) => <option key={h} value={h}>{h} 时</option>)}</select></label>
            <label className={`${bad('injury.place')} wide`}><span>受伤地点</span><input aria-label="受伤地点" value={d.place} maxLength={60} onChange={(e) => set('place', e.target.value)} /></label>
            <label className={`${bad('injury.account')} wide`}><span>外伤经过</span><input aria-label="外伤经过" value={d.account} maxLength={150} onChange={(e) => set('account', e.target.value)} /></label>
            <label className={bad('signedAt')}><span>签字时间</span><input aria-label="签字时间" type="datetime-local" value={d.signedAt} onChange={(e) => set('signedAt', e.target.value)} /></label>
            {editing !== 'new' && <label className={`${bad('reason')} wide`}><span>更正原因</span><input aria-label="更正原因" value={d.reason} onChange={(e) => set('reason', e.target.value)} /></label>}
          </div>
          <div className="actions">
            <button className={printed ? '' : 'primary'} disabled={busy !== null} onClick={() => void print()}>打印承诺书</button>
            <button className={printed ? 'primary' : ''} disabled={busy !== null} onClick={() => void record()} title="承诺人在打印的承诺书上手写签名后记录">记录已签字</button>
            {editing !== 'new' && <button onClick={() => { setEditing(null); setError(null); }}>取消更正</button>}
            <span className="muted small">{printed ? '请承诺人在打印的承诺书上手写签名，签字后点“记录已签字”（您为见证经办人）。' : '先打印承诺书交承诺人签字；Enter 逐项填写。'}</span>
          </div>
        </div>
      )}
      {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> {busy}</p>}
      {error && <p className="error" role="alert">{error.message}</p>}
    </div>
  );
}
