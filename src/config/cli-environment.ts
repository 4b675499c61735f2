/**
 * The environment a CLI route's child process (claude, codex) gets: an allow-list, never our
 * whole environment. The child needs to find itself and its login (PATH, HOME, its config
 * folder), speak the locale, write temp files, go through a proxy, and read its own
 * credentials; it never needs our broker keys, our operator and MT5 tokens or our database
 * URL, so those are not even on the list of names an operator may add.
 */
export type CliRouteKind = 'claude-cli' | 'codex-cli';

/** What every child needs: finding programs and the home folder, locale, temp files, proxies. */
const commonNames = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TZ',
  'LANG',
  'LANGUAGE',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  // Windows: the system folders, the user's profile and how programs are found.
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'APPDATA',
  'LOCALAPPDATA',
  'USERPROFILE',
  'HOMEDRIVE',
  'HOMEPATH',
  'ProgramData',
  'ProgramFiles',
];

/**
 * Each CLI's own variables. Claude Code (code.claude.com/docs/en/env-vars): ANTHROPIC_API_KEY
 * (in -p mode used instead of the subscription whenever set), ANTHROPIC_AUTH_TOKEN,
 * CLAUDE_CODE_OAUTH_TOKEN (`claude setup-token`), ANTHROPIC_BASE_URL, CLAUDE_CONFIG_DIR.
 * Codex (developers.openai.com/codex/environment-variables): CODEX_HOME (config and auth.json),
 * CODEX_SQLITE_HOME, CODEX_API_KEY (exec), CODEX_ACCESS_TOKEN, and OPENAI_API_KEY / OPENAI_BASE_URL
 * for the API-key login.
 */
const ownNames: Record<CliRouteKind, readonly string[]> = {
  'claude-cli': [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'CLAUDE_CODE_OAUTH_TOKEN',
    'ANTHROPIC_BASE_URL',
    'CLAUDE_CONFIG_DIR',
  ],
  'codex-cli': [
    'CODEX_HOME',
    'CODEX_SQLITE_HOME',
    'CODEX_API_KEY',
    'CODEX_ACCESS_TOKEN',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
  ],
};

/** Our own secrets: never handed to a child, not even when an operator lists them in passEnv. */
export function isWithheldEnvName(name: string): boolean {
  return /^(APCA_|ALPACA_|SIGNET_|PG[A-Z])/.test(name.toUpperCase()) || name.toUpperCase() === 'DATABASE_URL';
}

/** The allow-listed environment of a CLI child, from `env` (the process's, read in src/config only). */
export function cliEnvironment(
  kind: CliRouteKind,
  env: NodeJS.ProcessEnv,
  passEnv: readonly string[] = [],
): Record<string, string> {
  // Upper-cased: Windows spells some of them "Path" or "SystemRoot" and matches without case.
  const allowed = new Set([...commonNames, ...ownNames[kind], ...passEnv].map((name) => name.toUpperCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || isWithheldEnvName(name)) continue;
    // The locale comes as LC_ALL, LC_CTYPE, LC_MESSAGES, ...: all of them.
    if (allowed.has(name.toUpperCase()) || /^LC_[A-Z_]+$/.test(name)) out[name] = value;
  }
  return out;
}

/** The same, from this process's environment: what a CLI route spawns its child with. */
export function processCliEnvironment(
  kind: CliRouteKind,
  passEnv: readonly string[] = [],
): Record<string, string> {
  return cliEnvironment(kind, process.env, passEnv);
}
