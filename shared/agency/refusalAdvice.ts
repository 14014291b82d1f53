/**
 * What the clerk can do about an agency refusal the desk recognises, with the article that
 * says so. null when the agency's own words are all there is.
 */
export function refusalAdvice(infno: string, message: string): string | null {
  // A real 1101 carries no registration: the agency checks it at 2401 (docs/agency.md).
  if (infno === '2401' && /备案/.test(message)) {
    return '参保地平台未查到该患者有效的异地就医备案：请告知患者并协助其补办备案（参保地经办机构窗口，或国家医保服务平台 APP、国家异地就医备案小程序），补办后重新核验身份，再重新发送入院登记。出院结算前完成备案的，可按规定直接结算（004 第二十二条）。';
  }
  if (/冲正（2601/.test(message)) {
    return '上一次发送的结果未知，冲正又被拒绝：请与经办机构核实原报文是否已生效。已生效的，由主管“标记已处理”并注明；未生效的，可重新发送（将使用新的报文ID）。';
  }
  if (/签到/.test(message)) return '操作员签到失效：系统已自动重新签到一次仍未成功，请在“设置 → 经办机构连接”中点“测试连接”检查签到。';
  return null;
}
