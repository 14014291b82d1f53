/** The desk's screens with their function keys, as desk software has them. */
export interface ScreenDef {
  id: string;
  label: string;
  key: string;
  hint: string;
}

export const SCREENS: ScreenDef[] = [
  { id: 'home', label: '首页', key: 'F1', hint: '今日概况与待办' },
  { id: 'identity', label: '身份核验', key: 'F2', hint: '读卡 / 扫码核验身份与备案' },
  { id: 'admission', label: '入院登记', key: 'F3', hint: '登记入院、外伤承诺书' },
  { id: 'settlement', label: '结算', key: 'F4', hint: '费用导入、预结算、出院结算、打印结算单' },
  { id: 'outpatient', label: '门诊结算', key: 'F5', hint: '门诊挂号、费用、预结算、结算、退费、打印' },
  { id: 'claim', label: '月度申报', key: 'F6', hint: '清算申报、延期申报、审核扣款' },
  { id: 'sync', label: '同步', key: 'F7', hint: '上传队列、下载、对账' },
  { id: 'settings', label: '设置', key: 'F9', hint: '机构、经办机构、备份与完整性检查' },
];
