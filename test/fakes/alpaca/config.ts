import { type Config, loadConfig } from '../../../src/config/index.ts';
import type { AlpacaFake } from './server.ts';

/**
 * A configuration trading on this fake: its key pair, its REST, stream and data URLs, the
 * symbols. broker.kind alpaca brings the alpaca feed and market mode with it, as in a real file.
 */
export function alpacaFakeConfig(fake: AlpacaFake, symbols: string[]): Config {
  return loadConfig({
    env: { APCA_API_KEY_ID: fake.keyId, APCA_API_SECRET_KEY: fake.secretKey },
    file: '/dev/null',
    overrides: {
      broker: {
        kind: 'alpaca',
        alpaca: { tradingUrl: fake.baseUrl, streamUrl: fake.streamUrl, dataUrl: fake.baseUrl, symbols },
      },
    } as never,
  });
}
