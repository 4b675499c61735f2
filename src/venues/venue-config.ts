import type { z } from 'zod';

/**
 * What a venue contributes to `signet.yaml` and the environment. These files import only zod:
 * `src/config` composes them into the one schema it validates (so every bad key is named at load,
 * with the same messages as before), and reads the secrets they name (secrets are read in
 * `src/config` only). The rest of the adapter sits above config and lives in the venue's index.
 */
export interface VenueConfig<Section extends z.ZodObject | undefined = z.ZodObject | undefined> {
  /** The schema of `broker.<kind>`; undefined when the venue has no settings of its own. */
  readonly section: Section;
  /** What `broker.kind: <kind>` implies when the file does not say: the feed and the schedule mode. */
  readonly defaults: { readonly feed: string; readonly mode: 'sim' | 'market' };
  /**
   * The environment variables holding the venue's secrets, by the name code reads them under
   * (`config.secrets.broker.<name>`), given the raw `broker.<kind>` value (a section may name
   * its own variable).
   */
  secretEnv(section: unknown): Readonly<Record<string, string>>;
  /**
   * The watchdog's own copies of those secrets (all of them or none), by the same names, so it
   * can still flatten when the brain's credentials are revoked.
   */
  readonly watchdogSecretEnv: Readonly<Record<string, string>>;
  /**
   * Which of those secrets are shared tokens Signet and its counterpart agree on (the EA's): the
   * configuration refuses one shorter than the minimum token length, naming its variable.
   */
  readonly sharedTokens: readonly string[];
}

/** A venue's config with its secret names typed by its own section. */
export function defineVenueConfig<Section extends z.ZodObject>(spec: {
  section: Section;
  defaults: VenueConfig['defaults'];
  secretEnv(section: z.output<Section>): Readonly<Record<string, string>>;
  watchdogSecretEnv?: Readonly<Record<string, string>>;
  sharedTokens?: readonly string[];
}): VenueConfig<Section> {
  return {
    section: spec.section,
    defaults: spec.defaults,
    // The loader hands over the raw value: parsing it again (already validated) types it.
    secretEnv: (raw) => spec.secretEnv(spec.section.parse(raw ?? {})),
    watchdogSecretEnv: spec.watchdogSecretEnv ?? {},
    sharedTokens: spec.sharedTokens ?? [],
  };
}
