import { useEffect, useRef, useState } from 'react';
import { INPATIENT_MED_TYPES, MED_TYPE_LABEL, type AdmissionFields } from '../../../../shared/admission.ts';
import type { AdmissionDetail } from '../../../../shared/api/admission.ts';
import type { IdentityResult, RecentCheck } from '../../../../shared/api/identity.ts';
import { ADMISSION_WAYS } from '../../../../shared/codes.ts';
import { formatInstantCST } from '../../../../shared/dates.ts';
import { call } from '../../api.ts';
import { enterMoves, nowLocal, Rule, useEscape } from '../../ui/kit.tsx';
import { useFormAction } from '../../ui/useAction.ts';

export type FormValues = Omit<AdmissionFields, 'admittedAt'> & { admittedAt: string };

export function blankValues(): FormValues {
  return {
    iptNo: '', admittedAt: nowLocal(), way: '门诊', deptCode: '', deptName: '', bed: '', diagCode: '', diagName: '',
    doctorCode: '', doctorName: '', medType: '21', emergency: false, trauma: false, thirdParty: false,
  };
}

const LABELS: [keyof FormValues, string][] = [
  ['iptNo', '住院号'], ['admittedAt', '入院时间'], ['way', '入院方式'], ['medType', '医疗类别'], ['deptCode', '科室编码'], ['deptName', '科室名称'],
  ['bed', '床位号'], ['diagCode', '入院诊断编码（ICD-10）'], ['diagName', '入院诊断名称'], ['doctorCode', '主治医生编码'], ['doctorName', '主治医生姓名'],
];

/**
 * The fields of an admission, shared by the new-admission form and the change dialog. The flags
 * are checkboxes; ticking 外伤 suggests 22 外伤住院, ticking 急诊 the way 急诊 (004 第三十七条、第三十八条).
 */
export function AdmissionFieldset({ values, onChange, errorPath, lockIptNo }: { values: FormValues; onChange: (v: FormValues) => void; errorPath: string | null; lockIptNo?: boolean }) {
  const set = <K extends keyof FormValues>(k: K, v: FormValues[K]) => onChange({ ...values, [k]: v });
  const field = (k: keyof FormValues) => (errorPath === k || errorPath === `changes.${k}` ? 'field invalid' : 'field');
  return (
    <div className="adm-grid">
      {LABELS.map(([k, label]) => (
        <label key={k} className={field(k)}>
          <span>{label}</span>
          {k === 'way' ? (
            <select aria-label={label} value={values.way} onChange={(e) => set('way', e.target.value as FormValues['way'])}>
              {ADMISSION_WAYS.map((w) => <option key={w} value={w}>{w}</option>)}
            </select>
          ) : k === 'medType' ? (
            <select aria-label={label} value={values.medType} onChange={(e) => set('medType', e.target.value as FormValues['medType'])}>
              {INPATIENT_MED_TYPES.map((c) => <option key={c} value={c}>{c} {MED_TYPE_LABEL[c]}</option>)}
            </select>
          ) : k === 'admittedAt' ? (
            <input aria-label={label} type="datetime-local" value={values.admittedAt.replace(' ', 'T').slice(0, 16)} onChange={(e) => set('admittedAt', e.target.value)} />
          ) : (
            <input aria-label={label} value={String(values[k])} disabled={k === 'iptNo' && lockIptNo} onChange={(e) => set(k, e.target.value as never)} />
          )}
        </label>
      ))}
      <fieldset className="adm-flags">
        <legend>标志（如实上传，004 第三十七条、第三十八条）</legend>
        <label className={field('emergency')}>
          <input type="checkbox" aria-label="急诊标志" checked={values.emergency} onChange={(e) => onChange({ ...values, emergency: e.target.checked, way: e.target.checked ? '急诊' : values.way, medType: e.target.checked && values.medType === '21' ? '24' : !e.target.checked && values.medType === '24' ? '21' : values.medType })} /> 急诊
        </label>
        <label className={field('trauma')}>
          <input type="checkbox" aria-label="外伤标志" checked={values.trauma} onChange={(e) => onChange({ ...values, trauma: e.target.checked, thirdParty: e.target.checked ? values.thirdParty : false, medType: e.target.checked && values.medType === '21' ? '22' : !e.target.checked && values.medType === '22' ? '21' : values.medType })} /> 外伤
        </label>
        <label className={field('thirdParty')}>
          <input type="checkbox" aria-label="涉及第三方标志" checked={values.thirdParty} disabled={!values.trauma} onChange={(e) => set('thirdParty', e.target.checked)} /> 涉及第三方
        </label>
      </fieldset>
    </div>
  );
}

