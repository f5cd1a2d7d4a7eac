/** An object the differ cannot process however often it retries: runBatch dead-letters it at once. */
export class UndiffableObject extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'UndiffableObject';
  }
}
