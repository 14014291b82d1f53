import type { officeStoreApi } from '../../../shared/api/officeStore.ts';
import type { DeskParts } from '../context.ts';
import { officeView, updateOffice, type OfficeContext } from '../officeStore/config.ts';
import { testOffice } from '../officeStore/test.ts';
import type { HandlersFor } from './types.ts';

function officeContext(desk: DeskParts): OfficeContext {
  return {
    get db() {
      return desk.db;
    },
    secretBox: desk.secretBox,
    dbFile: desk.dbFile,
    inOffice: desk.inOffice,
  };
}

/** 设置 → 办公室数据库 (issue 18 point 2): settings and 测试连接 only; the desk keeps running on SQLite. */
export function officeStoreHandlers(desk: DeskParts): HandlersFor<keyof typeof officeStoreApi> {
  return {
    'office.store.get': () => officeView(officeContext(desk)),
    'office.store.update': (input, ctx) => updateOffice(officeContext(desk), input, ctx.session!),
    'office.store.test': (_input, ctx) => testOffice(officeContext(desk), ctx.session!),
  };
}
