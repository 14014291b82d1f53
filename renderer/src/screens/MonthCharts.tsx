import { Bar, BarChart, CartesianGrid, Cell, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Dashboard } from '../../../shared/api/index.ts';

const COLORS = ['#1f5fae', '#1e7f4f', '#9a6700', '#7b3fa0', '#b3261e', '#2c7a8c'];

/** The month at a glance: settlements and fund payments per day, and the split by fund. */
export function MonthCharts({ month }: { month: Dashboard['month'] }) {
  // Charts need numbers; these are for drawing only — the figures shown as text stay decimal strings.
  const days = month.days.map((d) => ({ day: d.day.slice(8), 结算人次: d.settlements, 基金支付: Number(d.fund) }));
  const funds = month.byFund.map((f) => ({ name: f.name, value: Number(f.amount), label: f.amount }));
  return (
    <div className="charts">
      <figure className="panel chart" aria-label={`${month.period} 每日结算`}>
        <figcaption>{month.period} 每日结算人次与基金支付（元）</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={days} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" tick={{ fontSize: 11 }} interval={2} />
            <YAxis yAxisId="n" allowDecimals={false} tick={{ fontSize: 11 }} width={32} />
            <YAxis yAxisId="y" orientation="right" tick={{ fontSize: 11 }} width={60} />
            <Tooltip />
            <Bar yAxisId="n" dataKey="结算人次" fill="#1f5fae" isAnimationActive={false} />
            <Bar yAxisId="y" dataKey="基金支付" fill="#9fc3ea" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <figure className="panel chart" aria-label="本月基金支付构成">
        <figcaption>本月基金支付构成</figcaption>
        {funds.length === 0 ? (
          <p className="muted">本月尚无基金支付。</p>
        ) : (
          <>
            <ResponsiveContainer width="100%" height={170}>
              <PieChart>
                <Pie data={funds} dataKey="value" nameKey="name" innerRadius={40} outerRadius={70} isAnimationActive={false}>
                  {funds.map((f, i) => <Cell key={f.name} fill={COLORS[i % COLORS.length]} />)}
                </Pie>
                <Tooltip />
              </PieChart>
            </ResponsiveContainer>
            <ul className="legend">
              {funds.map((f, i) => <li key={f.name}><span style={{ background: COLORS[i % COLORS.length] }} />{f.name} <strong>{f.label}</strong></li>)}
            </ul>
          </>
        )}
      </figure>
    </div>
  );
}
