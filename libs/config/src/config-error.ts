/**
 * A setting that stops the process at start. Its message names the setting and says why; whoever catches it
 * prints the message alone (no stack trace: the fault is in the environment, not in the code).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
