// What every `openfold-argo` subcommand module exports as `command`: its one-line summary and its runner.
// A module of its own so that the commands and main.ts (which loads them) do not import each other.

export interface Command {
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}
