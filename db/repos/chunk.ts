/**
 * Lists longer than this go to SQLite in slices: one statement binds at most SQLITE_MAX_VARIABLE_NUMBER
 * parameters (32 766 in the bundled build), and a multi-row insert binds one per column per row, so
 * 500 keeps the widest row of the schema well under it.
 */
export const SQL_CHUNK = 500;
