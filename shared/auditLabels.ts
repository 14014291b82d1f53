/**
 * Chinese names of the audit log's actions and objects (issue 20 point 7): a supervisor reads
 * “结算撤销”, not `settlement.reverse`; the code stays beside it, small, for the IT person.
 */
const ACTIONS: Record<string, string> = {
  'auth.login': '登录', 'auth.logout': '退出登录', 'auth.lockout': '账户锁定', 'identity.check': '身份核验', 'identity.recheck': '联网复核身份',
  'identity.acknowledge': '确认复核变化', 'admission.create': '登记入院', 'admission.change': '入院信息变更', 'admission.cancel': '撤销入院',
  'admission.recheck': '重新判定结算资格', 'admission.attachEmergencyFees': '并入急诊费用', 'pledge.print': '打印外伤承诺书', 'pledge.record': '登记签字承诺书',
  'pledge.supersede': '更正承诺书', 'outsideExam.create': '登记外检单', 'outsideExam.print': '打印外检单', 'fees.import': '导入费用明细',
  'catalogue.import': '导入就医地目录', 'settlement.commit': '出院结算', 'settlement.reverse': '结算撤销', 'settlement.mismatch': '结算结果不一致',
  'settlement.resolveMismatch': '处理结算差异', 'claim.submit': '提交清算申报', 'claim.withdraw': '撤回清算申报', 'deferral.request': '申请延期申报',
  'review.dispute': '审核扣款申诉', 'review.accept': '接受审核扣款', 'sync.resend': '重新发送报文', 'sync.resolve': '被拒报文线下处理',
  'sync.reconcile': '每日对账', 'policies.download.conflict': '政策下载冲突', 'settings.update': '修改设置', 'backup.create': '备份数据库',
  'backup.restore': '恢复数据库', 'recovery.restore': '从备份恢复（恢复页面）', 'system.integrityCheck': '完整性检查', 'audit.export': '导出审计日志',
  'demo.load': '载入演示数据',
};

const ENTITIES: Record<string, string> = {
  admission: '住院登记', audit_log: '审计日志', catalogue: '目录', claim: '清算申报', clerk: '职员', database: '数据库', identity_check: '身份核验记录',
  outbox: '上传报文', outside_exam_slip: '外检单', person: '参保人', reconciliation: '对账', review_deduction: '审核扣款', settings: '设置',
  settlement: '结算', sync: '同步', trauma_pledge: '外伤承诺书', policies: '待遇政策',
};

export function auditActionLabel(action: string): string | null {
  return ACTIONS[action] ?? null;
}

export function auditEntityLabel(entity: string): string | null {
  return ENTITIES[entity] ?? null;
}
