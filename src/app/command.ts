/** What every command module exports: the CLI dispatches argv to `run`. */
export interface Command {
  /** Name as typed (`preflight`, `watchdog`) or the `--mode` value (`backtest`). */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /**
   * Full `--help` text. `argv` is the command's own arguments: with `--strategy FILE` the
   * help of a trading command lists that file's parameters.
   */
  help(argv?: readonly string[]): string | Promise<string>;
  /**
   * Runs the command with the remaining argv (for a `--mode` command, argv without the
   * `--mode X` pair). Resolves to the process exit code. Throws InputError for bad input.
   */
  run(argv: string[]): Promise<number>;
}
