/** Milliseconds with three significant figures. */
export const ms = (v: number): string =>
  v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(v >= 1 ? 2 : 3);

export const rate = (v: number): string => Math.round(v).toLocaleString("en-US");
