import { sqliteShapes, type TableShape } from './shape.ts';

/**
 * What moving a desk into the office store copies (issue 18 point 3), derived from db/schema.ts
 * (the desk's own definition, so a new table is moved without anyone listing it here):
 * every table, in foreign-key order, its money columns (the `money()` helper: text NOT NULL
 * DEFAULT '0.00', the same test the parity test uses), and the reference columns that must be
 * filled in after the rows they point at exist.
 */
export interface MoveTable {
  name: string;
  columns: string[];
  money: string[];
  /** Nullable references inserted as NULL and set afterwards: self-references and the one edge that breaks a cycle. */
  deferred: string[];
  /** The identity ('id') column, when the table has one. */
  identity: string | null;
}

interface Ref {
  table: string;
  column: string;
  target: string;
}

const FK = /^\((\w+)\) -> (\w+)\((\w+)\)$/;

function refsOf(name: string, shape: TableShape): Ref[] {
  return shape.foreignKeys.map((fk) => {
    const m = FK.exec(fk);
    if (!m) throw new Error(`内部错误：表 ${name} 的外键无法解析：${fk}`);
    return { table: name, column: m[1]!, target: m[2]! };
  });
}

/** Kahn's order over the tables; a cycle is broken at a nullable reference (deferred), else it is an error. */
export function movePlan(shapes: Record<string, TableShape> = sqliteShapes()): MoveTable[] {
  const names = Object.keys(shapes).sort();
  const deferred = new Map<string, Set<string>>(names.map((n) => [n, new Set()]));
  let edges: Ref[] = [];
  for (const n of names) {
    for (const r of refsOf(n, shapes[n]!)) {
      if (r.target === n) deferred.get(n)!.add(r.column);
      else edges.push(r);
    }
  }
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < names.length) {
    const ready = names.filter((n) => !placed.has(n) && edges.every((e) => e.table !== n || placed.has(e.target)));
    if (ready.length > 0) {
      for (const n of ready) {
        order.push(n);
        placed.add(n);
      }
      continue;
    }
    // A cycle among the rest: defer one nullable reference inside it (e.g. settlements.request_id).
    const rest = edges.filter((e) => !placed.has(e.table) && !placed.has(e.target));
    const breakable = rest.find((e) => !shapes[e.table]!.columns[e.column]!.notNull);
    if (!breakable) throw new Error(`内部错误：表 ${rest.map((e) => e.table).join('、')} 的外键成环且都不可为空，无法排序`);
    deferred.get(breakable.table)!.add(breakable.column);
    edges = edges.filter((e) => e !== breakable);
  }
  return order.map((name) => {
    const shape = shapes[name]!;
    const columns = Object.keys(shape.columns);
    const money = columns.filter((c) => shape.columns[c]!.sqlType === 'text' && shape.columns[c]!.default === '"0.00"');
    const identity = shape.columns.id?.primary && shape.columns.id.dataType === 'number' ? 'id' : null;
    const late = [...deferred.get(name)!].sort();
    if (late.length > 0 && !identity) throw new Error(`内部错误：表 ${name} 有需后补的外键但没有 id 列`);
    return { name, columns, money, deferred: late, identity };
  });
}
