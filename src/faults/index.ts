/**
 * Fault injection for crash tests: when SIGNET_FAULT names a point the process reaches, it kills
 * itself there with SIGKILL, exactly as a power cut or the OOM killer would, so tests can prove
 * recovery from the worst moments of the order path. Unset (always, in production) it does nothing.
 */
export type FaultPoint = 'after-order-submitted' | 'before-order-submitted';

export function faultPoint(point: FaultPoint): void {
  // biome-ignore lint/style/noProcessEnv: the crash-test switch is read where it fires, in every process the tests start
  if (process.env.SIGNET_FAULT === point) process.kill(process.pid, 'SIGKILL');
}
