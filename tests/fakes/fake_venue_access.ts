/**
 * How tests reach the fake Bitunix: REST clients and the environment a CLI run reads.
 *
 * @module
 */
import {
  BitunixRestClient,
  type BitunixRestOptions,
} from "../../src/exchange/bitunix/rest_client.ts";
import type { FakeBitunix } from "./fake_bitunix.ts";

/** A REST client on the fake that never sleeps between retries and has no client-side rate limit. */
export function instantClient(
  fake: FakeBitunix,
  over: Partial<BitunixRestOptions> = {},
): BitunixRestClient {
  return new BitunixRestClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    sleep: () => Promise.resolve(),
    rateLimit: false,
    ...over,
  });
}

/** Environment variables that point a CLI run at the fake venue (URLs and keys). */
export function fakeVenueEnv(fake: FakeBitunix): Record<string, string> {
  return {
    BITUNIX_BASE_URL: fake.baseUrl,
    BITUNIX_WS_URL: fake.wsUrl,
    BITUNIX_API_KEY: fake.apiKey,
    BITUNIX_API_SECRET: fake.apiSecret,
  };
}
