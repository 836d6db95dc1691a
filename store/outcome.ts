/**
 * The outcome of `promise`, fulfilled or rejected, as a value: for the store's writes to the
 * cache, whose failure is bookkept rather than thrown.
 */
export function outcome<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: "fulfilled", value }),
    (reason: unknown) => ({ status: "rejected", reason }),
  );
}
