import type { UserActions } from "../load/LoadClient";

/** The users, and what each can do, recorded. */
export interface Users extends UserActions {
  users(): string[];
}

export interface ChurnOptions {
  /** Operations each user makes, one after the other. */
  opsPerUser: number;
  /** The fault starts once this share (0..1) of all operations completed, and heals at `healAt`. */
  faultAt: number;
  healAt: number;
  fault: () => Promise<void>;
  heal: () => Promise<void>;
}

/**
 * Every user reads, changes and extends their own session (8 : 1 : 1), all users at once, while a
 * fault starts and heals part-way through, triggered by the count of completed operations (never by
 * a clock). Every operation goes through `world`, which records it; failures are counted, not thrown.
 */
export async function churn(
  world: Users,
  options: ChurnOptions,
): Promise<{ ok: number; failed: number }> {
  const users = world.users();
  const total = users.length * options.opsPerUser;
  let completed = 0;
  let failed = 0;
  let faultStarted: Promise<void> | undefined;
  let faultHealed: Promise<void> | undefined;
  const afterEach = async () => {
    completed += 1;
    if (!faultStarted && completed >= total * options.faultAt) {
      faultStarted = options.fault();
      // Observed now, rethrown below: a failing fault must fail this scenario, not the next one.
      faultStarted.catch(() => undefined);
    }
    if (faultStarted && !faultHealed && completed >= total * options.healAt) {
      faultHealed = faultStarted.then(options.heal);
      faultHealed.catch(() => undefined);
    }
  };
  await Promise.all(
    users.map(async (user) => {
      for (let i = 0; i < options.opsPerUser; i++) {
        const kind = i % 10;
        try {
          if (kind === 8) await world.change(user, { user, step: i });
          else if (kind === 9) await world.extend(user, 1800);
          else await world.read(user);
        } catch {
          failed += 1;
        }
        await afterEach();
      }
    }),
  );
  await faultStarted;
  await faultHealed;
  return { ok: total - failed, failed };
}
