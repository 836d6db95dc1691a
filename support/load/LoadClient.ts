import type { HybridSessionStore, JsonValue, Session } from "../../store";
import type { SessionWorld } from "../world";

/** How a load's requests reach the store, one user's request at a time. */
export interface LoadClient {
  read(user: string, current: Session): Promise<Session | null>;
  touch(user: string, current: Session, ttlSeconds: number): Promise<Session | null>;
  update(user: string, current: Session, data: JsonValue): Promise<Session>;
}

/** Straight to the store: nothing is recorded but the load's own measurements. */
export function storeClient(store: HybridSessionStore): LoadClient {
  return {
    read: (_, current) => store.get(current.id),
    touch: (_, current, ttlSeconds) => store.touch(current.id, ttlSeconds),
    update: (_, current, data) => store.update(current.id, data),
  };
}

/** Through the World, so every request is in the scenario's history for the history checker. */
export function historyClient(world: SessionWorld): LoadClient {
  return {
    read: (user) => world.read(user),
    touch: (user, _, ttlSeconds) => world.extend(user, ttlSeconds),
    update: (user, _, data) => world.change(user, data),
  };
}
