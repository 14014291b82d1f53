import type { ReactElement } from 'react';
import type { DeskStatus, SessionInfo } from '../../shared/api/index.ts';
import { Admission } from './screens/Admission.tsx';
import { Claim } from './screens/Claim.tsx';
import { Home } from './screens/Home.tsx';
import { Identity } from './screens/Identity.tsx';
import { Outpatient } from './screens/Outpatient.tsx';
import { Settings } from './screens/Settings.tsx';
import { Settlement } from './screens/Settlement.tsx';
import { Sync } from './screens/Sync.tsx';

export interface ScreenProps {
  session: SessionInfo;
  status: DeskStatus | null;
  go: (id: string) => void;
}

/** Screen id → component. A screen not listed here shows the "not yet available" panel. */
export const ROUTES: Record<string, (p: ScreenProps) => ReactElement> = {
  home: (p) => <Home {...p} />,
  admission: (p) => <Admission {...p} />,
  claim: (p) => <Claim {...p} />,
  identity: (p) => <Identity {...p} />,
  outpatient: (p) => <Outpatient {...p} />,
  settings: (p) => <Settings {...p} />,
  settlement: (p) => <Settlement {...p} />,
  sync: (p) => <Sync {...p} />,
};
