/**
 * The policy of CLI.md `settle` (employees, Wuhan, 2026) as the contract prints it, for every test
 * that feeds the settle, slip or pledge commands. A fresh copy each call: tests change it.
 */
interface Band {
  upTo: string | null;
  ratio: string;
}

export function cliSettlePolicy() {
  return {
    version: '420100-310-2026-1', scheme: '310',
    deductible: { '1': '300.00', '2': '600.00', '3': '900.00' },
    repeatDeductibleFactor: '0.5',
    bands: {
      '1': [{ upTo: null, ratio: '0.90' }] as Band[],
      '2': [{ upTo: null, ratio: '0.85' }] as Band[],
      '3': [{ upTo: '10000.00', ratio: '0.80' }, { upTo: null, ratio: '0.85' }] as Band[],
    },
    reduction: { longTerm: '0', referral: '0.10', emergency: '0.10', otherTemporary: '0.20', unregistered: '0.30' },
    annualCap: '300000.00',
    poolFundType: '310100',
    supplementary: { fundType: '330100', ratio: '0.85', annualCap: '400000.00' },
    civilServantRatio: '0.50',
  };
}

/** The whole `settle` input of CLI.md: one B-class line, all of it under the deductible. A fresh copy each call. */
export function cliSettleInput() {
  return {
    policy: cliSettlePolicy(),
    hospitalLevel: 3,
    group: 'referral',
    priorAdmissionsThisYear: 0,
    poolPaidThisYear: '0.00',
    supplementaryPaidThisYear: '0.00',
    civilServant: false,
    useAccount: false,
    accountBalance: '0.00',
    fees: [{ sn: '1', code: 'XA01', name: '头孢呋辛', class: 'B', qty: '10', price: '12.50', amount: '125.00', selfPayRatio: '0.10' as string | null, limitPrice: null as string | null }],
  };
}
