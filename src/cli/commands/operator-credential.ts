import type { Command } from 'commander';
import { Secret } from '../../config/index.ts';
import {
  credentialFileFor,
  readCredential,
  rotateOperatorCredential,
  setUpOperatorCredential,
} from '../../credential/index.ts';
import type { CliContext } from '../context.ts';
import { readTokenInput } from './token-input.ts';

/**
 * `signet operator set-up | rotate-token | show`: the credential `signet resume` and the API's
 * resume verify against. Set-up works once (the brain's first start does it too); replacing it
 * needs the token in force.
 */
export function registerOperatorCommands(program: Command, context: CliContext): void {
  const group = program
    .command('operator')
    .description('the operator credential that resume verifies (set up once, rotated with the old token)');

  const credentialStore = async () => {
    const config = context.config();
    return { db: await context.store(), file: credentialFileFor(config.dataPath) };
  };

  group
    .command('set-up')
    .description('store a salted hash of the operator token, when none is set up yet')
    .option('--label <name>', 'who the token belongs to, recorded on every resume', 'operator')
    .option('--token-file <file>', 'file holding the token (default: SIGNET_OPERATOR_TOKEN)')
    .option('--token-stdin', 'read the token from standard input')
    .action(async (options: { label: string; tokenFile?: string; tokenStdin?: boolean }) => {
      const given = await readTokenInput({ file: options.tokenFile, stdin: options.tokenStdin });
      const token = given === undefined ? context.config().secrets.operatorToken : new Secret(given);
      if (!token)
        throw new Error('no token: pass --token-file or --token-stdin, or export SIGNET_OPERATOR_TOKEN');
      const store = await credentialStore();
      const outcome = await setUpOperatorCredential(store, token, options.label);
      if (outcome.status === 'differs')
        throw new Error(
          `an operator credential (${outcome.label}) is set up already and this token is not it: use \`signet operator rotate-token\` with the token in force`,
        );
      context.out(
        outcome.status === 'created'
          ? `operator credential set up for ${outcome.label} (database and ${store.file}, mode 600)`
          : `operator credential for ${outcome.label} already set up; this token matches it`,
      );
    });

  group
    .command('rotate-token')
    .description('replace the operator token: needs the token in force and the new one')
    .requiredOption('--old-token-file <file>', 'file holding the token in force')
    .requiredOption('--new-token-file <file>', 'file holding the new token (at least 24 characters)')
    .option('--label <name>', 'a new label (default: keep the current one)')
    .action(async (options: { oldTokenFile: string; newTokenFile: string; label?: string }) => {
      const oldToken = (await readTokenInput({ file: options.oldTokenFile })) ?? '';
      const newToken = (await readTokenInput({ file: options.newTokenFile })) ?? '';
      const { label } = await rotateOperatorCredential(await credentialStore(), {
        oldToken,
        newToken,
        ...(options.label === undefined ? {} : { label: options.label }),
      });
      context.out(
        `operator token rotated (${label}); restart the brain with the new SIGNET_OPERATOR_TOKEN: it refuses to start with the old one`,
      );
    });

  group
    .command('show')
    .description('who the credential belongs to and when it was set up (never the hash)')
    .action(async () => {
      const record = await readCredential(await credentialStore());
      context.out(
        `operator credential: ${record.label}, set up ${record.createdAt}, scrypt N=${record.cost}`,
      );
    });
}
