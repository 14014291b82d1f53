import { useEffect, useLayoutEffect, useRef, useState, type DragEvent } from 'react';
import type {
  AgencyResultView,
  CatalogueImportResult,
  FeeImportResult,
  FeeList,
  FileProblem,
  ImportProgress,
  SettlementAmounts,
  SettlementPreview,
  SettlementView,
  EstimateAmounts,
} from '../../../../shared/api/settlement.ts';
import { yuan } from '../../ui/format.ts';
import { call, upload } from '../../api.ts';
import { errorText, when } from '../../ui/kit.tsx';

export const SCOPE_LABEL = { cross: '跨省', in: '省内异地', same: '本地' } as const;

/** Reads a dropped or picked file as base64 (FileReader: native and quick even for tens of MB). */
export function readAsBase64(file: File, onProgress: (loaded: number, total: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onprogress = (e) => onProgress(e.loaded, e.total || file.size);
    r.onerror = () => reject(new Error('读取文件失败'));
    r.onload = () => {
      const url = String(r.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    r.readAsDataURL(file);
  });
}

const PHASE: Record<ImportProgress['phase'] | 'read' | 'upload', string> = {
  read: '读取文件', upload: '上传', decode: '识别编码与解析', validate: '逐行校验', write: '写入数据库', done: '完成',
};

export function ProgressLine({ phase, done, total }: { phase: keyof typeof PHASE; done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : null;
  return (
    <div className="import-progress" role="status" aria-live="polite">
      <span>{PHASE[phase]}{phase === 'validate' && total > 0 ? `：${done.toLocaleString('zh-CN')} / ${total.toLocaleString('zh-CN')} 行` : '…'}</span>
      {pct === null ? <progress aria-label="导入进度" /> : <progress aria-label="导入进度" value={pct} max={100} />}
    </div>
  );
}

export function ProblemTable({ problems, total }: { problems: FileProblem[]; total: number }) {
  return (
    <div className="problems" role="alert">
      <p className="error"><strong>文件有 {total} 处错误，未导入任何明细。</strong>请在 HIS 中更正后重新导出，再导入。{total > problems.length ? `（只列出前 ${problems.length} 处）` : ''}</p>
      <div className="scroll-box">
        <table className="grid compact" aria-label="导入错误">
          <thead><tr><th>行</th><th>列</th><th>问题</th></tr></thead>
          <tbody>
            {problems.map((p, i) => (
              <tr key={i}><td>{p.row ?? '—'}</td><td><code>{p.column ?? '—'}</code></td><td>{p.message}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Fee file import: picker and drop zone, progress while it runs, the error table when it fails. */
export function FeeImportPanel({ admissionId, onImported }: { admissionId: number; onImported: () => void }) {
  const [busy, setBusy] = useState<{ phase: keyof typeof PHASE; done: number; total: number } | null>(null);
  const [result, setResult] = useState<FeeImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  async function importFile(file: File) {
    setResult(null);
    setError(null);
    setBusy({ phase: 'read', done: 0, total: file.size });
    const key = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    let polling = true;
    try {
      // The raw bytes go first (no base64, no 20 MiB JSON limit), then the call names the upload.
      setBusy({ phase: 'upload', done: 0, total: 0 });
      const { uploadId } = await upload(file);
      const poll = async () => {
        for (let i = 0; polling && i < 10_000; i++) {
          await new Promise((r) => setTimeout(r, 300));
          if (!polling) break;
          const p = await call('fees.importProgress', { progressKey: key }).catch(() => null);
          if (polling && p?.progress) setBusy({ phase: p.progress.phase, done: p.progress.done, total: p.progress.total });
        }
      };
      void poll();
      const r = await call('fees.import', { admissionId, fileName: file.name, uploadId, progressKey: key });
      setResult(r);
      if (r.imported > 0) onImported();
    } catch (e) {
      setError(errorText(e, '导入失败'));
    } finally {
      polling = false;
      setBusy(null);
      if (input.current) input.current.value = '';
    }
  }

  // F8 opens the picker (issue 20 point 4): a key press is a user gesture, so the browser allows it.
  // A layout effect: the key works from the first frame the screen is shown (not lost before a passive effect runs).
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'F8' || e.altKey || e.ctrlKey) return;
      e.preventDefault();
      if (!busy) input.current?.click();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy]);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f && !busy) void importFile(f);
  };

  return (
    <div className="panel">
      <h3>导入费用明细</h3>
      <div
        className={over ? 'drop-zone over' : 'drop-zone'}
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="fee-drop"
      >
        <span>把 HIS 导出的费用文件（CSV：GBK 或 UTF-8；或 JSON）拖到这里，或</span>
        <button type="button" className="file-button" disabled={!!busy} aria-keyshortcuts="F8" onClick={() => input.current?.click()}>选择文件… <kbd>F8</kbd></button>
        <input ref={input} type="file" className="file-input" accept=".csv,.json,.txt,text/csv,application/json" aria-label="选择费用文件" disabled={!!busy} tabIndex={-1}
          onChange={(e) => { const f = e.target.files?.[0]; if (f) void importFile(f); }} />
        <span className="muted small">列说明见 docs/fee-import.md（字段同 2301 费用明细上传）</span>
      </div>
      {busy && <ProgressLine {...busy} />}
      {error && <p className="error" role="alert">{error}</p>}
      {result && result.issueCount > 0 && <ProblemTable problems={result.issues} total={result.issueCount} />}
      {result && result.issueCount === 0 && (
        <p className="notice" role="status" data-testid="import-result">
          {result.alreadyImported
            ? `文件 ${result.fileName} 已导入过，未做任何改动。`
            : `已导入 ${result.fileName}：${result.rows} 行，新增 ${result.imported} 条${result.unchanged > 0 ? `，${result.unchanged} 条与已导入的明细相同（未重复导入）` : ''}（${result.encoding.toUpperCase()}，${result.format.toUpperCase()}）。`}
        </p>
      )}
    </div>
  );
}

export function FeeTable({ list }: { list: FeeList }) {
  const t = list.totals;
  return (
    <div className="panel">
      <h3>费用明细 <span className="muted small">共 {list.totalLines} 条{list.totalLines > list.lines.length ? `，显示前 ${list.lines.length} 条（合计为全部明细）` : ''} · 目录版本 {list.catalogueVersion ?? '—'}</span></h3>
      <div className="scroll-box tall">
        <table className="grid compact fees" aria-label="费用明细">
          <thead>
            <tr>
              <th>流水号</th><th>时间</th><th>项目</th><th>类别</th><th className="num">数量</th><th className="num">单价</th><th className="num">金额</th>
              <th className="num">范围内</th><th className="num">乙类自付</th><th className="num">超限价</th><th className="num">自费</th>
            </tr>
          </thead>
          <tbody>
            {list.lines.map((l) => (
              <tr key={l.id} className={l.amount.startsWith('-') ? 'refund' : undefined}>
                <td>{l.sn}{l.initSn ? <span className="muted small"> 退 {l.initSn}</span> : null}</td>
                <td className="nowrap">{l.time.slice(0, 16)}</td>
                <td>{l.name}{l.etip ? <span className="badge small">外检</span> : null}<div className="muted small">{l.code}</div>{l.agencyDiff && <div className="warn small" data-testid="line-agency-diff">⚠ {l.agencyDiff}</div>}</td>
                <td>{l.classLabel}</td>
                <td className="num">{l.cnt}</td>
                <td className="num">{l.pric}</td>
                <td className="num">{yuan(l.amount)}</td>
                <td className="num">{yuan(l.in)}</td>
                <td className="num">{yuan(l.pre)}</td>
                <td className="num">{yuan(l.over)}</td>
                <td className="num">{yuan(l.full)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="fee-totals">
              <th colSpan={6}>合计（总费用 = 范围内 + 乙类先行自付 + 超限价自付 + 自费）</th>
              <th className="num">{yuan(t.amount)}</th><th className="num">{yuan(t.in)}</th><th className="num">{yuan(t.pre)}</th><th className="num">{yuan(t.over)}</th><th className="num">{yuan(t.full)}</th>
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}

const AMOUNT_ROWS: [keyof SettlementAmounts, string][] = [
  ['medfee_sumamt', '总费用'],
  ['inscp_scp_amt', '统筹基金支付范围内费用'],
  ['preselfpay_amt', '乙类先行自付费用'],
  ['overlmt_selfpay', '超限价自付费用'],
  ['fulamt_ownpay_amt', '自费费用'],
  ['act_pay_dedc', '实际支付起付线'],
  ['hifp_pay', '统筹基金支付'],
  ['hifob_pay', '大额医疗费用补助'],
  ['hifmi_pay', '城乡居民大病保险'],
  ['cvlserv_pay', '公务员医疗补助'],
  ['fund_pay_sumamt', '基金支付合计'],
  ['psn_part_amt', '个人负担'],
  ['acct_pay', '个人账户支付'],
  ['psn_cash_pay', '个人现金支付'],
];

export function AmountTable({ amounts, label, compare, heads = ['本地计算', '经办机构'] }: { amounts: Partial<Record<keyof SettlementAmounts, string | null>>; label: string; compare?: Partial<Record<keyof SettlementAmounts, string | null>>; heads?: [string, string] | [string] }) {
  return (
    <table className="grid compact amounts" aria-label={label}>
      <thead><tr><th>项目</th><th className="num">{heads[0]}</th>{compare && <th className="num">{heads[1] ?? '经办机构'}</th>}</tr></thead>
      <tbody>
        {AMOUNT_ROWS.map(([k, name]) => {
          const differs = compare !== undefined && compare[k] != null && amounts[k] != null && compare[k] !== amounts[k];
          return (
            <tr key={k} className={k === 'psn_cash_pay' || k === 'fund_pay_sumamt' || k === 'medfee_sumamt' ? 'strong' : undefined}>
              <td>{name}</td>
              <td className="num" data-testid={`amt-${k}`}>{yuan(amounts[k])}</td>
              {compare && <td className={differs ? 'num diff' : 'num'}>{yuan(compare[k])}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function FundRows({ funds, caption }: { funds: { fund_pay_type: string; fund_pay_type_name: string; fund_payamt: string }[]; caption: string }) {
  return (
    <table className="grid compact" aria-label={caption}>
      <thead><tr><th>{caption}</th><th>代码</th><th className="num">金额</th></tr></thead>
      <tbody>
        {funds.length === 0 && <tr><td colSpan={3} className="muted">无基金支付</td></tr>}
        {funds.map((f) => <tr key={f.fund_pay_type}><td>{f.fund_pay_type_name}</td><td>{f.fund_pay_type}</td><td className="num">{yuan(f.fund_payamt)}</td></tr>)}
      </tbody>
    </table>
  );
}

/** The identities the slip prints (004 附件10 注2, 注3), with this settlement's numbers. */
export function Identities({ a }: { a: EstimateAmounts }) {
  return (
    <ul className="identities">
      <li>总费用 {yuan(a.medfee_sumamt)} = 范围内 {yuan(a.inscp_scp_amt)} + 乙类先行自付 {yuan(a.preselfpay_amt)} + 超限价自付 {yuan(a.overlmt_selfpay)} + 自费 {yuan(a.fulamt_ownpay_amt)}</li>
      {a.fund_pay_sumamt === null
        ? <li className="muted">基金支付与个人负担由参保地计算（本机无该参保地政策参数）</li>
        : <li>总费用 {yuan(a.medfee_sumamt)} = 基金支付合计 {yuan(a.fund_pay_sumamt)}{a.acct_pay !== '0.00' && a.acct_pay !== null ? ` + 个人账户 ${yuan(a.acct_pay)}` : ''} + 个人现金 {yuan(a.psn_cash_pay)}</li>}
    </ul>
  );
}

export function PreviewFacts({ p }: { p: SettlementPreview }) {
  return (
    <dl className="facts small">
      <dt>参保地政策</dt><dd>{p.policyVersion ?? '本机无参数（基金支付由参保地计算）'}（{p.hospitalLevel} 级医院 · {p.groupLabel}）{p.policySource ? ` · 来源：${p.policySource.source}${p.policySource.date ? `（${p.policySource.date}）` : ''}` : ''}</dd>
      <dt>就医地目录</dt><dd>{p.catalogueVersion}</dd>
      <dt>本次起付标准</dt><dd>{yuan(p.deductible)}</dd>
      <dt>本年度累计</dt>
      <dd>
        此前住院 {p.priorAdmissionsThisYear} 次 · 统筹已付 {yuan(p.poolPaidThisYear)} · 大额/大病已付 {yuan(p.supplementaryPaidThisYear)}
        {' '}<span className={p.estimate ? 'badge offline' : 'badge confirmed'}>{p.estimate ? '估算' : '经办机构'}</span>
      </dd>
    </dl>
  );
}

/** A confirmation dialog: Enter confirms (the confirm button has the focus), Esc cancels. */
/** The agency's computation beside ours: the mismatch (if any) and its resolution. */
export function AgencyResult({ r, local, canResolve, onResolved }: { r: AgencyResultView; local: SettlementAmounts; canResolve: boolean; onResolved: () => void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function resolve() {
    setBusy(true);
    setError(null);
    try {
      await call('settlement.resolveMismatch', { resultId: r.id, note });
      onResolved();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className={r.mismatch && !r.resolvedAt ? 'agency-result mismatch' : 'agency-result'}>
      <p>
        经办机构结算结果 {r.setlId ? `（结算ID ${r.setlId}）` : ''} · 收到于 {when(r.receivedAt)} ·{' '}
        {r.mismatch === null ? <span className="ok-text">与本地计算一致</span> : r.resolvedAt ? <span>差异已处理：{r.resolutionNote}</span> : <strong className="error">与本地计算不一致，待主管处理</strong>}
      </p>
      {r.mismatch && (
        <table className="grid compact" aria-label="结算差异">
          <thead><tr><th>项目</th><th className="num">本地</th><th className="num">经办机构</th><th className="num">差额</th></tr></thead>
          <tbody>{r.mismatch.map((d) => <tr key={d.field}><td>{d.label}{d.rule && <div className="muted small">{d.rule}</div>}</td><td className="num">{yuan(d.local)}</td><td className="num">{yuan(d.agency)}</td><td className="num diff">{d.diff}</td></tr>)}</tbody>
        </table>
      )}
      <details>
        <summary>两边全部金额</summary>
        <AmountTable amounts={local} compare={r.amounts} label="本地与经办机构金额" />
        <FundRows funds={r.funds} caption="经办机构返回的基金（按返回名称）" />
      </details>
      {r.mismatch && !r.resolvedAt && (canResolve ? (
        <div className="resolve">
          <label>处理说明（主管）<input value={note} onChange={(e) => setNote(e.target.value)} placeholder="例如：已与参保地核对，以经办机构结果为准" onKeyDown={(e) => { if (e.key === 'Enter' && note.trim().length >= 2) void resolve(); }} /></label>
          <button disabled={busy || note.trim().length < 2} onClick={() => void resolve()}>记录处理</button>
          {error && <span className="error">{error}</span>}
        </div>
      ) : <p className="muted small">差异须由主管核对后记录处理说明；两边的计算都保留，不会被覆盖。</p>)}
    </div>
  );
}

export function SettlementHistory({ list }: { list: SettlementView[] }) {
  if (list.length === 0) return null;
  return (
    <details className="history">
      <summary>结算记录（{list.length}）</summary>
      <table className="grid compact">
        <thead><tr><th>日期</th><th>类型</th><th className="num">总费用</th><th className="num">基金支付</th><th className="num">个人现金</th><th>说明</th></tr></thead>
        <tbody>
          {list.map((s) => (
            <tr key={s.id}>
              <td>{s.settledOn}</td><td>{s.kind === 'reversal' ? '撤销' : s.reversedBy ? '结算（已撤销）' : s.voided ? <span title={s.voided.reason}>结算（已作废：{s.voided.reason}）</span> : '结算'}</td>
              <td className="num">{yuan(s.amounts.medfee_sumamt)}</td><td className="num">{yuan(s.amounts.fund_pay_sumamt)}</td><td className="num">{yuan(s.amounts.psn_cash_pay)}</td>
              <td>{s.reason ?? ''}{s.estimate ? '（本年累计为估算）' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Supervisor: a new catalogue version from a file. */
export function CatalogueImport() {
  const [version, setVersion] = useState('');
  const [info, setInfo] = useState<string>('');
  const [result, setResult] = useState<CatalogueImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => {
    call('catalogue.info', {}).then((i) => setInfo(i.current ? `当前版本 ${i.current}（${i.versions.find((v) => v.version === i.current)?.items ?? 0} 项）` : '尚未导入目录')).catch(() => undefined);
  }, [result]);
  async function run() {
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const b64 = await readAsBase64(file, () => undefined);
      setResult(await call('catalogue.import', { fileName: file.name, contentBase64: b64, version }));
    } catch (e) {
      setError(errorText(e, '目录导入失败'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="panel">
      <h3>就医地目录 <span className="muted small">{info}</span></h3>
      <div className="actions">
        <label>版本号<input value={version} onChange={(e) => setVersion(e.target.value)} placeholder="如 340100-2026-12" /></label>
        <button type="button" className="file-button" onClick={() => picker.current?.click()}>选择目录文件…</button>
        <input ref={picker} type="file" className="file-input" tabIndex={-1} accept=".csv,.json" aria-label="选择目录文件" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <span className="muted small">{file?.name ?? ''}</span>
        <button disabled={!file || version.trim() === '' || busy} onClick={() => void run()}>导入目录</button>
      </div>
      {busy && <ProgressLine phase="validate" done={0} total={0} />}
      {error && <p className="error">{error}</p>}
      {result && result.issueCount > 0 && <ProblemTable problems={result.issues} total={result.issueCount} />}
      {result && result.issueCount === 0 && <p className="notice">{result.unchanged ? `目录版本 ${result.version} 已存在且内容相同，未做改动。` : `已导入目录版本 ${result.version}：${result.items} 项，并设为当前版本。`}</p>}
    </div>
  );
}
