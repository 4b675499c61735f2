export { guardContamination, journalContamination } from './guard.ts';
