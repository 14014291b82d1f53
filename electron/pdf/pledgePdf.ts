import { z } from 'zod';
import { checkCitizenId, ID_REASON_TEXT, normaliseId } from '../../shared/citizenId.ts';
import { isValidYmd, todayCST } from '../../shared/dates.ts';
import { InputError } from '../../shared/errors.ts';
import { finishDocument, FONT, issueToInputError, labelValueRow, newA4Document, richParagraph, type Segment } from './fonts.ts';

/**
 * 外伤无第三方责任承诺书 (004 第三十八条, 附件8; DOMAIN §5; CLI.md `pledge`): printed pre-filled
 * at admission, signed by the patient or, when the patient cannot sign, by a close relative.
 */

const CITIZEN_ID_TYPE = '居民身份证';
/** Mobile (11 digits from 1) or a landline with area code, as a clerk would type them. */
const PHONE_RE = /^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$/;
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;

const text = (max: number) => z.string().trim().min(1).max(max);

const schema = z.object({
  pledger: z.object({
    name: text(30),
    phone: z.string().trim().regex(PHONE_RE),
    certType: text(20),
    certNo: text(30),
    // null (or absent) when the patient signs personally.
    relationship: text(10).nullable().optional().transform((v) => v ?? null),
  }),
  patient: z.object({ name: text(30), certNo: text(30) }),
  injury: z.object({
    time: z.string().trim().regex(TIME_RE),
    // Limits keep the filled statement inside the one-page form.
    place: text(60),
    account: text(150),
  }),
  agencyName: text(30),
});

export type PledgeInput = z.output<typeof schema>;

/** Chinese names of the fields, for the error messages (CLI.md: the message names the field). */
const LABELS: Record<string, string> = {
  pledger: '承诺人',
  'pledger.name': '承诺人姓名',
  'pledger.phone': '承诺人联系电话',
  'pledger.certType': '承诺人证件类型',
  'pledger.certNo': '承诺人证件号码',
  'pledger.relationship': '承诺人与患者关系',
  patient: '患者',
  'patient.name': '患者姓名',
  'patient.certNo': '患者证件号码',
  injury: '外伤情况',
  'injury.time': '受伤时间',
  'injury.place': '受伤地点',
  'injury.account': '外伤经过',
  agencyName: '医保经办机构名称',
};

const FORMAT_HINTS: Record<string, string> = {
  'pledger.phone': '应为 11 位手机号码或带区号的固定电话',
  'injury.time': '格式应为 YYYY-MM-DDTHH（年-月-日T时，例如 2026-10-01T14）',
};

/** Validates the `pledge` input; throws InputError with a Chinese message and the field's path. */
export function parsePledgeInput(json: unknown): PledgeInput {
  const r = schema.safeParse(json);
  if (!r.success) throw issueToInputError(r.error.issues, json, LABELS, FORMAT_HINTS);
  const input = r.data;

  const m = TIME_RE.exec(input.injury.time);
  const [y, mo, d, h] = m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : [0, 0, 0, -1];
  if (!isValidYmd(y, mo, d) || h < 0 || h > 23) {
    throw new InputError('INVALID_TIME', `受伤时间不是有效的日期和小时：${input.injury.time}`, 'injury.time');
  }
  // An injury cannot be pledged before it happens; the calendar is China Standard Time (shared/dates).
  if (input.injury.time.slice(0, 10) > todayCST()) {
    throw new InputError('INVALID_TIME', `受伤时间不能晚于今天：${input.injury.time}`, 'injury.time');
  }

  if (input.pledger.certType === CITIZEN_ID_TYPE) {
    const id = checkCitizenId(input.pledger.certNo);
    if (!id.valid) throw new InputError('INVALID_ID', `承诺人证件号码无效：${ID_REASON_TEXT[id.reason]}`, 'pledger.certNo');
    input.pledger.certNo = id.number;
  }
  input.patient.certNo = normaliseId(input.patient.certNo);
  // The patient signing personally is the pledger: one person, one number (004 附件8 温馨提示2).
  if (input.pledger.relationship === null && normaliseId(input.pledger.certNo) !== input.patient.certNo) {
    throw new InputError(
      'PLEDGER_NOT_PATIENT',
      '承诺人未填写与患者关系（视为患者本人），但患者证件号码与承诺人证件号码不一致；近亲属代签时请填写与患者关系',
      'pledger.relationship',
    );
  }
  return input;
}

