import type { PersonCard as Person, RegistrationCard } from '../../../../shared/api/index.ts';
import { formatTime } from './format.ts';

const SCOPE_LABEL: Record<Person['scope'], string> = { cross: '跨省异地', in: '省内异地', same: '同一统筹区（非异地）' };

/** 人员信息 and 备案信息 side by side: what the agency (or the roster, offline) says about the patient. */
export function PersonPanel({ person, registration }: { person: Person; registration: RegistrationCard | null }) {
  return (
    <div className="id-cards">
      <div className="panel" aria-label="人员信息">
        <h3>人员信息</h3>
        <dl className="facts">
          <dt>姓名</dt>
          <dd>
            <span data-testid="person-name">{person.name}</span>
            {person.nameNote ? <p className="name-note" role="note" data-testid="name-note">{person.nameNote}</p> : null}
          </dd>
          <dt>身份证号</dt><dd>{person.certnoMasked}</dd>
          <dt>性别 / 年龄</dt><dd>{person.sex} · {person.age ?? '—'} 岁（{person.birthDate}）</dd>
          <dt>参保地</dt><dd>{person.insuredRegionName}（{person.insuredRegion}）· {SCOPE_LABEL[person.scope]}</dd>
          <dt>险种</dt><dd>{person.insutypeName}{person.psnTypeName ? ` · ${person.psnTypeName}` : ''}</dd>
          <dt>参保状态</dt><dd className={person.status !== '1' && person.confirmedAt ? 'error' : ''}>{person.statusName}</dd>
          <dt>经办机构确认</dt><dd>{person.confirmedAt ? formatTime(person.confirmedAt) : '尚未联网确认'}</dd>
        </dl>
      </div>
      <div className="panel" aria-label="备案信息">
        <h3>异地就医备案</h3>
        {registration ? (
          <dl className="facts">
            <dt>人员类别</dt><dd>{registration.groupLabel}{registration.basis === 'pledge' ? '（个人承诺）' : ''}</dd>
            <dt>备案就医地</dt><dd>{registration.destinationName}（{registration.destination}）</dd>
            <dt>生效日期</dt><dd>{registration.effectiveFrom}</dd>
            <dt>有效期至</dt><dd>{registration.validUntil ?? '长期有效'}</dd>
            <dt>备案状态</dt><dd className={registration.status === 'cancelled' ? 'error' : ''}>{registration.status === 'active' ? '有效' : '已取消'}</dd>
            <dt>信息取得</dt><dd>{formatTime(registration.receivedAt)}</dd>
          </dl>
        ) : <p className="muted">未查到该人员的异地就医备案。</p>}
      </div>
    </div>
  );
}
