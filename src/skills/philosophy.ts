import { readFile } from 'node:fs/promises';
import { SignetError } from '../errors/index.ts';

/**
 * Reads context/philosophy.md, given to every agent. Missing or empty is an error: an agent
 * without its principles must not be asked anything (fail closed).
 */
export async function loadPhilosophy(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SignetError(`cannot read the philosophy file ${file}`, {
      code: 'philosophy_unreadable',
      fault: 'system',
      fix: 'restore context/philosophy.md (it ships with Signet) or point the caller at it',
      cause: error,
      details: { file },
    });
  }
  const trimmed = text.replace(/\r\n?/g, '\n').trim();
  if (trimmed === '')
    throw new SignetError(`the philosophy file ${file} is empty`, {
      code: 'philosophy_empty',
      fault: 'system',
      fix: 'restore context/philosophy.md from the repository',
      details: { file },
    });
  return trimmed;
}
