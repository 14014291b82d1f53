import { formatInstantCST } from '../../../../shared/dates.ts';

/** One date-time format for the clerk (issue 20 point 7): 'yyyy-MM-dd HH:mm' China Standard Time. */
export const formatTime = formatInstantCST;
