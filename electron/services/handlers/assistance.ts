import { findStays, flaggedSettlements } from '../../../db/repos/assistance.ts';
import type { assistanceApi } from '../../../shared/api/assistance.ts';
import { parseAmount, toText } from '../../../shared/money.ts';
import type { DeskParts } from '../context.ts';
import { ServiceError } from '../errors.ts';
import type { HandlersFor } from './types.ts';

/** 协查 (004 第六十六条): find a stay from any of the request's facts; the stays flagged over the thresholds. */
export function assistanceHandlers(desk: DeskParts): HandlersFor<keyof typeof assistanceApi> {
  return {
    'assist.find': (c) => findStays(desk.db, { ...c, ...(c.total === undefined ? {} : { total: toText(parseAmount(c.total, '医疗费总额')) }) }),
    'assist.flagged': ({ from, to }) => {
      if (from > to) throw new ServiceError('INVALID_RANGE', `起始日期 ${from} 晚于结束日期 ${to}`, 'from');
      return flaggedSettlements(desk.db, from, to);
    },
  };
}
