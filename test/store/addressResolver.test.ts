import { describe, it } from "node:test";
import { expect } from "chai";
import { addressResolverOf, parseAddress } from "../../store/addressResolver";

describe("addressResolverOf", () => {
  it("maps listed node addresses and passes every other address through", () => {
    const resolve = addressResolverOf({ addressMap: { "10.0.0.1:6379": "127.0.0.1:27001" } });
    expect(resolve?.("10.0.0.1", 6379)).to.deep.equal(["127.0.0.1", 27001]);
    expect(resolve?.("127.0.0.1", 27001), "an address it already returned").to.deep.equal([
      "127.0.0.1",
      27001,
    ]);
  });

  it("applies addressResolver after the map, and is only addressResolver without a map", () => {
    const shift = (host: string, port: number): [string, number] => [host, port + 1];
    expect(
      addressResolverOf({ addressMap: { "a:1": "b:2" }, addressResolver: shift })?.("a", 1),
    ).to.deep.equal(["b", 3]);
    expect(addressResolverOf({ addressResolver: shift })).to.equal(shift);
    expect(addressResolverOf({})).to.equal(undefined);
  });

  it("splits host:port at the last colon", () => {
    expect(parseAddress("::1:7001")).to.deep.equal({ host: "::1", port: 7001 });
  });
});
