import { checkCitizenId } from '../../../shared/citizenId.ts';
import { InputError } from '../../../shared/errors.ts';
import type { Command } from '../main.ts';

/** CLI.md `check-id <number>`: the answer is the validation, so an invalid number still exits 0. */
const checkId: Command = async ({ args }) => {
  const raw = args[0];
  if (raw === undefined) throw new InputError('MISSING_ARGUMENT', '请提供要核验的身份证号码', 'number');
  if (args.length > 1) throw new InputError('UNKNOWN_OPTION', `check-id 只接受一个身份证号码，多余的参数：${args.slice(1).join(' ').slice(0, 80)}`, 'args');
  const r = checkCitizenId(raw);
  return r.valid ? { valid: true, birthDate: r.birthDate, sex: r.sex, region: r.region } : { valid: false, reason: r.reason };
};
export default checkId;
