import { useState } from 'react';
import { isEmergencyAdmission } from '../../../../shared/admission.ts';
import type { AdmissionDetail, EmergencyFeesResult, PdfFile } from '../../../../shared/api/admission.ts';
import { formatYuan, parseAmount, parseDecimal, round2 } from '../../../../shared/money.ts';
import { call } from '../../api.ts';
import { enterMoves, nowLocal, Rule, when } from '../../ui/kit.tsx';
import { useFormAction } from '../../ui/useAction.ts';

interface Row {
  code: string;
  name: string;
  qty: string;
  price: string;
  time: string;
}
const blankRow = (time = ''): Row => ({ code: '', name: '', qty: '1', price: '', time });

function amountOf(r: Row): string {
  try {
    return formatYuan(round2(parseDecimal(r.qty, '数量').times(parseDecimal(r.price, '单价'))));
  } catch {
    return '';
  }
}

function Items({ rows, onChange, withTime, errorPath, prefix }: { rows: Row[]; onChange: (r: Row[]) => void; withTime: boolean; errorPath: string | null; prefix: string }) {
  const set = (i: number, k: keyof Row, v: string) => onChange(rows.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const bad = (i: number, k: string) => (errorPath === `${prefix}.${i}.${k}` ? 'invalid' : '');
  return (
    <table className="grid items">
      <thead><tr><th>#</th>{withTime && <th>发生时间</th>}<th>医保目录编码</th><th>项目或药品名称</th><th>数量</th><th>单价（元）</th><th>金额（元）</th><th /></tr></thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td>{i + 1}</td>
            {withTime && <td><input className={bad(i, 'feeOcurTime')} aria-label={`第${i + 1}行发生时间`} type="datetime-local" value={r.time} onChange={(e) => set(i, 'time', e.target.value)} /></td>}
            <td><input className={bad(i, 'code')} aria-label={`第${i + 1}行编码`} value={r.code} onChange={(e) => set(i, 'code', e.target.value)} /></td>
            <td><input className={bad(i, 'name')} aria-label={`第${i + 1}行名称`} value={r.name} onChange={(e) => set(i, 'name', e.target.value)} /></td>
            <td><input className={bad(i, 'qty')} aria-label={`第${i + 1}行数量`} value={r.qty} onChange={(e) => set(i, 'qty', e.target.value)} /></td>
            <td><input className={bad(i, 'price')} aria-label={`第${i + 1}行单价`} value={r.price} onChange={(e) => set(i, 'price', e.target.value)} /></td>
            <td className="num">{amountOf(r)}</td>
            <td>{rows.length > 1 && <button className="small" tabIndex={-1} onClick={() => onChange(rows.filter((_, j) => j !== i))}>删除</button>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * 住院期间外院检查治疗或定点药店购药单 (004 第三十九条, 附件9): the slip is printed for the outside
 * hospital or pharmacy, and its items join this stay's fees with the outside-exam flag (etip_flag).
 */
export function OutsideExamPanel({ admission, onChanged, onPdf }: { admission: AdmissionDetail; onChanged: (d: AdmissionDetail) => void; onPdf: (f: PdfFile, title: string) => void }) {
  const open = admission.status === 'admitted';
  const [show, setShow] = useState(false);
  const [kind, setKind] = useState<'hospital' | 'pharmacy'>('hospital');
  const [diagnosis, setDiagnosis] = useState(`${admission.current.diagCode} ${admission.current.diagName}`);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [rows, setRows] = useState<Row[]>([blankRow()]);
  const [reason, setReason] = useState('');
  const [doctor, setDoctor] = useState(admission.current.doctorName);
  const { busy, error, run } = useFormAction();


  const submit = () => run('正在开具外检单…', async () => {
    const r = await call('outsideExam.create', {
      admissionId: admission.id, kind, diagnosis, hospital: { code, name }, reason, doctor,
      items: rows.filter((x) => x.code || x.name || x.price).map((x) => ({ code: x.code, name: x.name, qty: x.qty, price: x.price })),
    });
    onChanged(r.admission);
    setShow(false);
    setRows([blankRow()]);
    setReason('');
    onPdf(await call('outsideExam.pdf', { slipId: r.slip.id }), `外检单第 ${r.slip.id} 号`);
  });
  const bad = (p: string) => (error?.path === p ? 'field invalid' : 'field');

  return (
    <div className="panel" aria-label="外检单">
      <h3>外院检查治疗 / 定点药店购药单 <Rule rule="004 第三十九条、附件9" /></h3>
      {admission.slips.length > 0 && (
        <table className="grid small">
          <thead><tr><th>单号</th><th>外检机构</th><th>项目</th><th>合计（元）</th><th>医师</th><th>开具时间</th><th /></tr></thead>
          <tbody>
            {admission.slips.map((s) => (
              <tr key={s.id}>
                <td>{s.id}</td>
                <td>{s.hospitalName}<br /><span className="muted">{s.hospitalCode}</span></td>
                <td>{s.items.map((i) => i.name).join('、')}</td>
                <td className="num">{formatYuan(parseAmount(s.total))}</td>
                <td>{s.doctor}</td>
                <td>{when(s.at)}</td>
                <td><button className="small" onClick={() => void run('正在生成…', async () => onPdf(await call('outsideExam.pdf', { slipId: s.id }), `外检单第 ${s.id} 号`))}>打印</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admission.feeLines.some((l) => l.etipFlag) && <p className="muted small">外检费用已并入本次住院费用（外检标志 etip_flag，外检医院编码 etip_hosp_code），{admission.feeLines.filter((l) => l.etipFlag).length} 条。</p>}
      {!show && open && <button onClick={() => setShow(true)}>开具外检单</button>}
      {show && (
        <div onKeyDown={enterMoves(() => void submit())}>
          <div className="adm-grid">
            <label className={bad('kind')}><span>类别</span><select aria-label="外检类别" value={kind} onChange={(e) => setKind(e.target.value as 'hospital' | 'pharmacy')}><option value="hospital">外院检查治疗</option><option value="pharmacy">定点药店购药</option></select></label>
            <label className={`${bad('diagnosis')} wide`}><span>诊断</span><input aria-label="外检诊断" value={diagnosis} onChange={(e) => setDiagnosis(e.target.value)} /></label>
            <label className={bad('hospital.code')}><span>外检机构编码</span><input aria-label="外检机构编码" placeholder="H34010400002" value={code} onChange={(e) => setCode(e.target.value)} /></label>
            <label className={`${bad('hospital.name')} wide`}><span>外检定点医院或药店名称</span><input aria-label="外检机构名称" value={name} onChange={(e) => setName(e.target.value)} /></label>
          </div>
          <Items rows={rows} onChange={setRows} withTime={false} errorPath={error?.path ?? null} prefix="items" />
          <button className="small" onClick={() => setRows([...rows, blankRow()])}>添加一行</button>
          <div className="adm-grid">
            <label className={`${bad('reason')} wide`}><span>外检或外购药原因</span><input aria-label="外检原因" value={reason} onChange={(e) => setReason(e.target.value)} /></label>
            <label className={bad('doctor')}><span>医师</span><input aria-label="外检医师" value={doctor} onChange={(e) => setDoctor(e.target.value)} /></label>
          </div>
          <div className="actions">
            <button className="primary" disabled={busy !== null} onClick={() => void submit()}>开具并打印</button>
            <button onClick={() => setShow(false)}>取消</button>
          </div>
        </div>
      )}
      {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> {busy}</p>}
      {error && <p className="error" role="alert">{error.message}</p>}
    </div>
  );
}

/** 000 第十七条 1: outpatient emergency fees within 72 hours before an emergency admission belong to it. */
export function EmergencyFeesPanel({ admission, onChanged }: { admission: AdmissionDetail; onChanged: () => void }) {
  const [rows, setRows] = useState<Row[]>([blankRow(nowLocal())]);
  const [emergencyVisit, setEmergencyVisit] = useState(true);
  const [result, setResult] = useState<EmergencyFeesResult | null>(null);
  const attach = useFormAction();
  const { error } = attach;
  const busy = attach.busy !== null;
  if (!isEmergencyAdmission(admission.current) || admission.status === 'cancelled') return null;
  const lines = admission.feeLines.filter((l) => l.source === 'emergency72h');

  async function submit() {
    setResult(null);
    await attach.run('正在并入费用…', async () => {
      setResult(await call('admission.attachEmergencyFees', {
        admissionId: admission.id,
        visit: { emergency: emergencyVisit },
        lines: rows.filter((r) => r.code || r.name || r.price).map((r) => ({ feeOcurTime: r.time, code: r.code, name: r.name, qty: r.qty, price: r.price })),
      }));
      setRows([blankRow(nowLocal())]);
      onChanged();
    });
  }

  return (
    <div className="panel" aria-label="急诊费用并入">
      <h3>急诊 72 小时内转住院：并入门急诊费用 <Rule rule="000 第十七条 1" /></h3>
      <p className="muted small">入院前 72 小时内（含 72:00）本患者门诊急救或抢救的费用可并入本次住院直接结算；普通门诊费用不能并入。</p>
      {lines.length > 0 && <p className="small">已并入 {lines.length} 条：{lines.map((l) => `${l.name} ${formatYuan(parseAmount(l.amount))} 元（${l.time.slice(5, 16)}）`).join('；')}</p>}
      <div onKeyDown={enterMoves(() => void submit())}>
        <label className="check"><input type="checkbox" checked={emergencyVisit} onChange={(e) => setEmergencyVisit(e.target.checked)} /> 门诊急救或抢救</label>
        <Items rows={rows} onChange={setRows} withTime errorPath={error?.path ?? null} prefix="lines" />
        <div className="actions">
          <button className="small" onClick={() => setRows([...rows, blankRow(rows.at(-1)?.time ?? nowLocal())])}>添加一行</button>
          <button className="primary" disabled={busy} onClick={() => void submit()}>判定并并入</button>
        </div>
      </div>
      {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> 正在判定…</p>}
      {error && <p className="error" role="alert">{error.message}</p>}
      {result && (
        <ul className="verdicts" aria-label="并入结果">
          {result.attached.map((a) => <li key={a.sn} className="ok-text">✔ {a.sn}：{a.reason}</li>)}
          {result.refused.map((a) => <li key={a.sn} className="error">✘ {a.sn}：{a.reason}</li>)}
        </ul>
      )}
    </div>
  );
}
