/**
 * The real-data tier of the tests. The real BTCUSDT candles may not be redistributed with
 * the repository, so they live in a folder beside it: `LAPTOP_AGENTS_DATA` when set (a
 * relative value is taken from the current folder), else `../shared/data` from the
 * repository root. A test declared with `realDataTest` runs when that folder exists; when
 * it does not, the test is ignored and one line says where the data was looked for, unless
 * `REQUIRE_REAL_DATA=1`, which turns a missing folder into a failure (CI sets it).
 * Every property a real-data test guards also has a test on generated candles that always
 * runs (see `_synthetic_data.ts`).
 */
import { isAbsolute, resolve } from "node:path";

/** Environment variable naming the real data folder. */
export const REAL_DATA_ENV = "LAPTOP_AGENTS_DATA";
/** Environment variable that, set to `1`, makes a missing real data folder a test failure. */
export const REQUIRE_REAL_DATA_ENV = "REQUIRE_REAL_DATA";
/** Prefix of every real-data test name: `deno test --filter "/^real data: /"` runs the tier. */
export const REAL_DATA_PREFIX = "real data: ";
/** The real 5m file: 52,416 candles, 2024-01-01..06-30, no gaps. */
export const REAL_5M = "BTCUSDT-5m-2024-01-01_2024-06-30.csv.gz";
/** The real 1h file: 58,419 candles, 2017-08-17..2024-04-21, 28 gaps. */
export const REAL_1H = "BTCUSDT-1h-2017-08-17_2024-04-21.csv.gz";

/**
 * Set (to the folder) once the skip line was printed: test modules run in separate realms
 * of one process, which share only its environment.
 */
export const SKIP_NOTICE_ENV = "LAPTOP_AGENTS_DATA_NOTICE";

/**
 * The real data folder (absolute) for a value of `LAPTOP_AGENTS_DATA`: that value when not
 * empty, else `../shared/data` beside the repository root.
 */
export function resolveRealDataDir(env: string | undefined): string {
  if (env !== undefined && env.trim() !== "") {
    return isAbsolute(env) ? resolve(env) : resolve(Deno.cwd(), env);
  }
  return resolve(new URL("..", import.meta.url).pathname, "../shared/data");
}

/** The real data folder of this process's environment. */
export function realDataDir(): string {
  return resolveRealDataDir(Deno.env.get(REAL_DATA_ENV));
}

/** True when `dir` is an existing folder. */
export function isDataDir(dir: string): boolean {
  try {
    return Deno.statSync(dir).isDirectory;
  } catch {
    return false;
  }
}

/** The one line printed when the tier is skipped. */
export function skipLine(dir: string): string {
  return `real-data tier skipped: no data at ${dir} (set ${REAL_DATA_ENV})`;
}

/** The failure of a real-data test when the folder is missing and `REQUIRE_REAL_DATA=1`. */
export function requiredLine(dir: string): string {
  return `real-data tier required (${REQUIRE_REAL_DATA_ENV}=1) but no data at ${dir} (set ${REAL_DATA_ENV})`;
}

/** True when `REQUIRE_REAL_DATA=1`. */
export function realDataRequired(): boolean {
  return Deno.env.get(REQUIRE_REAL_DATA_ENV) === "1";
}

const DIR = realDataDir();
const PRESENT = isDataDir(DIR);

/** Absolute path of `file` in the real data folder (which may be missing). */
export function realDataPath(file: string): string {
  return `${DIR}/${file}`;
}

/**
 * Declares a real-data test, named `real data: <name>`. Runs when the data folder exists;
 * otherwise it is ignored (first time: one line naming the folder looked for), or fails
 * with that line when `REQUIRE_REAL_DATA=1`. With `ignore: true` it is ignored whatever
 * the data (e.g. `SKIP_BROWSER_TESTS=1`), and reported as ignored, not as passed.
 */
export function realDataTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
  opts: { readonly ignore?: boolean } = {},
): void {
  const required = realDataRequired();
  if (opts.ignore === true) {
    Deno.test({ name: REAL_DATA_PREFIX + name, ignore: true, fn });
    return;
  }
  if (!PRESENT && !required && Deno.env.get(SKIP_NOTICE_ENV) !== DIR) {
    Deno.env.set(SKIP_NOTICE_ENV, DIR);
    console.log(skipLine(DIR));
  }
  Deno.test({
    name: REAL_DATA_PREFIX + name,
    ignore: !PRESENT && !required,
    fn: PRESENT ? fn : () => {
      throw new Error(requiredLine(DIR));
    },
  });
}
