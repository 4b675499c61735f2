import { readFileSync } from 'node:fs';

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

/**
 * A token from a file or standard input, never from a command-line argument (other users see
 * those in `ps`); undefined when neither is given.
 */
export async function readTokenInput(options: {
  file?: string | undefined;
  stdin?: boolean | undefined;
}): Promise<string | undefined> {
  if (options.file) return readFileSync(options.file, 'utf8').trim();
  if (options.stdin) return (await readAll(process.stdin)).trim();
  return undefined;
}
