import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../db/officeMarker.ts';
import { movePlan } from '../../db/pg/movePlan.ts';
import { sqliteShapes } from '../../db/pg/shape.ts';

/** The office move's plan (issue 18 point 3) from db/schema.ts, and the URL as it may be shown. */
describe('office move plan', () => {
  const plan = movePlan();

  it('covers every table of db/schema.ts once', () => {
    expect(plan.map((t) => t.name).sort()).toEqual(Object.keys(sqliteShapes()).sort());
  });

  it('puts every referenced table first, except the references filled in afterwards', () => {
    const at = new Map(plan.map((t, i) => [t.name, i]));
    const shapes = sqliteShapes();
    for (const t of plan) {
      for (const fk of shapes[t.name]!.foreignKeys) {
        const [, column, target] = /^\((\w+)\) -> (\w+)\(/.exec(fk)!;
        if (t.deferred.includes(column!)) {
          expect(shapes[t.name]!.columns[column!]!.notNull, `${t.name}.${column}`).toBe(false);
          continue;
        }
        expect(at.get(target!)!, `${t.name}.${column} -> ${target}`).toBeLessThan(at.get(t.name)!);
      }
    }
    // The outpatient refund's cycle and the self-references are the deferred ones.
    expect(plan.find((t) => t.name === 'outpatient_requests')!.deferred).toEqual(['refunds']);
    expect(plan.find((t) => t.name === 'settlements')!.deferred).toEqual(['reversal_of']);
  });

  it('knows the money columns from the money() helper', () => {
    expect(plan.find((t) => t.name === 'settlements')!.money).toContain('fund_pay_sumamt');
    expect(plan.find((t) => t.name === 'fee_lines')!.money).toEqual(['det_item_fee_sumamt']);
    // Amounts kept as the agency returned them are text, not money: summing them is not the move's check.
    expect(plan.find((t) => t.name === 'fee_line_splits')!.money).toEqual([]);
  });

  it('masks the password wherever a URL carries it', () => {
    expect(maskUrl('postgres://it:s%40cret@db:5432/yidi?sslmode=require')).toBe('postgres://it:***@db:5432/yidi?sslmode=require');
    expect(maskUrl('postgres://it@db/yidi?password=s3cret')).toBe('postgres://it@db/yidi?password=***');
    expect(maskUrl('postgres://it@db/yidi')).toBe('postgres://it@db/yidi');
    expect(maskUrl('host=db password=x')).not.toContain('x');
  });
});
