import type { ScreenDef } from '../screens.ts';

/** Screens whose issue has not landed yet say so plainly instead of pretending. */
export function Pending({ screen }: { screen: ScreenDef }) {
  return (
    <section className="screen">
      <h2>{screen.label}</h2>
      <p className="muted">{screen.hint}</p>
      <div className="panel"><p>此功能正在建设中，尚不可用。</p></div>
    </section>
  );
}
