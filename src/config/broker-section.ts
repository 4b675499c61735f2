import { z } from 'zod';
import { defaultVenueKind, venueConfigs, venueKinds, venueSections } from '../venues/config-sections.ts';
import { checkTokenLength, Secret } from './secret.ts';

/**
 * The `broker` section of signet.yaml: `kind` picks the venue, and each venue with settings has
 * its own key (`broker.<kind>`). The venues own those schemas (src/venues/<kind>/config-section.ts);
 * they are composed here so the whole file is still validated at load, every bad key named. Keys
 * and tokens are not part of the file: the venues name the environment variables, and they are
 * read here (see `readBrokerSecrets`).
 */
type Sections = typeof venueSections;

function withDefaults(sections: Sections): { [Kind in keyof Sections]: z.ZodDefault<Sections[Kind]> } {
  return Object.fromEntries(
    Object.entries(sections).map(([kind, schema]: [string, z.ZodObject]) => [
      kind,
      schema.default(schema.parse({})),
    ]),
  ) as { [Kind in keyof Sections]: z.ZodDefault<Sections[Kind]> };
}

export const brokerSectionSchema = z
  .object({
    kind: z.enum(venueKinds).default(defaultVenueKind),
    ...withDefaults(venueSections),
  })
  .strict();

export type BrokerSection = z.infer<typeof brokerSectionSchema>;

/** The venues' secrets, by the name each venue reads them under (e.g. its API key id). */
export type BrokerSecrets = Readonly<Record<string, Secret | undefined>>;

function read(env: NodeJS.ProcessEnv, name: string): Secret | undefined {
  const value = env[name]?.trim();
  return value ? new Secret(value) : undefined;
}

export function readBrokerSecrets(env: NodeJS.ProcessEnv, section: BrokerSection): BrokerSecrets {
  const secrets: Record<string, Secret | undefined> = {};
  for (const [kind, venue] of Object.entries(venueConfigs)) {
    const raw: unknown = Object.entries(section).find(([key]) => key === kind)?.[1];
    for (const [name, variable] of Object.entries(venue.secretEnv(raw))) {
      const value = read(env, variable);
      if (value && venue.sharedTokens.includes(name)) checkTokenLength(variable, value);
      secrets[name] = value;
    }
  }
  return secrets;
}

/**
 * The watchdog's own copies of the venues' secrets (SIGNET_WATCHDOG_*): for each venue all of
 * them or none; a half-set pair is refused by naming the missing variable.
 */
export function readWatchdogBrokerSecrets(env: NodeJS.ProcessEnv): {
  secrets: BrokerSecrets;
  missing?: { variable: string; others: string[] };
} {
  const secrets: Record<string, Secret | undefined> = {};
  for (const venue of Object.values(venueConfigs)) {
    const entries = Object.entries(venue.watchdogSecretEnv);
    const values = entries.map(([name, variable]) => [name, variable, read(env, variable)] as const);
    const set = values.filter(([, , value]) => value !== undefined);
    if (set.length > 0 && set.length < values.length) {
      const variable = values.find(([, , value]) => value === undefined)?.[1] ?? '';
      return { secrets, missing: { variable, others: set.map(([, other]) => other) } };
    }
    for (const [name, , value] of values) if (value) secrets[name] = value;
  }
  return { secrets };
}
