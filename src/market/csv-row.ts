import { z } from 'zod';
import { parseDateText } from './csv-date.ts';

/**
 * The rules a CSV row must satisfy, as a zod schema: the specification, and the source of the
 * error message. The parser's fast path (csv.ts) checks the same rules without allocating;
 * when it finds a problem it asks this schema which field is wrong and why (csv-row.test.ts
 * keeps the two in agreement).
 */
const numberText = (field: string) =>
  z
    .string()
    .refine((text) => text.trim().length > 0, `${field} is empty`)
    .transform((text) => Number(text))
    .refine((value) => Number.isFinite(value), `${field} is not a number`);

const priceText = (field: string) =>
  numberText(field).refine((value) => value > 0, `${field} must be positive`);

export const csvRowSchema = z
  .object({
    date: z
      .string()
      .refine((text) => parseDateText(text, 0, text.length) !== null, 'Date is not a valid YYYY-MM-DD date'),
    open: priceText('Open'),
    high: priceText('High'),
    low: priceText('Low'),
    close: priceText('Close'),
    adjClose: priceText('Adj Close').optional(),
    volume: numberText('Volume').refine((value) => value >= 0, 'Volume is negative'),
  })
  .superRefine((row, context) => {
    if (row.high < row.low) {
      context.addIssue({
        code: 'custom',
        path: ['high'],
        message: `High ${row.high} is below Low ${row.low}`,
      });
      return;
    }
    if (row.open < row.low || row.open > row.high)
      context.addIssue({
        code: 'custom',
        path: ['open'],
        message: `Open ${row.open} is outside [Low, High]`,
      });
    if (row.close < row.low || row.close > row.high)
      context.addIssue({
        code: 'custom',
        path: ['close'],
        message: `Close ${row.close} is outside [Low, High]`,
      });
  });

export type CsvRowText = z.input<typeof csvRowSchema>;

/** Column names as printed in error messages. */
export const fieldLabels: Record<string, string> = {
  date: 'Date',
  open: 'Open',
  high: 'High',
  low: 'Low',
  close: 'Close',
  adjClose: 'Adj Close',
  volume: 'Volume',
};
