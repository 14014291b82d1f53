import type { stayQueryApi } from '../../../shared/api/stayQuery.ts';
import type { DeskParts } from '../context.ts';
import { queryStay } from '../stayQueries.ts';
import type { HandlersFor } from './types.ts';

/** 5203 / 5204 / 5303 of one stay, beside the desk's record (stayQueries.ts). */
export function stayQueryHandlers(desk: DeskParts): HandlersFor<keyof typeof stayQueryApi> {
  return {
    'stay.query': ({ admissionId, infno }, ctx) => queryStay(desk, { admissionId, infno }, { login: ctx.session!.login, name: ctx.session!.name }),
  };
}