/** '2026-10-01T14' → 2026年10月01日14时 (the form's 年 月 日 时 blanks, filled). */
export function formatInjuryTime(time: string): string {
  return `${time.slice(0, 4)}年${time.slice(5, 7)}月${time.slice(8, 10)}日${time.slice(11, 13)}时`;
}

// A4 portrait in points; the form sits inside 2 cm side margins.
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const PAGE_BOTTOM = PAGE_H - 40;
const LEFT = 60;
const WIDTH = PAGE_W - 2 * LEFT;
const ROW_H = 30;
const LABEL_W = 90;
const PAD = 12;

/** Renders the pledge and reports the page count (always 1 for valid input). */
export async function renderPledge(input: PledgeInput): Promise<{ pdf: Buffer; pages: number }> {
  const doc = newA4Document('外伤无第三方责任承诺书');
  const { pledger, patient, injury, agencyName } = input;
  const byRelative = pledger.relationship !== null;

  doc.font(FONT.bold).fontSize(20).fillColor('black');
  doc.text('外伤无第三方责任承诺书', LEFT, 62, { width: WIDTH, align: 'center', characterSpacing: 2 });

  // Header table: the rows of 附件8 (承诺人 / 联系电话 / 证件类型 / 证件号码 / 承诺事项).
  let y = 112;
  // Rows grow to show a long name whole rather than cut it.
  const grid = { left: LEFT, width: WIDTH, labelW: LABEL_W, rowH: ROW_H };
  y = labelValueRow(doc, grid, y, [['承诺人', pledger.name], ['联系电话', pledger.phone]]);
  y = labelValueRow(doc, grid, y, [['证件类型', pledger.certType], ['证件号码', pledger.certNo]]);
  if (byRelative) {
    // 附件8 温馨提示2: a close relative signs for a patient who cannot; the patient is named too.
    y = labelValueRow(doc, grid, y, [['患者姓名', patient.name], ['患者证件号码', patient.certNo]]);
    y = labelValueRow(doc, grid, y, [['与患者关系', `${pledger.relationship ?? ''}（近亲属代签）`]]);
  }
  y = labelValueRow(doc, grid, y, [['承诺事项', '外伤无第三方责任']]);

  // The statement box: 承诺内容, the 温馨提示 and the signature lines, as on 附件8.
  const boxTop = y;
  const inner = WIDTH - 2 * PAD;
  const x = LEFT + PAD;

  const authorisation: Segment[] = [
    { text: '本人同意授权' },
    { text: agencyName, fill: true },
    {
      text:
        '医保经办机构通过信息共享方式查询本人与办理医保业务相关的信息，承诺所提供材料均为真实合法，' +
        '符合办理业务条件，如伪造材料或以任何方式骗取医疗保险待遇的，本人愿意承担一切后果；同意',
    },
    { text: agencyName, fill: true },
    { text: '医保经办机构将本人虚假行为上报和纳入信用管理体系，并就本次办理业务的其他承诺内容陈述如下：' },
  ];
  // The injured person is the patient; a relative pledging cannot write "本人于…发生" of
  // themselves, so the patient is named in that sentence instead (the rest is 附件8 verbatim).
  const statement: Segment[] = [
    { text: byRelative ? '患者' : '本人' },
    ...(byRelative ? [{ text: patient.name, fill: true }] : []),
    { text: '于' },
    { text: formatInjuryTime(injury.time), fill: true },
    { text: '在' },
    { text: injury.place, fill: true },
    { text: '（地点）发生' },
    { text: injury.account, fill: true },
    {
      text:
        '（外伤经过）。现承诺本次意外受伤与第三方责任或工伤责任无关，如与第三方责任或工伤责任有关，' +
        '则将已享受的医保待遇全额退回医保，并承担相应的法律责任。',
    },
  ];
  const warning: Segment[] = [
    { text: '1.反欺诈法律提示：', bold: true },
    {
      text:
        '以虚构劳动关系、伪造证明材料或者其他手段骗取基本医疗保险待遇和生育保险待遇的，' +
        '属于刑法第二百六十六条规定的诈骗公私财物的行为，将依法追究刑事责任。',
    },
  ];
  const signing: Segment[] = [
    { text: '2.此表可现场填写，由承诺人本人手写签名，患者本人无法签字的由其近亲属代签，并填写身份证号码和联系方式。' },
  ];

  // The longest inputs the schema allows need more lines; the body shrinks a step at a time
  // until the whole box, signature lines included, ends above the bottom margin.
  const SIGN_BLOCK = 124;
  const measure = (segments: Segment[], size: number, lineGap: number, indent: number): number => {
    doc.font(FONT.regular).fontSize(size);
    return doc.heightOfString(segments.map((s) => s.text).join(''), { width: inner, lineGap, indent });
  };
  const sizes = [12, 11.5, 11, 10.5, 10, 9.5, 9];
  let body = { size: 12, lineGap: 7, indent: 24 };
  let note = { size: 10.5, lineGap: 4, indent: 21 };
  for (const size of sizes) {
    body = { size, lineGap: Math.round(size * 0.55), indent: size * 2 };
    note = { size: Math.min(10.5, size - 1), lineGap: 4, indent: Math.min(10.5, size - 1) * 2 };
    const height =
      PAD + 24 + measure(authorisation, body.size, body.lineGap, body.indent) + 8 + measure(statement, body.size, body.lineGap, body.indent) +
      16 + 20 + measure(warning, note.size, note.lineGap, note.indent) + 4 + measure(signing, note.size, note.lineGap, note.indent) + SIGN_BLOCK;
    if (boxTop + height <= PAGE_BOTTOM) break;
  }

  y += PAD;
  doc.font(FONT.bold).fontSize(12);
  doc.text('承诺内容：', x, y, { width: inner });
  y = doc.y + 6;
  y = richParagraph(doc, authorisation, x, y, inner, body) + 8;
  y = richParagraph(doc, statement, x, y, inner, body) + 16;

  doc.font(FONT.bold).fontSize(11).text('温馨提示：', x, y, { width: inner });
  y = doc.y + 4;
  y = richParagraph(doc, warning, x, y, inner, note) + 4;
  y = richParagraph(doc, signing, x, y, inner, note) + 40;

  // Signature and date are left blank for the pen (附件8: 承诺人（签名）/ 日期：年 月 日).
  const sigX = LEFT + WIDTH / 2 - 10;
  doc.font(FONT.regular).fontSize(12);
  doc.text('承诺人（签名）：', sigX, y, { lineBreak: false });
  const lineStart = sigX + doc.widthOfString('承诺人（签名）：');
  doc.moveTo(lineStart, y + 16).lineTo(LEFT + WIDTH - PAD, y + 16).lineWidth(0.6).stroke();
  if (byRelative) {
    doc.fontSize(9).fillColor('#444444');
    doc.text(`（近亲属代签，与患者关系：${pledger.relationship ?? ''}）`, sigX, y + 22, { lineBreak: false });
    doc.fillColor('black');
  }
  y += 44;
  doc.fontSize(12).text('日期：          年        月        日', sigX, y, { lineBreak: false });
  y += 40;

  doc.lineWidth(0.8).rect(LEFT, boxTop, WIDTH, y - boxTop).stroke();
  // A form whose signature line fell off the page must not be printed (nor a second page).
  if (y > PAGE_H || doc.bufferedPageRange().count !== 1) throw new Error('承诺书内容超出一页，请缩短外伤经过或地点');

  return finishDocument(doc);
}

/** CLI.md `pledge`: the PDF bytes of the pre-filled form. */
export async function renderPledgePdf(input: PledgeInput): Promise<Buffer> {
  return (await renderPledge(input)).pdf;
}
