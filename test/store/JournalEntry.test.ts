import { describe, it } from "node:test";
import { expect } from "chai";
import { journalEntriesOf, journalFields } from "../../store/JournalEntry";

const record = { id: "s1", version: 3, createdAt: 10, updatedAt: 20, expiresAt: 99, payload: "{}" };

describe("journalFields", () => {
  it("writes a put as op, id, version, expiry and payload, in pairs", () => {
    const fields = ["op", "put", "id", "s1", "version", "3", "expiresAt", "99", "payload", "{}"];
    expect(journalFields({ op: "put", record })).to.deep.equal(fields);
  });

  it("writes a delete as op, id and version only", () => {
    const fields = ["op", "delete", "id", "s1", "version", "4"];
    expect(journalFields({ op: "delete", id: "s1", version: 4 })).to.deep.equal(fields);
  });
});

describe("journalEntriesOf", () => {
  it("reads the XRANGE reply as GLIDE decodes it", () => {
    const reply = [
      {
        key: "1-0",
        value: [
          ["op", "put"],
          ["id", "s1"],
        ],
      },
      { key: "2-0", value: [["op", "delete"]] },
    ];
    expect(journalEntriesOf(reply)).to.deep.equal([
      { streamId: "1-0", fields: { op: "put", id: "s1" } },
      { streamId: "2-0", fields: { op: "delete" } },
    ]);
  });

  it("reads an empty stream as no entries", () => {
    expect(journalEntriesOf([])).to.deep.equal([]);
  });

  it("throws on a reply of another shape rather than skip entries", () => {
    expect(() => journalEntriesOf(null)).to.throw(TypeError);
    expect(() => journalEntriesOf([["1-0", ["op", "put"]]])).to.throw(TypeError);
    expect(() => journalEntriesOf([{ key: "1-0", value: [["op"]] }])).to.throw(TypeError);
  });
});
