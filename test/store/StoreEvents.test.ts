import { describe, it } from "node:test";
import { expect } from "chai";
import { type StoreEvent, StoreEvents } from "../../store/StoreEvents";

describe("StoreEvents", () => {
  it("gives every event to each listener until it stops", () => {
    const events = new StoreEvents();
    const first: StoreEvent[] = [];
    const second: StoreEvent[] = [];
    const stopFirst = events.on((e) => first.push(e));
    events.on((e) => second.push(e));
    events.emit({ type: "cache-repaired", sessionId: "a" });
    stopFirst();
    events.emit({ type: "journal-drained", replayed: 2 });
    expect(first).to.have.length(1);
    expect(second).to.have.length(2);
  });
});
