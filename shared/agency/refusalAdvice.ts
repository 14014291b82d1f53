/**
 * What the clerk can do about an agency refusal the desk recognises, with the article that
 * says so. null when the agency's own words are all there is.
 */
export function refusalAdvice(infno: string, message: string): string | null {
  // A real 1101 carries no registration block: the insured region checks it at 2401.
  if (infno === '2401' && /备案/.test(message)) {
    return '参保地平台未查到该患者有效的异地就医备案：请告知患者并协助其补办备案（参保地经办机构窗口，或国家医保服务平台 APP、国家异地就医备案小程序），补办后重新核验身份，再重新发送入院登记。出院结算前完成备案的，可按规定直接结算（004 第二十二条）。';
  }
  return null;
}
