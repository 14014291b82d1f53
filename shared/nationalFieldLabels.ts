/**
 * Chinese names of the national message fields (reference/national-interface.md §2), for showing
 * a clerk what changed between a refused message and its corrected replacement (issue 21 point 3).
 * A field not listed here is shown by its national name only.
 */
const LABELS: Record<string, string> = {
  psn_no: '人员编号', insutype: '险种类型', begntime: '开始时间', endtime: '结束时间', mdtrt_cert_type: '就诊凭证类型', mdtrt_cert_no: '就诊凭证编号',
  med_type: '医疗类别', ipt_no: '住院号', atddr_no: '主治医生编码', chfpdr_name: '主诊医师姓名', adm_diag_dscr: '入院诊断描述', adm_dept_codg: '入院科室编码',
  adm_dept_name: '入院科室名称', adm_bed: '入院床位', dscg_maindiag_code: '住院主诊断代码', dscg_maindiag_name: '住院主诊断名称', insuplc_admdvs: '参保地医保区划',
  mdtrtarea_admvs: '就医地医保区划', trum_flag: '外伤标志', rel_ttp_flag: '涉及第三方标志', adm_way: '入院方式', mdtrt_id: '就诊ID', diag_code: '诊断代码',
  diag_name: '诊断名称', diag_dept: '诊断科室', dise_dor_no: '诊断医生编码', dise_dor_name: '诊断医生姓名', diag_time: '诊断时间', feedetl_sn: '费用明细流水号',
  fee_ocur_time: '费用发生时间', med_list_codg: '医疗目录编码', medins_list_codg: '医药机构目录编码', cnt: '数量', pric: '单价', det_item_fee_sumamt: '明细项目费用总额',
  bilg_dept_codg: '开单科室编码', bilg_dept_name: '开单科室名称', bilg_dr_codg: '开单医生编码', bilg_dr_name: '开单医生姓名', dscg_way: '离院方式',
  medfee_sumamt: '医疗费总额', setl_id: '结算ID', dscg_time: '出院时间', dscg_dept_codg: '出院科室编码', dscg_dept_name: '出院科室名称',
};

/** "入院床位（mdtrtinfo.adm_bed）" for a change path such as `mdtrtinfo.adm_bed` or `diseinfo.0.diag_code`. */
export function nationalFieldLabel(path: string): string {
  const last = path.split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? path;
  const label = LABELS[last];
  return label ? `${label}（${path}）` : path;
}
