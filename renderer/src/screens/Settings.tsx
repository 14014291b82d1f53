import { useEffect, useState } from 'react';
import type { BackupEntry, DeskStatus, SessionInfo } from '../../../shared/api/index.ts';
import { ApiCallError, call } from '../api.ts';
import { markRestored } from '../restored.ts';
import { AuditPanel } from './AuditPanel.tsx';
import { ClaimPolicyForm } from './ClaimPolicyForm.tsx';
import { SpecialDrugRegionsForm } from './SpecialDrugRegionsForm.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { AgencyConnectionPanel } from './settings/AgencyConnectionPanel.tsx';
import { OfficeStorePanel } from './settings/OfficeStorePanel.tsx';

export function Settings({ session, status }: { session: SessionInfo; status: DeskStatus | null }) {
  const isSupervisor = session.clerk.role === 'supervisor';
  const [backups, setBackups] = useState<BackupEntry[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function run<T>(label: string, fn: () => Promise<T>, done: (r: T) => string) {
    setBusy(label);
    setMessage(null);
    try {
      setMessage(done(await fn()));
    } catch (e) {
      setMessage(e instanceof ApiCallError ? e.message : `${label}失败`);
    } finally {
      setBusy(null);
    }
  }

  const office = status?.store.kind === 'office' ? status.store : null;
  useEffect(() => {
    if (isSupervisor && !office) call('backup.list', {}).then(setBackups).catch(() => undefined);
  }, [isSupervisor, office]);

  return (
    <section className="screen">
      <h2>设置</h2>
      <div className="panel">
        <h3>机构</h3>
        {!isSupervisor && <p className="muted">修改设置需要主管登录。</p>}
        <SettingsForm editable={isSupervisor} />
      </div>
      <div className="panel" id="agency-connection">
        <h3>经办机构连接</h3>
        {isSupervisor ? <AgencyConnectionPanel /> : <p className="muted">经办机构连接（接口方式、网关地址、密钥）只有主管可以查看和修改。当前网关：{status?.agencyUrl ?? '—'}</p>}
      </div>
      <div className="panel" id="office-store">
        <h3>办公室数据库（多窗口共用，PostgreSQL）</h3>
        {isSupervisor ? <OfficeStorePanel /> : <p className="muted">办公室数据库的连接设置只有主管可以查看和修改。本经办台使用本机数据库文件。</p>}
      </div>
      <div className="panel">
        <h3>清算政策参数</h3>
        <p className="muted small">参保地与就医地的清算日历以当地经办机构规定为准；修改后立即用于月度申报与首页提醒。</p>
        <ClaimPolicyForm editable={isSupervisor} />
      </div>
      <div className="panel">
        <h3>慢特病用药记录（5205）</h3>
        <p className="muted small">只对使用 5205 的参保地启用：住院结算页“查询经办机构记录”会同时查询该参保地的人员慢特病用药记录。</p>
        <SpecialDrugRegionsForm editable={isSupervisor} />
      </div>
      <div className="panel">
        <h3>数据库维护</h3>
        {!isSupervisor && <p className="muted">备份、恢复与完整性检查需要主管登录。</p>}
        {isSupervisor && (
          <>
            <div className="actions">
              <button disabled={!!busy} onClick={() => run('完整性检查', () => call('system.integrityCheck', {}), (r) => (r.ok ? `完整性检查通过：数据库完好${r.messages[1] ? `（${r.messages[1]}）` : ''}` : `完整性检查发现问题：${r.messages.slice(0, 3).join('；')}`))}>完整性检查</button>
              {!office && <button disabled={!!busy} onClick={() => run('备份', async () => { const b = await call('backup.create', {}); setBackups(await call('backup.list', {})); return b; }, (b) => `已备份：${b.name}`)}>立即备份</button>}
            </div>
            {busy && <p className="progress" role="status">正在{busy}…</p>}
            {office && <p className="notice" data-testid="office-backup">{office.backupText}</p>}
            {!office && <table className="grid">
              <thead><tr><th>备份时间（北京时间）</th><th>备份文件</th><th>原因</th><th>大小</th><th /></tr></thead>
              <tbody>
                {backups.map((b) => (
                  <tr key={b.name}>
                    <td>{b.at}</td><td className="muted">{b.name}</td><td>{({ manual: '手动', daily: '每日', premigrate: '升级前', prerestore: '恢复前' } as Record<string, string>)[b.reason] ?? b.reason}</td><td>{Math.ceil(b.bytes / 1024)} KB</td>
                    <td><button disabled={!!busy} onClick={() => { if (window.confirm(`确定从 ${b.name} 恢复？当前数据会先另存一份。恢复后所有人需重新登录。`)) void run('恢复', () => call('backup.restore', { name: b.name }), (r) => { markRestored(); return `已恢复 ${r.restored}，原数据另存为 ${r.keptAside}。请重新登录。`; }); }}>恢复</button></td>
                  </tr>
                ))}
              </tbody>
            </table>}
          </>
        )}
        {message && <p role="status" className="notice">{message}</p>}
      </div>
      {isSupervisor && <AuditPanel />}
    </section>
  );
}