/**
 * The department and doctor of this window's last admission: a ward desk registers for the same
 * few all day, so the next form starts from them (issue 20 point 4). Kept in this browser only.
 */
const DEFAULTS_KEY = 'admission.defaults';
type Defaults = Pick<FormValues, 'deptCode' | 'deptName' | 'doctorCode' | 'doctorName'>;

function loadDefaults(): Partial<Defaults> {
  try {
    const v = JSON.parse(localStorage.getItem(DEFAULTS_KEY) ?? '{}') as Partial<Defaults>;
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}

function saveDefaults(v: FormValues): void {
  localStorage.setItem(DEFAULTS_KEY, JSON.stringify({ deptCode: v.deptCode, deptName: v.deptName, doctorCode: v.doctorCode, doctorName: v.doctorName }));
}

/** The admission time from the checked day: now when that is today, else 08:00 of that day. */
function admittedAtFor(admissionDate: string): string {
  const now = nowLocal();
  return now.slice(0, 10) === admissionDate ? now : `${admissionDate}T08:00`;
}

/** Today's checks not yet used for an admission: ↑↓ and Enter pick one, instead of typing its number. */
function RecentChecks({ onPick }: { onPick: (checkId: number) => void }) {
  const [list, setList] = useState<RecentCheck[] | null>(null);
  const [at, setAt] = useState(0);
  const box = useRef<HTMLUListElement>(null);
  useEffect(() => {
    call('identity.recent', {}).then(setList).catch(() => setList([]));
  }, []);
  // The list takes the keyboard as soon as it has rows (the check-number field stays for a typed number).
  useEffect(() => {
    if (list && list.length > 0) box.current?.focus();
  }, [list]);
  if (list === null) return <p className="progress small">正在读取今天的核验记录…</p>;
  if (list.length === 0) return <p className="muted small">今天还没有未登记入院的核验记录：请先在“身份核验”（F2）核验患者身份。</p>;
  return (
    <div className="adm-recent">
      <p className="small muted">今天已核验、尚未登记入院的患者（↑↓ 选择，回车带入）：</p>
      <ul ref={box} role="listbox" aria-label="今天的核验记录" tabIndex={0}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setAt((i) => Math.min(i + 1, list.length - 1)); }
          else if (e.key === 'ArrowUp') { e.preventDefault(); setAt((i) => Math.max(i - 1, 0)); }
          else if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); onPick(list[at]!.check.id); }
        }}>
        {list.map((r, i) => (
          <li key={r.check.id} role="option" aria-selected={i === at} className={i === at ? 'selected' : ''} onClick={() => onPick(r.check.id)}>
            <strong>{r.name}</strong> {r.certnoMasked} · 记录号 <span className="mono">{r.check.id}</span> · {formatInstantCST(r.check.at).slice(11)} 核验 · <span className={r.check.direct ? 'ok-text' : 'error'}>{r.check.direct ? '可直接结算' : '不能直接结算'}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** 登记入院 from an identity check (F2 → 登记入院, or the check number typed here). */
export function AdmissionForm({ checkId: initialCheck, onDone, onBack }: { checkId: number | null; onDone: (d: AdmissionDetail) => void; onBack: () => void }) {
  const [checkNo, setCheckNo] = useState(initialCheck === null ? '' : String(initialCheck));
  const [identity, setIdentity] = useState<IdentityResult | null>(null);
  const [values, setValues] = useState<FormValues>(blankValues);
  const { busy, error, setError, run } = useFormAction();
  const first = useRef<HTMLDivElement>(null);
  useEscape(true, onBack);

  async function loadCheck(no: string) {
    setIdentity(null);
    setError(null);
    if (!/^\d+$/.test(no)) return setError({ message: '请输入身份核验记录号（在“身份核验”屏核验后点“登记入院”会自动带入）', path: 'checkId' });
    await run('正在读取身份核验记录…', async () => {
      const r = await call('identity.show', { checkId: Number(no) });
      setIdentity(r);
      setCheckNo(String(r.check.id));
      // Prefilled from the check (its day, emergency) and this window's last department and doctor.
      setValues((v) => ({
        ...v, ...loadDefaults(), admittedAt: admittedAtFor(r.check.admissionDate),
        emergency: r.check.emergency || v.emergency, way: r.check.emergency ? '急诊' : v.way, medType: r.check.emergency && v.medType === '21' ? '24' : v.medType,
      }));
    }, { fallback: '读取核验记录失败', path: 'checkId' });
  }

  useEffect(() => {
    if (initialCheck !== null) void loadCheck(String(initialCheck));
  }, [initialCheck]);

  // The check read: the first admission field takes the keyboard.
  useEffect(() => {
    if (identity) first.current?.querySelector<HTMLInputElement>('input')?.focus();
  }, [identity]);

  async function submit() {
    if (busy) return;
    if (!identity) return void loadCheck(checkNo);
    const refused = await run('正在登记入院…', async () => {
      const d = await call('admission.create', { checkId: identity.check.id, ...values });
      saveDefaults(values);
      onDone(d);
    }, { fallback: '登记失败' });
    // The field the desk named takes the keyboard, so the clerk corrects it at once.
    if (refused) first.current?.querySelector<HTMLElement>(`[aria-label="${LABELS.find(([k]) => k === refused.path)?.[1] ?? ''}"]`)?.focus();
  }

  const c = identity?.check;
  return (
    <div className="panel adm-form" onKeyDown={enterMoves(() => void submit())}>
      <h3>登记入院</h3>
      <div className="adm-check">
        <label className={error?.path === 'checkId' ? 'field invalid' : 'field'}>
          <span>身份核验记录号</span>
          <input aria-label="身份核验记录号" value={checkNo} autoFocus={initialCheck === null} onChange={(e) => setCheckNo(e.target.value.trim())} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); void loadCheck(e.currentTarget.value.trim()); } }} />
        </label>
        {identity && c && (
          <div className={`adm-person ${c.direct ? 'ok' : 'no'}`} aria-label="核验结论">
            <strong data-testid="adm-patient">{identity.person.name}</strong> {identity.person.sex} {identity.person.age ?? '—'} 岁 · {identity.person.certnoMasked} · {identity.person.insuredRegionName}
            <div>
              核验结论：<strong>{c.direct ? '可直接结算' : '不能直接结算'}</strong>（{c.reasonLabel}）<Rule rule={c.rule} /> · 入院日期 {c.admissionDate}{c.emergency ? ' · 急诊抢救' : ''}{c.provisional ? ' · 离线核验' : ''}
            </div>
          </div>
        )}
      </div>
      {!identity && initialCheck === null && <RecentChecks onPick={(id) => { setCheckNo(String(id)); void loadCheck(String(id)); }} />}
      {identity && (
        <div ref={first}>
          <AdmissionFieldset values={values} onChange={setValues} errorPath={error?.path ?? null} />
        </div>
      )}
      {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> {busy}</p>}
      {error && <p className="error" role="alert">{error.message}</p>}
      <div className="actions">
        <button className="primary" disabled={busy !== null} onClick={() => void submit()}>{identity ? '确认登记（Enter）' : '读取核验记录（Enter）'}</button>
        <button onClick={onBack}>返回（Esc）</button>
      </div>
    </div>
  );
}
