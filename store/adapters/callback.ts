/** A node-style callback as session middleware passes them: an error, or null and a result. */
export type Callback<T> = (error: unknown, result?: T) => void;

/**
 * Settles `work` into `callback`. The callback runs on its own tick, so an exception it throws
 * surfaces as the framework's own would, instead of becoming a rejected promise nobody awaits.
 */
export function toCallback<T>(work: Promise<T>, callback: Callback<T> | undefined): void {
  work.then(
    (result) => {
      if (callback) process.nextTick(callback, null, result);
    },
    (error: unknown) => {
      if (callback) process.nextTick(callback, error);
    },
  );
}
