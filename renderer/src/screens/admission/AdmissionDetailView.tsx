import { useState } from 'react';
import { CHANGEABLE_FIELDS, FIELD_LABEL, MED_TYPE_LABEL, type AdmissionChange } from '../../../../shared/admission.ts';
import type { AdmissionDetail, PdfFile } from '../../../../shared/api/admission.ts';
import { call } from '../../api.ts';
import { AdmissionFieldset, type FormValues } from './AdmissionForm.tsx';
import { EmergencyFeesPanel, OutsideExamPanel } from './FeePanels.tsx';
import { enterMoves, PdfDialog, Rule, useEscape, when } from '../../ui/kit.tsx';
import { useAction, useFormAction } from '../../ui/useAction.ts';
import { PledgePanel } from './PledgePanel.tsx';

const STATUS_LABEL = { admitted: '在院', discharged: '已出院', cancelled: '已撤销' } as const;

/** The settle gate in large type with its reasons and their rules (DOMAIN §3, §5). */
export function SettlePanel({ a }: { a: AdmissionDetail }) {
  const tone = a.settle.direct ? 'ok' : a.gate?.code === 'TRAUMA_PLEDGE_MISSING' && a.settle.reasons.length === 1 ? 'wait' : 'no';
  return (
    <div className={`panel decision ${tone}`} role="region" aria-label="结算判定">
      <div className="decision-head">
        <span className="decision-verdict" data-testid="settle-label">{a.settle.label}</span>
        {a.emergency && <span className="badge">急诊</span>}
        {a.trauma && <span className="badge trauma">外伤</span>}
        {a.thirdParty && <span className="badge third">涉及第三方</span>}
        <span className="badge">{STATUS_LABEL[a.status]}</span>
      </div>
      <ul className="settle-reasons">
        {a.settle.reasons.map((r, i) => <li key={i}>{r.text} <Rule rule={r.rule} /></li>)}
      </ul>
      {a.eligibility && (
        <p className="muted small">
          资格：{a.eligibility.reasonLabel}（{a.eligibility.source === 'recheck' ? `补办复核 ${when(a.eligibility.at)}` : '入院时核验'}）· 人员类别：{a.groupLabel}
        </p>
      )}
    </div>
  );
}

function ChangeDialog({ a, onDone, onClose }: { a: AdmissionDetail; onDone: (d: AdmissionDetail) => void; onClose: () => void }) {
  const [values, setValues] = useState<FormValues>({ ...a.current, admittedAt: a.current.admittedAt.replace(' ', 'T').slice(0, 16) });
  const [reason, setReason] = useState('');
  const { busy, error, run } = useFormAction();
  useEscape(true, onClose);
  async function submit() {
    const changes: Record<string, unknown> = {};
    for (const k of CHANGEABLE_FIELDS) {
      const before = k === 'admittedAt' ? a.current.admittedAt.replace(' ', 'T').slice(0, 16) : a.current[k];
      if (values[k] !== before) changes[k] = values[k];
    }
    await run('正在变更…', async () => {
      onDone(await call('admission.change', { admissionId: a.id, changes: changes as AdmissionChange, reason: reason || undefined }));
    });
  }
  return (
    <div className="modal" role="dialog" aria-label="变更入院信息" onKeyDown={enterMoves(() => void submit())}>
      <h3>变更入院信息（2403）</h3>
      <p className="muted small">变更记录为一次变更事件并上传经办机构，原始登记不被改写。住院号不能变更。</p>
      <AdmissionFieldset values={values} onChange={setValues} errorPath={error?.path ?? null} lockIptNo />
      <label className="field wide"><span>变更原因</span><input aria-label="变更原因" value={reason} onChange={(e) => setReason(e.target.value)} /></label>
      {error && <p className="error" role="alert">{error.message}</p>}
      <div className="actions">
        <button className="primary" disabled={busy !== null} onClick={() => void submit()}>确认变更</button>
        <button onClick={onClose}>取消（Esc）</button>
      </div>
    </div>
  );
}

