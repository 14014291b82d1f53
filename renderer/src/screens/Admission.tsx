import { useCallback, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { AdmissionDetail, AdmissionSummary } from '../../../shared/api/admission.ts';
import { call } from '../api.ts';
import type { ScreenProps } from '../routes.tsx';
import { AdmissionDetailView } from './admission/AdmissionDetailView.tsx';
import { AdmissionForm } from './admission/AdmissionForm.tsx';
import { errorText } from '../ui/kit.tsx';

/** Set by the identity screen's 登记入院 button: the check this admission starts from. */
const LAST_CHECK_KEY = 'identity.checkId';

type View = { kind: 'list' } | { kind: 'new'; checkId: number | null } | { kind: 'detail'; admission: AdmissionDetail };

function takeCheckId(): number | null {
  const v = sessionStorage.getItem(LAST_CHECK_KEY);
  sessionStorage.removeItem(LAST_CHECK_KEY);
  return v && /^\d+$/.test(v) ? Number(v) : null;
}

/** 入院登记 (F3): DOMAIN §4–§5, issue 4. The in-hospital list; new admission; one admission's page. */
export function Admission(_props: ScreenProps) {
  const [view, setView] = useState<View>(() => {
    const checkId = takeCheckId();
    return checkId !== null ? { kind: 'new', checkId } : { kind: 'list' };
  });
  const [list, setList] = useState<AdmissionSummary[]>([]);
  const [scope, setScope] = useState<'in' | 'all'>('in');
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rows = useRef<HTMLTableSectionElement>(null);

  const load = useCallback(async () => {
    setBusy(true);
    try {
      setList(await call('admission.list', { scope, query: query || undefined }));
      setError(null);
    } catch (e) {
      setError(errorText(e, '读取在院名单失败'));
    } finally {
      setBusy(false);
    }
  }, [scope, query]);

  useEffect(() => {
    if (view.kind === 'list') void load();
  }, [view.kind, load]);

  const openDetail = async (id: number) => {
    try {
      setView({ kind: 'detail', admission: await call('admission.get', { id }) });
    } catch (e) {
      setError(errorText(e));
    }
  };

  if (view.kind !== 'list') {
    const detail = (admission: AdmissionDetail) => setView({ kind: 'detail', admission });
    const back = () => setView({ kind: 'list' });
    return (
      <section className="screen admission">
        <h2>入院登记</h2>
        {view.kind === 'new'
          ? <AdmissionForm checkId={view.checkId} onDone={detail} onBack={back} />
          : <AdmissionDetailView admission={view.admission} onChange={detail} onBack={back} />}
      </section>
    );
  }

  // ↑/↓ move between rows, Enter opens: the list is usable without a mouse.
  const onRowKey = (e: ReactKeyboardEvent<HTMLTableRowElement>, id: number) => {
    const tr = e.currentTarget;
    if (e.key === 'Enter') void openDetail(id);
    else if (e.key === 'ArrowDown') (tr.nextElementSibling as HTMLElement | null)?.focus();
    else if (e.key === 'ArrowUp') (tr.previousElementSibling as HTMLElement | null)?.focus();
    else return;
    e.preventDefault();
  };

  return (
    <section className="screen admission">
      <h2>入院登记</h2>
      <div className="actions adm-toolbar">
        <button className="primary" autoFocus onClick={() => setView({ kind: 'new', checkId: null })}>新登记入院</button>
        <input aria-label="查找患者" placeholder="姓名 / 住院号 / 床位" value={query} onChange={(e) => setQuery(e.target.value)} onKeyDown={(e) => { if (e.key === 'ArrowDown') { e.preventDefault(); (rows.current?.firstElementChild as HTMLElement | null)?.focus(); } }} />
        <label className="check"><input type="checkbox" checked={scope === 'all'} onChange={(e) => setScope(e.target.checked ? 'all' : 'in')} /> 含已出院、已撤销</label>
        <span className="muted small">从“身份核验”（F2）核验后点“登记入院”开始；↑↓ 选择，Enter 打开</span>
      </div>
      {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> 正在读取…</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <div className="panel">
        <h3>{scope === 'in' ? '在院异地就医患者' : '全部入院登记'}（{list.length}）</h3>
        <table className="grid adm-list">
          <thead><tr><th>住院号</th><th>姓名</th><th>性别 / 年龄</th><th>身份证号</th><th>参保地</th><th>科室 / 床位</th><th>入院时间</th><th>医疗类别</th><th>标志</th><th>结算</th></tr></thead>
          <tbody ref={rows}>
            {list.map((a) => (
              <tr key={a.id} tabIndex={0} className={`clickable ${a.status !== 'admitted' ? 'muted' : ''}`} onClick={() => void openDetail(a.id)} onKeyDown={(e) => onRowKey(e, a.id)}>
                <td>{a.iptNo}</td>
                <td><strong>{a.patientName}</strong></td>
                <td>{a.gend} {a.age ?? '—'}</td>
                <td>{a.certNoMasked}</td>
                <td>{a.insuplcName}</td>
                <td>{a.deptName} / {a.bed}</td>
                <td>{a.admittedAt.slice(0, 16)}</td>
                <td>{a.medTypeLabel}</td>
                <td>{a.emergency && <span className="badge">急诊</span>}{a.trauma && <span className="badge trauma">外伤</span>}{a.thirdParty && <span className="badge third">第三方</span>}</td>
                <td className={a.settle.direct ? 'ok-text' : 'error'}>{a.status === 'cancelled' ? '已撤销' : a.settle.label}</td>
              </tr>
            ))}
            {list.length === 0 && !busy && <tr><td colSpan={10} className="muted">暂无{scope === 'in' ? '在院' : ''}患者</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
