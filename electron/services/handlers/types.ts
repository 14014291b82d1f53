import type { Method, Output, ParsedInput } from '../../../shared/api/index.ts';
import type { Session } from '../sessions.ts';

/** What a handler gets besides its parsed input: the caller's session (the dispatcher checked the role). */
export interface CallContext {
  session: Session | undefined;
}

export type Handler<M extends Method> = (input: ParsedInput<M>, ctx: CallContext) => Promise<Output<M>> | Output<M>;
export type Handlers = { [M in Method]: Handler<M> };
/** The handlers of one domain's methods. */
export type HandlersFor<K extends Method> = { [M in K]: Handler<M> };
