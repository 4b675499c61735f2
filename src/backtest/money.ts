/**
 * Rounding at the reporting boundary. Inside, money is a full-precision double; a reported
 * amount is rounded once, half away from zero, after toPrecision(15) strips binary noise
 * (so 1.005 × 100 = 100.49999999999999 still rounds to 1.01 as written in decimal).
 */
function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  let scaled = value * 10 ** decimals;
  // Only a value within noise of a half needs the decimal view to decide its direction.
  const fraction = Math.abs(scaled - Math.trunc(scaled));
  if (Math.abs(fraction - 0.5) < 1e-6) scaled = Number(scaled.toPrecision(15));
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  return rounded / 10 ** decimals + 0; // + 0 turns -0 into 0
}

export const roundCents = (value: number) => roundTo(value, 2);
export const roundPrice = (value: number) => roundTo(value, 6);
export const roundRatio = (value: number) => roundTo(value, 6);
export const roundPercent = (value: number) => roundTo(value, 4);
