/**
 * Chinese names of the agency connection's fields (设置 → 经办机构连接, docs/agency.md), for the
 * screen and for refusals. Apart from agencyConnection.ts so that contract.ts can name these
 * fields in its validation errors without importing the API module that imports it.
 */
export const CONNECTION_FIELD_LABEL: Record<string, string> = {
  profile: '接口方式', url: '网关地址', paths: '交易地址表', paasid: '应用编号（paasid）', token: '签名令牌（token）',
  clientId: '客户端编号（clientId）', clientSecret: '客户端密钥（clientSecret）', username: '授权用户名', password: '授权密码',
  sm2PrivateKey: '本机 SM2 私钥', sm2PlatformPublicKey: '平台 SM2 公钥', apikey: '前置机 apikey', extUrl: '桌面扩展接口地址',
  extKey: '桌面扩展接口密钥', recerSysCode: '接收方系统代码', signInMaxAgeMin: '签到有效时长（分钟）', concurrency: '并发交易数',
  clear: '要清除的字段',
};
