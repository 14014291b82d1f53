import type { Db } from '../../../db/open.ts';
import type { SignInStatus } from '../../../shared/api/agencyConnection.ts';
import type { AgencyConfig, AgencySettingField } from '../../agency/config.ts';
import type { SecretBox } from '../../agency/secrets.ts';

/**
 * What the connection screen's services need of the desk, and no more (cf. ServiceContext): the
 * database, the secret box, the effective configuration, and which fields the way the desk was
 * started fixes (a desk option such as npm start's local reference agency beats a setting).
 */
export interface ConnectionContext {
  readonly db: Db;
  readonly secretBox: SecretBox | null;
  /** The connection as in effect now: environment over desk options over settings. */
  agencyConfig(): AgencyConfig;
  readonly fromStart: readonly AgencySettingField[];
  /** The database file, named where the screen says the secrets are kept in clear. */
  readonly dbFile: string;
  /** Office mode: the secrets are in the office store (and the server's backups), not a file of this window. */
  readonly inOffice?: boolean;
  /** The environment the configuration is read from (process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The operators' 9001 sign-ins (electron/agency/signIn.ts), as the screen uses them. */
export interface SignIns {
  signInNow(operator: { login: string; name: string }): Promise<SignInStatus>;
  current(): SignInStatus[];
}
