import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MonthFigure } from '../../../../shared/api/claim.ts';
import { call } from '../../api.ts';

const COLORS = ['#1f5fae', '#1e7f4f', '#9a6700', '#7b3fa0', '#b3261e', '#2c7a8c', '#6b7785'];

/**
 * Monthly fund payments by fund (stacked), and the direct-settlement share of the month's
 * discharges against the 70 % target of 003 (“异地就医住院费用直接结算率达到 70%以上”).
 */
export function ClaimCharts({ tick }: { tick: number }) {
  const [data, setData] = useState<{ months: MonthFigure[]; target: number } | null>(null);
  useEffect(() => {
    call('claim.history', { months: 12 }).then(setData).catch(() => undefined);
  }, [tick]);
  if (!data) return <p className="muted">正在读取月度统计…</p>;
  const funds = new Map<string, string>();
  for (const m of data.months) for (const f of m.funds) funds.set(f.fundPayType, f.name);
  const fundKeys = [...funds.keys()].sort();
  // Numbers for drawing only: the figures shown as text stay decimal strings.
  const bars = data.months.map((m) => ({ month: m.month.slice(2), ...Object.fromEntries(m.funds.map((f) => [f.fundPayType, Number(f.amount)])) }));
  const share = data.months.map((m) => ({ month: m.month.slice(2), 直接结算率: m.share === null ? null : Number(m.share), 出院: m.discharged, 直接结算: m.direct }));
  const latest = [...data.months].reverse().find((m) => m.share !== null);
  return (
    <div className="charts claim-charts">
      <figure className="panel chart" aria-label="各月基金支付">
        <figcaption>各月基金支付（按结算月份，元）</figcaption>
        <ResponsiveContainer width="100%" height={240}>
          <BarChart data={bars} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="month" tick={{ fontSize: 11 }} />
            <YAxis tick={{ fontSize: 11 }} width={70} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {fundKeys.map((k, i) => <Bar key={k} dataKey={k} name={funds.get(k)} stackId="f" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />)}
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <figure className="panel chart" aria-label="直接结算率">
        <figcaption>直接结算率（目标 {data.target}%，003）</figcaption>
        <ResponsiveContainer width="100%" height={200}>
          <LineChart data={share} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="month" tick={{ fontSize: 11 }} />
            <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} width={36} unit="%" />
            <Tooltip />
            <ReferenceLine y={data.target} stroke="#b3261e" strokeDasharray="6 3" label={{ value: `目标 ${data.target}%`, fontSize: 11, fill: '#b3261e', position: 'insideTopLeft' }} />
            <Line type="monotone" dataKey="直接结算率" stroke="#1f5fae" connectNulls isAnimationActive={false} dot />
          </LineChart>
        </ResponsiveContainer>
        <p className="small" data-testid="direct-share">
          {latest
            ? <>{latest.month}：出院 {latest.discharged} 人次，直接结算 {latest.direct} 人次，<strong className={Number(latest.share) >= data.target ? 'ok-text' : 'error'}>{latest.share}%</strong>{Number(latest.share) >= data.target ? '，达到目标' : '，低于目标'}</>
            : '近 12 个月尚无出院记录'}
        </p>
      </figure>
    </div>
  );
}
