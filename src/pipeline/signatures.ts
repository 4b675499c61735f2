import type { SignerOutcome } from '../agents/index.ts';
import type { Signature } from '../bus/index.ts';

export interface SignerResult {
  signature: Signature;
  /** Skill name and version, route and model when an LLM signed. */
  meta: Record<string, string | null>;
}

/** Resolves with the signer's answer, or rejects after `timeoutMs`. */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Turns an agent signer's outcome (or its error or timeout) into a signature. Anything but a
 * clear "sign" is a veto: an error, a timeout or an invalid answer never counts as consent.
 */
export async function agentSignature(
  signer: string,
  work: Promise<SignerOutcome>,
  timeoutMs: number,
  at: () => string,
): Promise<SignerResult> {
  try {
    const outcome = await withTimeout(work, timeoutMs, signer);
    if (!outcome.ok) {
      return {
        signature: {
          signer,
          verdict: 'veto',
          reasons: [`${signer} failed: ${outcome.reason}`],
          decidedBy: 'code',
          at: at(),
        },
        meta: {
          skill: outcome.skill ? `${outcome.skill.name}@${outcome.skill.version}` : null,
          route: null,
          model: null,
          error: outcome.code,
        },
      };
    }
    if (outcome.decidedBy === 'code')
      return {
        signature: {
          signer,
          verdict: outcome.value.verdict,
          reasons: outcome.value.reasons,
          decidedBy: 'code',
          at: at(),
        },
        meta: { skill: null, route: null, model: null, error: null },
      };
    const reasons =
      outcome.decidedBy === 'fallback' && outcome.fallbackReason
        ? [...outcome.value.reasons, `(fallback: ${outcome.fallbackReason})`]
        : outcome.value.reasons;
    return {
      signature: { signer, verdict: outcome.value.verdict, reasons, decidedBy: outcome.decidedBy, at: at() },
      meta: {
        skill: `${outcome.skill.name}@${outcome.skill.version}`,
        route: outcome.route,
        model: outcome.model,
        error: null,
      },
    };
  } catch (error) {
    return {
      signature: {
        signer,
        verdict: 'veto',
        reasons: [(error as Error).message],
        decidedBy: 'code',
        at: at(),
      },
      meta: { skill: null, route: null, model: null, error: 'timeout_or_error' },
    };
  }
}

export function allSigned(signatures: readonly Signature[], required: readonly string[]): boolean {
  return required.every((signer) =>
    signatures.some((signature) => signature.signer === signer && signature.verdict === 'sign'),
  );
}
