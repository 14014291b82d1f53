// drizzle-kit finds tables among a schema module's top-level exports only, and ESM cannot export
// names computed at run time; this CommonJS file spreads db/pg/schema.ts's derived tables (and
// its other exports, e.g. sequences) into top-level exports for db/pg/drizzle.config.ts.
const { pgTables, ...rest } = require('./schema.ts');

module.exports = { ...pgTables, ...rest };
