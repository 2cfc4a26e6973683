/** Why the daemon could not start, with the exit status it maps to (sysexits.h). */

export type StartupProblem = 'interface-missing' | 'no-source-address' | 'capability' | 'network';

const EXIT: Readonly<Record<StartupProblem, number>> = {
  'interface-missing': 69, // EX_UNAVAILABLE: systemd retries, and boot races resolve themselves
  'no-source-address': 69,
  capability: 77, // EX_NOPERM
  network: 71, // EX_OSERR
};

export class StartupError extends Error {
  readonly exitCode: number;

  constructor(
    readonly problem: StartupProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
    this.exitCode = EXIT[problem];
  }
}
