/**
 * Bad input from outside (flag, config, env, CSV, replay file, request). The CLI prints
 * the message as one line and exits with code 2; no stack trace is shown.
 */
export class InputError extends Error {
  /** @param input what was wrong, e.g. `--max-leverage` or `data.csv line 12` */
  constructor(readonly input: string, readonly expected: string) {
    super(`Invalid ${input}: ${expected}`);
    this.name = "InputError";
  }
}

/** True when `e` is an InputError (works across module copies in bundles). */
export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && e.name === "InputError";
}

/**
 * An order stopped by the agent's own last check right before it would have left for the
 * venue (kill switch, halted trading): nothing was sent. The message is the reason.
 */
export class OrderRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OrderRefusedError";
  }
}

/** True when `e` is an OrderRefusedError (works across module copies in bundles). */
export function isOrderRefused(e: unknown): e is OrderRefusedError {
  return e instanceof Error && e.name === "OrderRefusedError";
}
