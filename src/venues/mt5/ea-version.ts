/**
 * The SignetBridge.mq5 version shipped in examples/mt5 (its EA_VERSION). 1.2 normalises prices,
 * fills by the symbol's mode and acks a failed close with its own reason: an older EA attached
 * still trades, but the operator is told (heartbeat log, `signet doctor`).
 */
export const shippedEaVersion = '1.2.0';

function parts(version: string): number[] {
  return version.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

/** Whether `attached` (the EA's heartbeat ea_version) is older than the version shipped. */
export function eaIsOutdated(attached: string, shipped = shippedEaVersion): boolean {
  const [have, want] = [parts(attached), parts(shipped)];
  for (let index = 0; index < Math.max(have.length, want.length); index += 1) {
    const difference = (have[index] ?? 0) - (want[index] ?? 0);
    if (difference !== 0) return difference < 0;
  }
  return false;
}

export function outdatedEaAdvice(attached: string): string {
  return `SignetBridge ${attached} is attached; ${shippedEaVersion} ships with Signet: copy examples/mt5/SignetBridge.mq5 into MQL5/Experts, compile it and re-attach it`;
}
