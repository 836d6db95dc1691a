import type { HybridSessionStore, JsonValue, Session } from "../../store";

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

/** What a user can do through something that records it (the World, into its history). */
export interface UserActions {
  read(user: string): Promise<Session | null>;
  extend(user: string, ttlSeconds: number): Promise<Session | null>;
  change(user: string, data: JsonValue): Promise<Session>;
}

/** Through recorded actions, so every request is in the history for the history checker. */
export function historyClient(actions: UserActions): LoadClient {
  return {
    read: (user) => actions.read(user),
    touch: (user, _, ttlSeconds) => actions.extend(user, ttlSeconds),
    update: (user, _, data) => actions.change(user, data),
  };
}
