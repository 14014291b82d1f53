import type { agencyConnectionApi } from '../../../shared/api/agencyConnection.ts';
import type { AgencySettingField } from '../../agency/config.ts';
import type { ConnectionContext } from '../agencyConnection/context.ts';
import { connectionView, updateConnection } from '../agencyConnection/store.ts';
import { testConnection } from '../agencyConnection/test.ts';
import type { DeskParts } from '../context.ts';
import type { DeskOptions } from '../deskOptions.ts';
import type { HandlersFor } from './types.ts';

/** The fields a desk option fixes (the gateway of npm start's reference agency, tests): they beat the settings. */
export function fieldsFixedByStart(o: DeskOptions): AgencySettingField[] {
  const out: AgencySettingField[] = [];
  if (o.agencyUrl !== undefined) out.push('url');
  if (o.agencyUrl !== undefined || o.agencyExtUrl !== undefined) out.push('extUrl');
  if (o.agencyKey !== undefined) out.push('extKey');
  return out;
}

/** The connection screen's view of the desk. */
export function connectionContext(desk: DeskParts): ConnectionContext {
  return {
    get db() {
      return desk.db;
    },
    secretBox: desk.secretBox,
    agencyConfig: () => desk.agencyConfig(),
    fromStart: fieldsFixedByStart(desk.options),
    dbFile: desk.dbFile,
    inOffice: desk.inOffice,
  };
}

/** 设置 → 经办机构连接 (issue 13 point 6) and the status bar's sign-in. */
export function agencyConnectionHandlers(desk: DeskParts): HandlersFor<keyof typeof agencyConnectionApi> {
  return {
    'agency.connection.get': () => connectionView(connectionContext(desk)),
    'agency.connection.update': (input, ctx) => updateConnection(connectionContext(desk), input, ctx.session!),
    'agency.connection.test': (_input, ctx) => testConnection(() => desk.db, desk.agencySignIn, ctx.session!),
    'agency.signIn.status': () => desk.agencySignIn.current().map((r) => ({ login: r.login, name: r.name, signNo: r.signNo, signTime: r.signTime, signedAt: r.signedAt })),
  };
}