function CancelDialog({ a, onDone, onClose }: { a: AdmissionDetail; onDone: (d: AdmissionDetail) => void; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction();
  useEscape(true, onClose);
  async function submit() {
    await run(async () => onDone(await call('admission.cancel', { admissionId: a.id, reason })));
  }
  return (
    <div className="modal" role="dialog" aria-label="撤销入院">
      <h3>撤销入院（2404）</h3>
      {!a.cancellable.ok ? (
        <p className="error" role="alert">不能撤销：{a.cancellable.reason}</p>
      ) : (
        <>
          <p>撤销 {a.patientName}（住院号 {a.iptNo}）的入院登记。只有尚未结算的入院可以撤销；撤销后住院号不能再次使用。</p>
          <label className="field wide"><span>撤销原因（必填）</span><input aria-label="撤销原因" autoFocus value={reason} onChange={(e) => setReason(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); void submit(); } }} /></label>
        </>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <div className="actions">
        {a.cancellable.ok && <button className="danger" disabled={busy} onClick={() => void submit()}>确认撤销</button>}
        <button onClick={onClose}>关闭（Esc）</button>
      </div>
    </div>
  );
}

function eventText(e: AdmissionDetail['events'][number]): string {
  const f = e.fields;
  if (e.kind === 'change') {
    const changes = (f.changes ?? {}) as Record<string, unknown>;
    return `变更：${Object.entries(changes).map(([k, v]) => `${FIELD_LABEL[k] ?? k} → ${typeof v === 'boolean' ? (v ? '是' : '否') : k === 'medType' ? `${String(v)} ${MED_TYPE_LABEL[v as keyof typeof MED_TYPE_LABEL] ?? ''}` : String(v)}`).join('；')}`;
  }
  if (e.kind === 'cancel') return '撤销入院';
  if (e.kind === 'recheck') return `资格复核：${f.direct ? '可直接结算' : '不能直接结算'}（${String(f.reason ?? '')}，依据 ${String(f.rule ?? '')}）`;
  return e.kind;
}

/** One admission: the settle gate, the values now, the pledge, the slips, the history, and the actions. */
export function AdmissionDetailView({ admission, onChange, onBack }: { admission: AdmissionDetail; onChange: (d: AdmissionDetail) => void; onBack: () => void }) {
  const a = admission;
  const [dialog, setDialog] = useState<'change' | 'cancel' | null>(null);
  const [pdf, setPdf] = useState<{ file: PdfFile; title: string } | null>(null);
  const { busy, error, run } = useFormAction();
  const [done, setDone] = useState<string | null>(null);
  // One line under the head: the recheck's conclusion, or why it failed.
  const message = done ?? error?.message ?? null;
  useEscape(dialog === null && pdf === null, onBack);

  async function recheck() {
    setDone(null);
    await run('正在复核备案资格…', async () => {
      const d = await call('admission.recheckEligibility', { admissionId: a.id });
      onChange(d);
      setDone(`复核结论：${d.eligibility?.reasonLabel ?? ''}`);
    });
  }
  const reload = () => void call('admission.get', { id: a.id }).then(onChange).catch(() => undefined);
  const changed = a.events.some((e) => e.kind === 'change');
  const open = a.status === 'admitted';

  return (
    <div className="adm-detail">
      <div className="adm-head">
        <h3>
          <span data-testid="detail-name">{a.patientName}</span> · 住院号 {a.iptNo}
          <span className="muted small"> · {a.gend} {a.age ?? '—'} 岁 · {a.certNoMasked} · 参保地 {a.insuplcName}（{a.insuplcAdmdvs}）</span>
        </h3>
        <div className="actions">
          <button disabled={!open} onClick={() => setDialog('change')}>变更入院信息</button>
          <button disabled={a.status === 'cancelled'} onClick={() => setDialog('cancel')}>撤销入院</button>
          <button disabled={a.status === 'cancelled' || busy !== null} onClick={() => void recheck()} title="备案在出院结算前补办完成后，按本机备案名单重新判定（004 第二十二条）">补办备案后复核</button>
          <button onClick={onBack}>返回列表（Esc）</button>
        </div>
      </div>
      {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> {busy}</p>}
      {message && <p className="notice" role="status">{message}</p>}
      <SettlePanel a={a} />
      {a.warnings.length > 0 && <ul className="warn adm-warnings">{a.warnings.map((w, i) => <li key={i}>{w}</li>)}</ul>}
      <div className="panel" aria-label="入院信息">
        <h3>入院信息{changed && <span className="muted small">（已变更，显示当前值；原始登记见变更记录）</span>}</h3>
        <dl className="facts adm-facts">
          <dt>入院时间</dt><dd>{when(a.current.admittedAt)}</dd>
          <dt>入院方式</dt><dd>{a.current.way}</dd>
          <dt>医疗类别</dt><dd>{a.current.medType} {a.medTypeLabel}</dd>
          <dt>科室 / 床位</dt><dd>{a.current.deptName}（{a.current.deptCode}） / {a.current.bed} 床</dd>
          <dt>入院诊断</dt><dd>{a.current.diagCode} {a.current.diagName}</dd>
          <dt>主治医生</dt><dd>{a.current.doctorName}（{a.current.doctorCode}）</dd>
          <dt>标志</dt><dd>急诊 {a.current.emergency ? '是' : '否'} · 外伤 {a.current.trauma ? '是' : '否'} · 涉及第三方 {a.current.thirdParty ? '是' : '否'}</dd>
          <dt>就诊ID</dt><dd>{a.mdtrtId ?? '待经办机构返回'}</dd>
          <dt>上传</dt>
          <dd className={a.agency.rejected.length > 0 ? 'error' : ''} data-testid="adm-upload">
            {a.agency.rejected.length > 0
              ? a.agency.rejected.map((r) => `${r.infno} 被经办机构退回：${r.message}`).join('；')
              : a.agency.pending.length > 0 ? `待上传：${a.agency.pending.join('、')}（网络可用时自动上传）` : '已上传'}
          </dd>
        </dl>
      </div>
      {a.current.trauma && <PledgePanel key={a.pledges.length} admission={a} onChanged={onChange} onPdf={(file, title) => setPdf({ file, title })} />}
      <OutsideExamPanel admission={a} onChanged={onChange} onPdf={(file, title) => setPdf({ file, title })} />
      <EmergencyFeesPanel admission={a} onChanged={reload} />
      {a.events.length > 0 && (
        <div className="panel" aria-label="变更记录">
          <h3>变更记录</h3>
          <table className="grid small">
            <thead><tr><th>时间</th><th>内容</th><th>原因</th><th>经办人</th></tr></thead>
            <tbody>
              <tr><td>入院登记</td><td>原始登记：{a.original.deptName} {a.original.bed} 床 · {a.original.diagCode} {a.original.diagName} · 医疗类别 {a.original.medType}</td><td /><td /></tr>
              {a.events.map((e) => <tr key={e.id}><td>{when(e.at)}</td><td>{eventText(e)}</td><td>{e.reason ?? ''}</td><td>{e.clerk ?? ''}</td></tr>)}
            </tbody>
          </table>
        </div>
      )}
      {dialog === 'change' && <ChangeDialog a={a} onClose={() => setDialog(null)} onDone={(d) => { setDialog(null); onChange(d); setDone('入院信息已变更，变更（2403）已进入上传队列'); }} />}
      {dialog === 'cancel' && <CancelDialog a={a} onClose={() => setDialog(null)} onDone={(d) => { setDialog(null); onChange(d); setDone('入院已撤销，撤销（2404）已进入上传队列'); }} />}
      {pdf && <PdfDialog file={pdf.file} title={pdf.title} onClose={() => setPdf(null)} />}
    </div>
  );
}
